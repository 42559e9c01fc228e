"""Azure Voice Live for Home Assistant: a realtime conversation agent on Azure AI Voice Live.

An entry is either a Voice Live agent (the service, with its voice, instructions and tools) or a
Pi satellite that HA bridges to an agent's Voice Live sessions.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv

from .agent import VoiceLiveAgent
from .const import DOMAIN, KIND_SATELLITE, entry_kind
from .satellite import SatelliteRuntime

AGENT_PLATFORMS: list[Platform] = [Platform.CONVERSATION]
SATELLITE_PLATFORMS: list[Platform] = [Platform.ASSIST_SATELLITE, Platform.SWITCH, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

type VoiceLiveConfigEntry = ConfigEntry[VoiceLiveAgent]
type SatelliteConfigEntry = ConfigEntry[SatelliteRuntime]


def _platforms(entry: ConfigEntry[Any]) -> list[Platform]:
    return SATELLITE_PLATFORMS if entry_kind(entry) == KIND_SATELLITE else AGENT_PLATFORMS


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Set up an agent or a satellite.

    An agent opens no session here: a Voice Live session is billed while it is open, so the
    first one opens with the first conversation turn (the config flow has proved the connection).
    A satellite starts dialling the Pi in the background and comes up when it answers.
    """
    if entry_kind(entry) == KIND_SATELLITE:
        runtime = SatelliteRuntime(hass, entry)
        entry.runtime_data = runtime
        await hass.config_entries.async_forward_entry_setups(entry, SATELLITE_PLATFORMS)
        runtime.async_start()
    else:
        entry.runtime_data = VoiceLiveAgent(hass, entry)
        await hass.config_entries.async_forward_entry_setups(entry, AGENT_PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(async_update_options))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Unload; a satellite closes its upstream session and its link to the Pi."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, _platforms(entry))
    if unloaded and isinstance(entry.runtime_data, SatelliteRuntime):
        await entry.runtime_data.async_stop()
    return unloaded


async def async_update_options(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Reload when the options change, so the next session uses them."""
    await hass.config_entries.async_reload(entry.entry_id)
