"""Diagnostics: the entry's settings and open sessions, with every secret redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

from .agent import VoiceLiveAgent
from .const import CONF_MCP_HEADERS, CONF_PAIRING_KEY
from .satellite import SatelliteRuntime
from .voicelive.codec import to_dict

TO_REDACT = {CONF_API_KEY, CONF_MCP_HEADERS, CONF_PAIRING_KEY, "authorization", "headers"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConfigEntry[Any]
) -> dict[str, Any]:
    """What a maintainer needs to see, with the API key and the pairing key redacted."""
    if isinstance(entry.runtime_data, SatelliteRuntime):
        return _satellite_diagnostics(entry, entry.runtime_data)
    return _agent_diagnostics(entry, entry.runtime_data)


def _satellite_diagnostics(entry: ConfigEntry[Any], runtime: SatelliteRuntime) -> dict[str, Any]:
    """The satellite's settings, link, state and the bridge's counters."""
    status = runtime.status
    info = status.info
    bridge = runtime.bridge
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "satellite": {
            "connected": status.connected,
            "state": status.state.value,
            "muted": status.muted,
            "satellite_id": info.satellite_id if info else None,
            "version": info.version if info else None,
            "audio": (
                {
                    "input_audio_format": info.ready.input_audio_format,
                    "input_audio_sampling_rate": info.ready.input_audio_sampling_rate,
                    "output_audio_format": info.ready.output_audio_format,
                    "noise_reduction": info.ready.noise_reduction,
                    "echo_cancellation": info.ready.echo_cancellation,
                    "wake_word": info.ready.wake_word,
                }
                if info
                else None
            ),
            "last_transcript": status.last_transcript,
            "last_reply": status.last_reply,
        },
        "bridge": (
            {"upstream_open": bridge.upstream_open, **vars(bridge.stats)} if bridge else None
        ),
    }


def _agent_diagnostics(entry: ConfigEntry[Any], agent: VoiceLiveAgent) -> dict[str, Any]:
    """Settings, MCP servers, the effective open sessions."""
    sessions = [
        {"closed": live.closed, "effective_session": to_dict(live.effective)}
        for live in agent.live_sessions
    ]
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "open_sessions": async_redact_data(sessions, TO_REDACT),
    }
