"""Config flow of Azure Voice Live: connect (model or agent), reauth, reconfigure, options.

Before an entry is created or changed, the flow opens a real Voice Live session with the chosen
settings (`session.created`, `session.update`, `session.updated`), so that a wrong key, a wrong
endpoint or a model the resource does not have is reported in the form, not at the first turn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import voluptuous as vol
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_API_KEY, CONF_LLM_HASS_API
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import llm
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TemplateSelector,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .agent import SessionError, async_configure, async_open_connection
from .const import (
    CONF_AGENT_NAME,
    CONF_AGENT_PROJECT,
    CONF_AGENT_VERSION,
    CONF_API_VERSION,
    CONF_ECHO_CANCELLATION,
    CONF_ENDPOINT,
    CONF_INPUT_AUDIO_FORMAT,
    CONF_INPUT_SAMPLING_RATE,
    CONF_KIND,
    CONF_MAX_TOKENS,
    CONF_MCP_ALLOWED_TOOLS,
    CONF_MCP_APPROVED_TOOLS,
    CONF_MCP_HEADERS,
    CONF_MCP_LABEL,
    CONF_MCP_REQUIRE_APPROVAL,
    CONF_MCP_SERVERS,
    CONF_MCP_URL,
    CONF_MODALITIES,
    CONF_MODEL,
    CONF_NOISE_REDUCTION,
    CONF_OUTPUT_AUDIO_FORMAT,
    CONF_PHRASE_LIST,
    CONF_PROMPT,
    CONF_SERVICES,
    CONF_TARGET,
    CONF_TD_AUTO_TRUNCATE,
    CONF_TD_CREATE_RESPONSE,
    CONF_TD_EAGERNESS,
    CONF_TD_EOU_MODEL,
    CONF_TD_EOU_THRESHOLD_LEVEL,
    CONF_TD_EOU_TIMEOUT_MS,
    CONF_TD_INTERRUPT_RESPONSE,
    CONF_TD_LANGUAGES,
    CONF_TD_PREFIX_PADDING_MS,
    CONF_TD_REMOVE_FILLER_WORDS,
    CONF_TD_SILENCE_DURATION_MS,
    CONF_TD_SPEECH_DURATION_MS,
    CONF_TD_THRESHOLD,
    CONF_TD_TYPE,
    CONF_TEMPERATURE,
    CONF_TOOL_CHOICE,
    CONF_TRANSCRIPTION_LANGUAGE,
    CONF_TRANSCRIPTION_MODEL,
    CONF_VOICE_ENDPOINT_ID,
    CONF_VOICE_LOCALE,
    CONF_VOICE_MODEL,
    CONF_VOICE_NAME,
    CONF_VOICE_PITCH,
    CONF_VOICE_RATE,
    CONF_VOICE_STYLE,
    CONF_VOICE_TEMPERATURE,
    CONF_VOICE_TYPE,
    CONF_VOICE_VOLUME,
    CONF_WORD_TIMESTAMPS,
    DEFAULT_API_VERSION,
    DEFAULT_ECHO_CANCELLATION,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MODALITIES,
    DEFAULT_MODEL,
    DEFAULT_NOISE_REDUCTION,
    DEFAULT_TD_TYPE,
    DEFAULT_TOOL_CHOICE,
    DEFAULT_TRANSCRIPTION_MODEL,
    DEFAULT_VOICE_NAME,
    DEFAULT_VOICE_TYPE,
    DOMAIN,
    EAGERNESS_LEVELS,
    ECHO_CANCELLATION_TYPES,
    EOU_MODELS,
    EOU_NONE,
    EOU_THRESHOLD_LEVELS,
    INPUT_AUDIO_FORMATS,
    INPUT_SAMPLING_RATES,
    KIND_SATELLITE,
    LOGGER,
    MCP_APPROVAL_MODES,
    NOISE_REDUCTION_TYPES,
    OUTPUT_AUDIO_FORMATS,
    SECTION_AUDIO,
    SECTION_RESPONSE,
    SECTION_TURN_DETECTION,
    SECTION_VOICE,
    SUGGESTED_MODELS,
    TARGET_AGENT,
    TARGET_MODEL,
    TD_TYPES,
    TOOL_CHOICES,
    TRANSCRIPTION_MODELS,
    VOICE_TYPES,
    entry_kind,
)
from .satellite_flow import SatelliteFlowMixin, SatelliteOptionsFlow
from .session_config import build_session
from .voicelive import (
    AuthenticationError,
    ConnectError,
    NotFoundError,
    ProtocolError,
    VoiceLiveError,
)
from .voicelive.endpoint import AgentTarget, EndpointError, build_url

SECTION_ADVANCED = "advanced"
_LABEL = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

RECOMMENDED_OPTIONS: dict[str, Any] = {
    CONF_PROMPT: llm.DEFAULT_INSTRUCTIONS_PROMPT,
    CONF_LLM_HASS_API: llm.LLM_API_ASSIST,
}


def _text(multiline: bool = False, password: bool = False) -> TextSelector:
    kind = TextSelectorType.PASSWORD if password else TextSelectorType.TEXT
    return TextSelector(TextSelectorConfig(type=kind, multiline=multiline))


def _select(
    options: list[str], key: str | None, *, multiple: bool = False, custom: bool = False
) -> SelectSelector:
    config = SelectSelectorConfig(
        options=options, multiple=multiple, custom_value=custom, mode=SelectSelectorMode.DROPDOWN
    )
    if key is not None:
        config["translation_key"] = key
    return SelectSelector(config)


def _number(minimum: float, maximum: float, step: float) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(min=minimum, max=maximum, step=step, mode=NumberSelectorMode.BOX)
    )


def _free_list() -> SelectSelector:
    """A list of free-form strings (languages, phrases, tool names)."""
    return SelectSelector(SelectSelectorConfig(options=[], multiple=True, custom_value=True))


def unique_id_for(data: Mapping[str, Any]) -> str:
    """One entry per endpoint host and model (or agent)."""
    parts = urlsplit(data[CONF_ENDPOINT].strip())
    host = (parts.netloc or parts.path).lower().rstrip("/")
    if data.get(CONF_TARGET) == TARGET_AGENT:
        return f"{host}/agent/{data[CONF_AGENT_PROJECT]}/{data[CONF_AGENT_NAME]}"
    return f"{host}/{data[CONF_MODEL].strip()}"


def title_for(data: Mapping[str, Any]) -> str:
    """The entry's title: the model or agent, and the resource."""
    parts = urlsplit(data[CONF_ENDPOINT].strip())
    host = (parts.hostname or data[CONF_ENDPOINT]).split(".")[0]
    target = data[CONF_AGENT_NAME] if data.get(CONF_TARGET) == TARGET_AGENT else data[CONF_MODEL]
    return f"{target} ({host})"


async def async_validate(
    hass: HomeAssistant, data: Mapping[str, Any], options: Mapping[str, Any]
) -> dict[str, str]:
    """Open a real session with these settings; the form errors, empty when all went well."""
    try:
        build_url(
            data[CONF_ENDPOINT],
            model=data.get(CONF_MODEL) if data.get(CONF_TARGET) != TARGET_AGENT else None,
            agent=AgentTarget(data[CONF_AGENT_NAME], data[CONF_AGENT_PROJECT])
            if data.get(CONF_TARGET) == TARGET_AGENT
            else None,
        )
        session = build_session(options, modalities=["text"])
    except EndpointError:
        return {CONF_ENDPOINT: "invalid_endpoint"}
    try:
        conn = await async_open_connection(hass, data, heartbeat=None)
    except AuthenticationError:
        return {"base": "invalid_auth"}
    except NotFoundError:
        return {CONF_ENDPOINT: "invalid_endpoint"}
    except ConnectError:
        return {"base": "cannot_connect"}
    try:
        await async_configure(conn, session)
    except SessionError as err:
        LOGGER.warning("Voice Live refused the session: %s", err)
        return {"base": "session_rejected"}
    except (VoiceLiveError, TimeoutError):
        return {"base": "cannot_connect"}
    except Exception:
        LOGGER.exception("Unexpected error while opening a Voice Live session")
        return {"base": "unknown"}
    finally:
        await conn.close()
    return {}


def _connection_schema(target: str, values: Mapping[str, Any], *, with_key: bool) -> vol.Schema:
    """The form for a model or an agent connection, pre-filled with `values`."""
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_ENDPOINT, default=values.get(CONF_ENDPOINT, vol.UNDEFINED)): _text(),
    }
    if with_key:
        fields[vol.Required(CONF_API_KEY)] = _text(password=True)
    if target == TARGET_MODEL:
        fields[vol.Required(CONF_MODEL, default=values.get(CONF_MODEL, DEFAULT_MODEL))] = _select(
            SUGGESTED_MODELS, CONF_MODEL, custom=True
        )
    else:
        fields[
            vol.Required(CONF_AGENT_NAME, default=values.get(CONF_AGENT_NAME, vol.UNDEFINED))
        ] = _text()
        fields[
            vol.Required(CONF_AGENT_PROJECT, default=values.get(CONF_AGENT_PROJECT, vol.UNDEFINED))
        ] = _text()
        fields[
            vol.Optional(
                CONF_AGENT_VERSION,
                description={"suggested_value": values.get(CONF_AGENT_VERSION)},
            )
        ] = _text()
    fields[vol.Required(SECTION_ADVANCED)] = section(
        vol.Schema(
            {
                vol.Required(
                    CONF_API_VERSION,
                    default=values.get(CONF_API_VERSION, DEFAULT_API_VERSION),
                ): _text()
            }
        ),
        {"collapsed": True},
    )
    return vol.Schema(fields)


def _connection_data(target: str, user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten a connection form into the entry's data."""
    data = {key: value for key, value in user_input.items() if key != SECTION_ADVANCED}
    data[CONF_TARGET] = target
    data[CONF_ENDPOINT] = data[CONF_ENDPOINT].strip().rstrip("/")
    data[CONF_API_VERSION] = user_input.get(SECTION_ADVANCED, {}).get(
        CONF_API_VERSION, DEFAULT_API_VERSION
    )
    return data


class VoiceLiveConfigFlow(SatelliteFlowMixin, ConfigFlow, domain=DOMAIN):
    """Connect Home Assistant to an Azure Voice Live resource, or adopt a Pi satellite."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose between a model, an Azure AI Foundry agent, and a Pi satellite by address."""
        return self.async_show_menu(
            step_id="user", menu_options=[TARGET_MODEL, TARGET_AGENT, KIND_SATELLITE]
        )

    async def async_step_model(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Connect to a model on the resource."""
        return await self._async_connection_step(TARGET_MODEL, user_input)

    async def async_step_agent(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Connect to an Azure AI Foundry agent."""
        return await self._async_connection_step(TARGET_AGENT, user_input)

    async def _async_connection_step(
        self, target: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _connection_data(target, user_input)
            await self.async_set_unique_id(unique_id_for(data))
            self._abort_if_unique_id_configured()
            errors = await async_validate(self.hass, data, RECOMMENDED_OPTIONS)
            if not errors:
                return self.async_create_entry(
                    title=title_for(data), data=data, options=RECOMMENDED_OPTIONS
                )
        return self.async_show_form(
            step_id=target,
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema(target, user_input or {}, with_key=True), user_input
            ),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The service refused the key (or a satellite its pairing key): ask for a new one."""
        if entry_data.get(CONF_KIND) == KIND_SATELLITE:
            return await self.async_step_satellite_reauth()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take the new key, prove it with a session, and reload."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_API_KEY: user_input[CONF_API_KEY]}
            errors = await async_validate(self.hass, data, entry.options)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): _text(password=True)}),
            errors=errors,
            description_placeholders={"endpoint": entry.data[CONF_ENDPOINT]},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the endpoint, the model or agent, the API version (and the key, if given)."""
        entry = self._get_reconfigure_entry()
        if entry_kind(entry) == KIND_SATELLITE:
            return await self.async_step_satellite_reconfigure(user_input)
        target = entry.data.get(CONF_TARGET, TARGET_MODEL)
        errors: dict[str, str] = {}
        if user_input is not None:
            new_key = user_input.pop(CONF_API_KEY, None)
            data = {**entry.data, **_connection_data(target, user_input)}
            if new_key:
                data[CONF_API_KEY] = new_key
            if CONF_AGENT_VERSION not in user_input:
                data.pop(CONF_AGENT_VERSION, None)
            unique_id = unique_id_for(data)
            if unique_id != entry.unique_id:
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
            errors = await async_validate(self.hass, data, entry.options)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, unique_id=unique_id, title=title_for(data), data=data
                )
        values = {**entry.data, CONF_API_VERSION: entry.data.get(CONF_API_VERSION)}
        schema = _connection_schema(target, values, with_key=False).extend(
            {vol.Optional(CONF_API_KEY): _text(password=True)}
        )
        return self.async_show_form(step_id="reconfigure", data_schema=schema, errors=errors)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """The agent's options, or which agent a satellite uses."""
        if entry_kind(config_entry) == KIND_SATELLITE:
            return SatelliteOptionsFlow()
        return VoiceLiveOptionsFlow()


class VoiceLiveOptionsFlow(OptionsFlow):
    """Voice, personality, tools, turn detection and audio; MCP servers in their own steps."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """What to change."""
        menu = ["settings", "mcp_add"]
        if self.config_entry.options.get(CONF_MCP_SERVERS):
            menu.append("mcp_remove")
        return self.async_show_menu(step_id="init", menu_options=menu)

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Everything that shapes the session; advanced parts sit in collapsed sections."""
        options: Mapping[str, Any] = self.config_entry.options
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        if user_input is not None:
            if user_input.get(CONF_LLM_HASS_API) == "none":
                user_input.pop(CONF_LLM_HASS_API)
            new_options = {
                key: value
                for key, value in options.items()
                if key == CONF_MCP_SERVERS  # kept: edited in their own steps
            } | user_input
            try:
                build_session(new_options)
            except (ValueError, ProtocolError) as err:
                errors["base"] = "invalid_settings"
                placeholders["error"] = str(err)
            else:
                return self.async_create_entry(data=new_options)
            options = new_options
        return self.async_show_form(
            step_id="settings",
            data_schema=_settings_schema(self.hass, options),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_mcp_add(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add an MCP server that the service may call."""
        servers: list[dict[str, Any]] = list(self.config_entry.options.get(CONF_MCP_SERVERS, []))
        errors: dict[str, str] = {}
        if user_input is not None:
            label = user_input[CONF_MCP_LABEL].strip()
            headers = user_input.get(CONF_MCP_HEADERS) or {}
            if not _LABEL.match(label):
                errors[CONF_MCP_LABEL] = "invalid_label"
            elif any(server[CONF_MCP_LABEL] == label for server in servers):
                errors[CONF_MCP_LABEL] = "duplicate_label"
            if urlsplit(user_input[CONF_MCP_URL]).scheme not in ("http", "https"):
                errors[CONF_MCP_URL] = "invalid_url"
            if not isinstance(headers, dict) or not all(
                isinstance(value, str) for value in headers.values()
            ):
                errors[CONF_MCP_HEADERS] = "invalid_headers"
            if not errors:
                servers.append(
                    {
                        CONF_MCP_LABEL: label,
                        CONF_MCP_URL: user_input[CONF_MCP_URL].strip(),
                        CONF_MCP_ALLOWED_TOOLS: user_input.get(CONF_MCP_ALLOWED_TOOLS, []),
                        CONF_MCP_HEADERS: headers,
                        CONF_MCP_REQUIRE_APPROVAL: user_input[CONF_MCP_REQUIRE_APPROVAL],
                        CONF_MCP_APPROVED_TOOLS: user_input.get(CONF_MCP_APPROVED_TOOLS, []),
                    }
                )
                return self.async_create_entry(
                    data={**self.config_entry.options, CONF_MCP_SERVERS: servers}
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_MCP_LABEL): _text(),
                vol.Required(CONF_MCP_URL): _text(),
                vol.Optional(CONF_MCP_ALLOWED_TOOLS): _free_list(),
                vol.Optional(CONF_MCP_HEADERS): ObjectSelector(),
                vol.Required(CONF_MCP_REQUIRE_APPROVAL, default="always"): _select(
                    MCP_APPROVAL_MODES, CONF_MCP_REQUIRE_APPROVAL
                ),
                vol.Optional(CONF_MCP_APPROVED_TOOLS): _free_list(),
            }
        )
        return self.async_show_form(
            step_id="mcp_add",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_mcp_remove(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove MCP servers."""
        servers: list[dict[str, Any]] = list(self.config_entry.options.get(CONF_MCP_SERVERS, []))
        if user_input is not None:
            remove = set(user_input.get(CONF_MCP_SERVERS, []))
            kept = [server for server in servers if server[CONF_MCP_LABEL] not in remove]
            return self.async_create_entry(
                data={**self.config_entry.options, CONF_MCP_SERVERS: kept}
            )
        labels = [server[CONF_MCP_LABEL] for server in servers]
        return self.async_show_form(
            step_id="mcp_remove",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_MCP_SERVERS): SelectSelector(
                        SelectSelectorConfig(options=labels, multiple=True)
                    )
                }
            ),
        )


def _suggest(values: Mapping[str, Any], key: str, default: Any = None) -> dict[str, Any]:
    return {"suggested_value": values.get(key, default)}


def _settings_schema(hass: HomeAssistant, options: Mapping[str, Any]) -> vol.Schema:
    """The settings form, pre-filled from the current options."""
    apis = [SelectOptionDict(label="No control", value="none")] + [
        SelectOptionDict(label=api.name, value=api.id) for api in llm.async_get_apis(hass)
    ]
    services = sorted(
        f"{domain}.{service}"
        for domain, domain_services in hass.services.async_services().items()
        for service in domain_services
    )
    voice = options.get(SECTION_VOICE, {})
    response = options.get(SECTION_RESPONSE, {})
    turn = options.get(SECTION_TURN_DETECTION, {})
    audio = options.get(SECTION_AUDIO, {})
    return vol.Schema(
        {
            vol.Optional(
                CONF_PROMPT,
                description=_suggest(options, CONF_PROMPT, llm.DEFAULT_INSTRUCTIONS_PROMPT),
            ): TemplateSelector(),
            vol.Optional(
                CONF_LLM_HASS_API, description=_suggest(options, CONF_LLM_HASS_API), default="none"
            ): SelectSelector(SelectSelectorConfig(options=apis)),
            vol.Optional(
                CONF_SERVICES, description=_suggest(options, CONF_SERVICES, [])
            ): SelectSelector(
                SelectSelectorConfig(
                    options=services,
                    multiple=True,
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(
                CONF_TOOL_CHOICE, default=options.get(CONF_TOOL_CHOICE, DEFAULT_TOOL_CHOICE)
            ): _select(TOOL_CHOICES, CONF_TOOL_CHOICE),
            vol.Required(SECTION_VOICE): section(
                vol.Schema(
                    {
                        vol.Required(
                            CONF_VOICE_TYPE, default=voice.get(CONF_VOICE_TYPE, DEFAULT_VOICE_TYPE)
                        ): _select(VOICE_TYPES, "voice_type"),
                        vol.Required(
                            CONF_VOICE_NAME, default=voice.get(CONF_VOICE_NAME, DEFAULT_VOICE_NAME)
                        ): _text(),
                        vol.Optional(
                            CONF_VOICE_LOCALE, description=_suggest(voice, CONF_VOICE_LOCALE)
                        ): _text(),
                        vol.Optional(
                            CONF_VOICE_STYLE, description=_suggest(voice, CONF_VOICE_STYLE)
                        ): _text(),
                        vol.Optional(
                            CONF_VOICE_RATE, description=_suggest(voice, CONF_VOICE_RATE)
                        ): _text(),
                        vol.Optional(
                            CONF_VOICE_PITCH, description=_suggest(voice, CONF_VOICE_PITCH)
                        ): _text(),
                        vol.Optional(
                            CONF_VOICE_VOLUME, description=_suggest(voice, CONF_VOICE_VOLUME)
                        ): _text(),
                        vol.Optional(
                            CONF_VOICE_TEMPERATURE,
                            description=_suggest(voice, CONF_VOICE_TEMPERATURE),
                        ): _number(0, 1, 0.05),
                        vol.Optional(
                            CONF_VOICE_ENDPOINT_ID,
                            description=_suggest(voice, CONF_VOICE_ENDPOINT_ID),
                        ): _text(),
                        vol.Optional(
                            CONF_VOICE_MODEL, description=_suggest(voice, CONF_VOICE_MODEL)
                        ): _text(),
                    }
                ),
                {"collapsed": True},
            ),
            vol.Required(SECTION_RESPONSE): section(
                vol.Schema(
                    {
                        vol.Required(
                            CONF_MODALITIES,
                            default=response.get(CONF_MODALITIES, DEFAULT_MODALITIES),
                        ): _select(["text", "audio"], CONF_MODALITIES, multiple=True),
                        vol.Optional(
                            CONF_TEMPERATURE, description=_suggest(response, CONF_TEMPERATURE)
                        ): _number(0.6, 1.2, 0.05),
                        vol.Required(
                            CONF_MAX_TOKENS,
                            default=str(response.get(CONF_MAX_TOKENS, DEFAULT_MAX_TOKENS)),
                        ): _text(),
                    }
                ),
                {"collapsed": True},
            ),
            vol.Required(SECTION_TURN_DETECTION): section(
                vol.Schema(
                    {
                        vol.Required(
                            CONF_TD_TYPE, default=turn.get(CONF_TD_TYPE, DEFAULT_TD_TYPE)
                        ): _select(TD_TYPES, "turn_detection_type"),
                        vol.Optional(
                            CONF_TD_THRESHOLD, description=_suggest(turn, CONF_TD_THRESHOLD)
                        ): _number(0, 1, 0.05),
                        vol.Optional(
                            CONF_TD_PREFIX_PADDING_MS,
                            description=_suggest(turn, CONF_TD_PREFIX_PADDING_MS),
                        ): _number(0, 5000, 10),
                        vol.Optional(
                            CONF_TD_SILENCE_DURATION_MS,
                            description=_suggest(turn, CONF_TD_SILENCE_DURATION_MS),
                        ): _number(0, 5000, 10),
                        vol.Optional(
                            CONF_TD_SPEECH_DURATION_MS,
                            description=_suggest(turn, CONF_TD_SPEECH_DURATION_MS),
                        ): _number(0, 5000, 10),
                        vol.Optional(
                            CONF_TD_REMOVE_FILLER_WORDS,
                            description=_suggest(turn, CONF_TD_REMOVE_FILLER_WORDS),
                        ): BooleanSelector(),
                        vol.Optional(
                            CONF_TD_LANGUAGES, description=_suggest(turn, CONF_TD_LANGUAGES)
                        ): _free_list(),
                        vol.Optional(
                            CONF_TD_EAGERNESS, description=_suggest(turn, CONF_TD_EAGERNESS)
                        ): _select(EAGERNESS_LEVELS, CONF_TD_EAGERNESS),
                        vol.Optional(
                            CONF_TD_CREATE_RESPONSE,
                            description=_suggest(turn, CONF_TD_CREATE_RESPONSE),
                        ): BooleanSelector(),
                        vol.Optional(
                            CONF_TD_INTERRUPT_RESPONSE,
                            description=_suggest(turn, CONF_TD_INTERRUPT_RESPONSE),
                        ): BooleanSelector(),
                        vol.Optional(
                            CONF_TD_AUTO_TRUNCATE, description=_suggest(turn, CONF_TD_AUTO_TRUNCATE)
                        ): BooleanSelector(),
                        vol.Required(
                            CONF_TD_EOU_MODEL, default=turn.get(CONF_TD_EOU_MODEL, EOU_NONE)
                        ): _select(EOU_MODELS, CONF_TD_EOU_MODEL),
                        vol.Optional(
                            CONF_TD_EOU_THRESHOLD_LEVEL,
                            description=_suggest(turn, CONF_TD_EOU_THRESHOLD_LEVEL),
                        ): _select(EOU_THRESHOLD_LEVELS, CONF_TD_EOU_THRESHOLD_LEVEL),
                        vol.Optional(
                            CONF_TD_EOU_TIMEOUT_MS,
                            description=_suggest(turn, CONF_TD_EOU_TIMEOUT_MS),
                        ): _number(0, 10000, 10),
                    }
                ),
                {"collapsed": True},
            ),
            vol.Required(SECTION_AUDIO): section(
                vol.Schema(
                    {
                        vol.Required(
                            CONF_NOISE_REDUCTION,
                            default=audio.get(CONF_NOISE_REDUCTION, DEFAULT_NOISE_REDUCTION),
                        ): _select(NOISE_REDUCTION_TYPES, CONF_NOISE_REDUCTION),
                        vol.Required(
                            CONF_ECHO_CANCELLATION,
                            default=audio.get(CONF_ECHO_CANCELLATION, DEFAULT_ECHO_CANCELLATION),
                        ): _select(ECHO_CANCELLATION_TYPES, CONF_ECHO_CANCELLATION),
                        vol.Optional(
                            CONF_INPUT_AUDIO_FORMAT,
                            description=_suggest(audio, CONF_INPUT_AUDIO_FORMAT),
                        ): _select(INPUT_AUDIO_FORMATS, "audio_format"),
                        vol.Optional(
                            CONF_INPUT_SAMPLING_RATE,
                            description=_suggest(audio, CONF_INPUT_SAMPLING_RATE),
                        ): _select(INPUT_SAMPLING_RATES, CONF_INPUT_SAMPLING_RATE),
                        vol.Optional(
                            CONF_OUTPUT_AUDIO_FORMAT,
                            description=_suggest(audio, CONF_OUTPUT_AUDIO_FORMAT),
                        ): _select(OUTPUT_AUDIO_FORMATS, "audio_format"),
                        vol.Required(
                            CONF_TRANSCRIPTION_MODEL,
                            default=audio.get(
                                CONF_TRANSCRIPTION_MODEL, DEFAULT_TRANSCRIPTION_MODEL
                            ),
                        ): _select(TRANSCRIPTION_MODELS, CONF_TRANSCRIPTION_MODEL),
                        vol.Optional(
                            CONF_TRANSCRIPTION_LANGUAGE,
                            description=_suggest(audio, CONF_TRANSCRIPTION_LANGUAGE),
                        ): _text(),
                        vol.Optional(
                            CONF_PHRASE_LIST, description=_suggest(audio, CONF_PHRASE_LIST)
                        ): _free_list(),
                        vol.Optional(
                            CONF_WORD_TIMESTAMPS, description=_suggest(audio, CONF_WORD_TIMESTAMPS)
                        ): BooleanSelector(),
                    }
                ),
                {"collapsed": True},
            ),
        }
    )
