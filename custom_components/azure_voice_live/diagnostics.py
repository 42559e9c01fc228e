"""Diagnostics: the entry's settings and open sessions, with every secret redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

from .agent import VoiceLiveAgent
from .const import CONF_MCP_HEADERS
from .voicelive.codec import to_dict

TO_REDACT = {CONF_API_KEY, CONF_MCP_HEADERS, "authorization", "headers"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConfigEntry[VoiceLiveAgent]
) -> dict[str, Any]:
    """What a maintainer needs to see: settings, MCP servers, the effective open sessions."""
    sessions = [
        {"closed": live.closed, "effective_session": to_dict(live.effective)}
        for live in entry.runtime_data.live_sessions
    ]
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "open_sessions": async_redact_data(sessions, TO_REDACT),
    }
