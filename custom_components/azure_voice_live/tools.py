"""The tools an agent session offers the model, and running them in Home Assistant.

Three kinds, one registry:

1. the Assist LLM API picked in the options (its tools keep their own schemas and run through the
   `llm.APIInstance`, so they behave exactly as in HA's own conversation agents);
2. Home Assistant services picked in the options (`light.turn_on` becomes the function
   `light_turn_on`; its JSON Schema comes from the service's field descriptions and selectors,
   and its `entity_id` may name only entities exposed to Assist);
3. MCP servers, which the service calls itself: we only pass them on as `mcp` tools and answer
   the service's approval requests by policy.

`AgentTools` is independent of the text conversation entity, so the satellite bridge reuses it
for voice sessions. A call never raises into the session: whatever goes wrong becomes a JSON
error result for the model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import voluptuous as vol
from homeassistant.components.homeassistant.exposed_entities import async_should_expose
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant, SupportsResponse
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import llm, selector
from homeassistant.helpers.json import json_dumps
from homeassistant.helpers.service import async_get_all_descriptions
from msgspec import UNSET
from voluptuous_openapi import convert  # type: ignore[import-untyped]

from .const import (
    CONF_MCP_ALLOWED_TOOLS,
    CONF_MCP_APPROVED_TOOLS,
    CONF_MCP_HEADERS,
    CONF_MCP_LABEL,
    CONF_MCP_REQUIRE_APPROVAL,
    CONF_MCP_SERVERS,
    CONF_MCP_URL,
    CONF_SERVICES,
    LOGGER,
)
from .voicelive.models import FunctionTool, MCPTool, RealtimeTool

ASSISTANT = "conversation"  # the assistant whose exposed entities the tools may touch
_INVALID_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_-]")
# HA's selector-to-JSON-Schema serializer (public from 2025.5 on, private before).
_SELECTOR_SERIALIZER: Callable[[Any], Any] = getattr(
    llm, "selector_serializer", getattr(llm, "_selector_serializer", None)
) or (lambda schema: {"type": "string"})


def function_name(name: str) -> str:
    """A name that Voice Live accepts for a function (letters, digits, `_`, `-`, 64 at most)."""
    return _INVALID_NAME_CHARS.sub("_", name)[:64]


def error_result(error: str, message: str, **details: Any) -> str:
    """The JSON a failed call returns to the model: what went wrong, in words it can relay."""
    return json_dumps({"success": False, "error": error, "message": message, **details})


class ServiceTool:
    """One Home Assistant service offered to the model as a function."""

    def __init__(
        self, hass: HomeAssistant, domain: str, service: str, description: Mapping[str, Any]
    ) -> None:
        """Describe `domain.service` from its service description (fields, selectors, target)."""
        self.hass = hass
        self.domain = domain
        self.service = service
        self.name = function_name(f"{domain}_{service}")
        self.description = description
        self.has_target = "target" in description
        self.target_domains = _target_domains(description.get("target"))

    def exposed_entities(self) -> list[str]:
        """Entities this service may act on: exposed to Assist and of the target's domains."""
        return sorted(
            state.entity_id
            for state in self.hass.states.async_all(self.target_domains or None)
            if async_should_expose(self.hass, ASSISTANT, state.entity_id)
        )

    def function_tool(self) -> FunctionTool:
        """The `function` tool, its parameters as JSON Schema."""
        schema: dict[vol.Marker, Any] = {}
        for field, config in _flatten_fields(self.description.get("fields", {})).items():
            text = config.get("description") or config.get("name")
            key: vol.Marker = (
                vol.Required(field, description=text)
                if config.get("required")
                else vol.Optional(field, description=text)
            )
            schema[key] = (
                selector.selector(config["selector"]) if "selector" in config else cv.string
            )
        parameters: dict[str, Any] = convert(
            vol.Schema(schema), custom_serializer=_SELECTOR_SERIALIZER
        )
        parameters.setdefault("type", "object")
        parameters.setdefault("properties", {})
        if self.has_target:
            parameters["properties"][ATTR_ENTITY_ID] = {
                "type": "array",
                "items": {"type": "string", "enum": self.exposed_entities()},
                "description": "The entities to act on.",
            }
            parameters["required"] = sorted({*parameters.get("required", []), ATTR_ENTITY_ID})
        text = self.description.get("description") or self.description.get("name") or ""
        return FunctionTool(
            name=self.name,
            description=f"Home Assistant action {self.domain}.{self.service}. {text}".strip(),
            parameters=parameters,
        )

    async def async_call(self, arguments: dict[str, Any], context: Context | None) -> str:
        """Run the service and report the result, or why it did not run."""
        data = dict(arguments)
        targets: list[str] = []
        if self.has_target:
            raw = data.pop(ATTR_ENTITY_ID, None)
            targets = [raw] if isinstance(raw, str) else list(raw or [])
            if not targets:
                return error_result("missing_entity", "Name at least one entity in entity_id.")
            for entity_id in targets:
                if (
                    not isinstance(entity_id, str)
                    or self.hass.states.get(entity_id) is None
                    or not async_should_expose(self.hass, ASSISTANT, entity_id)
                ):
                    return error_result(
                        "entity_not_exposed",
                        f"{entity_id} is not an entity exposed to the assistant; "
                        "it cannot be controlled.",
                        entity_id=entity_id,
                    )
            data[ATTR_ENTITY_ID] = targets
        if not self.hass.services.has_service(self.domain, self.service):
            return error_result(
                "service_not_found", f"{self.domain}.{self.service} does not exist any more."
            )
        try:
            wants_response = (
                self.hass.services.supports_response(self.domain, self.service)
                is not SupportsResponse.NONE
            )
            response = await self.hass.services.async_call(
                self.domain,
                self.service,
                data,
                blocking=True,
                context=context,
                return_response=wants_response,
            )
        except (vol.Invalid, ServiceValidationError) as err:
            return error_result("invalid_arguments", str(err) or type(err).__name__)
        except HomeAssistantError as err:
            return error_result("service_failed", str(err) or type(err).__name__)
        except Exception as err:  # a broken service must not end the session
            LOGGER.exception("Service %s.%s failed", self.domain, self.service)
            return error_result("service_failed", str(err) or type(err).__name__)
        result: dict[str, Any] = {"success": True}
        if response is not None:
            result["response"] = response
        if targets:
            result["states"] = {
                entity_id: state.state
                for entity_id in targets
                if (state := self.hass.states.get(entity_id)) is not None
            }
        return json_dumps(result)


def _flatten_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Service fields, with the fields of collapsible sections (`advanced_fields`) lifted up."""
    flat: dict[str, Any] = {}
    for name, config in fields.items():
        if isinstance(config, Mapping) and "fields" in config:
            flat.update(_flatten_fields(config["fields"]))
        elif isinstance(config, Mapping):
            flat[name] = config
    return flat


def _target_domains(target: Any) -> list[str]:
    """The entity domains a service target accepts ([] for any)."""
    if not isinstance(target, Mapping):
        return []
    filters = target.get("entity") or []
    if isinstance(filters, Mapping):
        filters = [filters]
    domains: list[str] = []
    for entity_filter in filters:
        domain = entity_filter.get("domain") if isinstance(entity_filter, Mapping) else None
        if isinstance(domain, str):
            domains.append(domain)
        elif isinstance(domain, list):
            domains.extend(domain)
        else:
            return []  # one filter without a domain accepts every entity
    return sorted(set(domains))


class AgentTools:
    """Every tool of an agent session, and the one place that runs their calls."""

    def __init__(
        self,
        hass: HomeAssistant,
        options: Mapping[str, Any],
        *,
        llm_api: llm.APIInstance | None = None,
    ) -> None:
        """Hold the options; `llm_api` is the Assist LLM API instance of this session, if any."""
        self.hass = hass
        self.options = options
        self.llm_api = llm_api
        self._llm_tools: dict[str, llm.Tool] = {}
        self._service_tools: dict[str, ServiceTool] = {}
        self._mcp_servers: dict[str, Mapping[str, Any]] = {
            server[CONF_MCP_LABEL]: server for server in options.get(CONF_MCP_SERVERS, [])
        }
        self._tools: list[RealtimeTool] | None = None

    async def async_tools(self) -> list[RealtimeTool]:
        """The tools for `session.update` (computed once per session)."""
        if self._tools is not None:
            return self._tools
        tools: list[RealtimeTool] = []
        if self.llm_api is not None:
            for tool in self.llm_api.tools:
                name = function_name(tool.name)
                self._llm_tools[name] = tool
                tools.append(
                    FunctionTool(
                        name=name,
                        description=tool.description or tool.name,
                        parameters=convert(
                            tool.parameters, custom_serializer=self.llm_api.custom_serializer
                        ),
                    )
                )
        if services := self.options.get(CONF_SERVICES):
            descriptions = await async_get_all_descriptions(self.hass)
            for full_name in services:
                domain, _, service = full_name.partition(".")
                description = descriptions.get(domain, {}).get(service)
                if description is None:
                    LOGGER.warning("Skipping the service tool %s: no such service", full_name)
                    continue
                service_tool = ServiceTool(self.hass, domain, service, description)
                if service_tool.name in self._llm_tools:
                    LOGGER.warning("Skipping the service tool %s: name already taken", full_name)
                    continue
                self._service_tools[service_tool.name] = service_tool
                tools.append(service_tool.function_tool())
        tools.extend(self.mcp_tools())
        self._tools = tools
        return tools

    def mcp_tools(self) -> list[MCPTool]:
        """The MCP servers from the options, as `mcp` tools."""
        return [
            MCPTool(
                server_label=server[CONF_MCP_LABEL],
                server_url=server[CONF_MCP_URL],
                allowed_tools=list(server.get(CONF_MCP_ALLOWED_TOOLS) or []) or UNSET,
                headers=dict(server.get(CONF_MCP_HEADERS) or {}) or UNSET,
                require_approval=server.get(CONF_MCP_REQUIRE_APPROVAL, "always"),
            )
            for server in self._mcp_servers.values()
        ]

    def approves_mcp_call(self, server_label: str, tool_name: str) -> bool:
        """The approval policy: approve the tools listed for the server, deny the rest."""
        server = self._mcp_servers.get(server_label)
        return server is not None and tool_name in (server.get(CONF_MCP_APPROVED_TOOLS) or [])

    async def async_call(self, name: str, arguments_json: str, context: Context | None) -> str:
        """Run the function `name` with its JSON arguments; always returns JSON for the model."""
        try:
            arguments = json.loads(arguments_json or "{}")
        except json.JSONDecodeError as err:
            return error_result("invalid_arguments", f"The arguments are not JSON: {err}")
        if not isinstance(arguments, dict):
            return error_result("invalid_arguments", "The arguments must be a JSON object.")
        if (service_tool := self._service_tools.get(name)) is not None:
            return await service_tool.async_call(arguments, context)
        if (tool := self._llm_tools.get(name)) is not None and self.llm_api is not None:
            return await self._async_call_llm_tool(tool, arguments)
        return error_result("unknown_tool", f"There is no tool named {name}.")

    async def _async_call_llm_tool(self, tool: llm.Tool, arguments: dict[str, Any]) -> str:
        assert self.llm_api is not None
        try:
            result = await self.llm_api.async_call_tool(
                llm.ToolInput(tool_name=tool.name, tool_args=arguments)
            )
        except (HomeAssistantError, vol.Invalid) as err:
            return error_result(type(err).__name__, str(err) or type(err).__name__)
        except Exception as err:  # a broken tool must not end the session
            LOGGER.exception("Tool %s failed", tool.name)
            return error_result("tool_failed", str(err) or type(err).__name__)
        return json_dumps(result)
