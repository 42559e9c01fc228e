"""The satellite's mute switch: a muted satellite hears no wake word and sends nothing."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import KIND_SATELLITE, entry_kind
from .satellite import SatelliteRuntime
from .satellite_entity import SatelliteEntity
from .voicelive import VoiceLiveError


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[SatelliteRuntime],
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the mute switch of a satellite entry."""
    if entry_kind(entry) == KIND_SATELLITE:
        async_add_entities([SatelliteMuteSwitch(entry)])


class SatelliteMuteSwitch(SatelliteEntity, SwitchEntity):
    """On while the satellite's microphone is muted."""

    _attr_translation_key = "mute"
    _attr_entity_category = EntityCategory.CONFIG

    def __init__(self, entry: ConfigEntry[SatelliteRuntime]) -> None:
        """Bind to the satellite's runtime."""
        super().__init__(entry, "mute")

    @property
    def is_on(self) -> bool:
        """The satellite's own report of its mute state."""
        return self.runtime.status.muted

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Mute the microphone."""
        await self._set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Unmute the microphone."""
        await self._set(False)

    async def _set(self, muted: bool) -> None:
        try:
            await self.runtime.async_set_muted(muted)
        except VoiceLiveError as err:
            raise HomeAssistantError(f"The satellite is not reachable: {err}") from err
