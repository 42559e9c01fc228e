"""Azure Voice Live for Home Assistant: a realtime conversation agent on Azure AI Voice Live."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv

from .agent import VoiceLiveAgent
from .const import DOMAIN

PLATFORMS: list[Platform] = [Platform.CONVERSATION]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

type VoiceLiveConfigEntry = ConfigEntry[VoiceLiveAgent]


async def async_setup_entry(hass: HomeAssistant, entry: VoiceLiveConfigEntry) -> bool:
    """Set up the agent.

    No session is opened here: a Voice Live session is billed while it is open, so the first one
    opens with the first conversation turn. The config flow has already proved the connection.
    """
    entry.runtime_data = VoiceLiveAgent(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(async_update_options))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: VoiceLiveConfigEntry) -> bool:
    """Unload the entry; the conversation entity closes its open sessions on removal."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_update_options(hass: HomeAssistant, entry: VoiceLiveConfigEntry) -> None:
    """Reload when the options change, so the next session uses them."""
    await hass.config_entries.async_reload(entry.entry_id)
