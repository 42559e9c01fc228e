"""Every form of the integration must reach the frontend: HA serializes its schema to JSON.

The flow manager used by most tests never serializes a schema; the HTTP API that the UI calls
does, and a validator it cannot describe (a plain function inside a section) is a 500 there.
"""

from __future__ import annotations

from typing import Any

import voluptuous_serialize
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_validation as cv
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.azure_voice_live.const import DOMAIN


def _serializable(result: Any) -> None:
    assert result["type"] is FlowResultType.FORM, result
    voluptuous_serialize.convert(result["data_schema"], custom_serializer=cv.custom_serializer)


async def test_config_flow_forms_serialize(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    for step in ("model", "agent", "satellite"):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": step}
        )
        _serializable(result)
        hass.config_entries.flow.async_abort(result["flow_id"])


async def test_options_forms_serialize(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    for step in ("settings", "mcp_add"):
        result = await hass.config_entries.options.async_init(config_entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": step}
        )
        _serializable(result)
        hass.config_entries.options.async_abort(result["flow_id"])
