"""Adopting a Pi satellite: zeroconf discovery (or host and port), the pairing key, the agent.

The satellite advertises `_voicelive._tcp` with its id and name. The user confirms it in the UI,
types the pairing key that the satellite printed at its first start, and picks the Voice Live
agent entry that the satellite talks to. The flow proves the key with a real handshake before it
creates the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .const import (
    CONF_AGENT_ENTRY_ID,
    CONF_HOST,
    CONF_KIND,
    CONF_PAIRING_KEY,
    CONF_PORT,
    CONF_SATELLITE_ID,
    DOMAIN,
    KIND_AGENT,
    KIND_SATELLITE,
    LOGGER,
    entry_kind,
)
from .satellite_link import PairingError, SatelliteInfo, SatelliteLink, SatelliteLinkError
from .voicelive import link

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigFlow

    _Base = ConfigFlow
else:
    _Base = object


def satellite_unique_id(satellite_id: str) -> str:
    """Unique id of a satellite entry (agents use endpoint and model; no clash possible)."""
    return f"satellite-{satellite_id}"


def agent_choices(hass: HomeAssistant) -> list[SelectOptionDict]:
    """The Voice Live agent entries a satellite may use."""
    return [
        SelectOptionDict(value=entry.entry_id, label=entry.title)
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry_kind(entry) == KIND_AGENT
    ]


def _agent_selector(hass: HomeAssistant) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(options=agent_choices(hass), mode=SelectSelectorMode.DROPDOWN)
    )


_KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


async def async_pair(
    hass: HomeAssistant, host: str, port: int, pairing_key: str
) -> tuple[SatelliteInfo | None, str | None]:
    """Prove the key with a real handshake; return the satellite's identity or a form error."""
    try:
        satellite = await SatelliteLink.connect(
            async_get_clientsession(hass), host, port, pairing_key
        )
    except PairingError:
        return None, "invalid_pairing_key"
    except SatelliteLinkError as err:
        LOGGER.debug("Satellite at %s:%s unreachable: %s", host, port, err)
        return None, "cannot_connect"
    await satellite.close()
    return satellite.info, None


class SatelliteFlowMixin(_Base):
    """The satellite steps of the integration's config flow."""

    _satellite: dict[str, Any]

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """A satellite advertised itself on the network."""
        props = discovery_info.properties
        satellite_id = str(props.get("id") or "")
        if not satellite_id:
            return self.async_abort(reason="invalid_discovery")
        if str(props.get("protocol", "")) != str(link.PROTOCOL_VERSION):
            return self.async_abort(reason="unsupported_protocol")
        host, port = str(discovery_info.host), int(discovery_info.port or link.DEFAULT_PORT)
        await self.async_set_unique_id(satellite_unique_id(satellite_id))
        self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
        name = str(props.get("name") or discovery_info.name.split(".")[0])
        self._satellite = {
            CONF_HOST: host,
            CONF_PORT: port,
            CONF_SATELLITE_ID: satellite_id,
            "name": name,
        }
        self.context["title_placeholders"] = {"name": name}
        return await self.async_step_satellite_pair()

    async def async_step_satellite(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a satellite by host and port (when zeroconf cannot see it)."""
        if not agent_choices(self.hass):
            return self.async_abort(reason="no_agents")
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), int(user_input[CONF_PORT])
            info, error = await async_pair(self.hass, host, port, user_input[CONF_PAIRING_KEY])
            if info is not None:
                await self.async_set_unique_id(satellite_unique_id(info.satellite_id))
                self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
                return self._create_satellite(host, port, info, user_input)
            errors["base"] = error or "unknown"
        schema = vol.Schema(
            {
                vol.Required(CONF_HOST): TextSelector(),
                vol.Required(CONF_PORT, default=link.DEFAULT_PORT): NumberSelector(
                    NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX)
                ),
                vol.Required(CONF_PAIRING_KEY): _KEY_SELECTOR,
                vol.Required(CONF_AGENT_ENTRY_ID): _agent_selector(self.hass),
            }
        )
        return self.async_show_form(
            step_id="satellite",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_satellite_pair(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm a discovered satellite with its pairing key, and choose its agent."""
        if not agent_choices(self.hass):
            return self.async_abort(reason="no_agents")
        errors: dict[str, str] = {}
        found = self._satellite
        if user_input is not None:
            info, error = await async_pair(
                self.hass, found[CONF_HOST], found[CONF_PORT], user_input[CONF_PAIRING_KEY]
            )
            if info is not None and info.satellite_id != found[CONF_SATELLITE_ID]:
                error = "wrong_satellite"  # not the one announced: its unique id would be wrong
            elif info is not None:
                return self._create_satellite(found[CONF_HOST], found[CONF_PORT], info, user_input)
            errors["base"] = error or "unknown"
        schema = vol.Schema(
            {
                vol.Required(CONF_PAIRING_KEY): _KEY_SELECTOR,
                vol.Required(CONF_AGENT_ENTRY_ID): _agent_selector(self.hass),
            }
        )
        return self.async_show_form(
            step_id="satellite_pair",
            data_schema=schema,
            errors=errors,
            description_placeholders={
                "name": found["name"],
                "host": f"{found[CONF_HOST]}:{found[CONF_PORT]}",
            },
        )

    def _create_satellite(
        self, host: str, port: int, info: SatelliteInfo, user_input: Mapping[str, Any]
    ) -> ConfigFlowResult:
        return self.async_create_entry(
            title=info.name,
            data={
                CONF_KIND: KIND_SATELLITE,
                CONF_HOST: host,
                CONF_PORT: port,
                CONF_SATELLITE_ID: info.satellite_id,
                CONF_PAIRING_KEY: link.normalize_pairing_key(user_input[CONF_PAIRING_KEY]),
            },
            options={CONF_AGENT_ENTRY_ID: user_input[CONF_AGENT_ENTRY_ID]},
        )

    async def async_step_satellite_reauth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The satellite refused its key (it was reset and printed a new one): ask for it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            info, error = await async_pair(
                self.hass,
                entry.data[CONF_HOST],
                entry.data[CONF_PORT],
                user_input[CONF_PAIRING_KEY],
            )
            if info is not None:
                key = link.normalize_pairing_key(user_input[CONF_PAIRING_KEY])
                return self.async_update_reload_and_abort(
                    entry, data={**entry.data, CONF_PAIRING_KEY: key}
                )
            errors["base"] = error or "unknown"
        return self.async_show_form(
            step_id="satellite_reauth",
            data_schema=vol.Schema({vol.Required(CONF_PAIRING_KEY): _KEY_SELECTOR}),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_satellite_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Point HA at the satellite's new address (the same satellite, the same key)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), int(user_input[CONF_PORT])
            info, error = await async_pair(self.hass, host, port, entry.data[CONF_PAIRING_KEY])
            if info is not None and info.satellite_id != entry.data[CONF_SATELLITE_ID]:
                error = "wrong_satellite"
            elif info is not None:
                return self.async_update_reload_and_abort(
                    entry, data={**entry.data, CONF_HOST: host, CONF_PORT: port}
                )
            errors["base"] = error or "unknown"
        schema = vol.Schema(
            {
                vol.Required(CONF_HOST, default=entry.data[CONF_HOST]): TextSelector(),
                vol.Required(CONF_PORT, default=entry.data[CONF_PORT]): NumberSelector(
                    NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX)
                ),
            }
        )
        return self.async_show_form(
            step_id="satellite_reconfigure", data_schema=schema, errors=errors
        )


class SatelliteOptionsFlow(OptionsFlow):
    """Change which Voice Live agent a satellite talks to."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A satellite has one option: its agent."""
        return await self.async_step_satellite_agent(user_input)

    async def async_step_satellite_agent(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the agent."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_AGENT_ENTRY_ID,
                    default=self.config_entry.options.get(CONF_AGENT_ENTRY_ID),
                ): _agent_selector(self.hass)
            }
        )
        return self.async_show_form(step_id="satellite_agent", data_schema=schema)
