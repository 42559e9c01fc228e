"""What the household said last and what the assistant answered, as sensors of the satellite."""

from __future__ import annotations

from homeassistant.components.sensor import SensorEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import KIND_SATELLITE, entry_kind
from .satellite import SatelliteRuntime
from .satellite_entity import SatelliteEntity

MAX_STATE_LENGTH = 255  # HA's limit for a state string


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[SatelliteRuntime],
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the transcript and reply sensors of a satellite entry."""
    if entry_kind(entry) == KIND_SATELLITE:
        async_add_entities(
            [
                SatelliteTextSensor(entry, "last_transcript"),
                SatelliteTextSensor(entry, "last_reply"),
            ]
        )


class SatelliteTextSensor(SatelliteEntity, SensorEntity):
    """The last transcript or the last reply (the whole text is in the `text` attribute)."""

    def __init__(self, entry: ConfigEntry[SatelliteRuntime], key: str) -> None:
        """`key` is `last_transcript` or `last_reply`."""
        super().__init__(entry, key)
        self._key = key
        self._attr_translation_key = key

    @property
    def native_value(self) -> str | None:
        """The text, cut to the length of a state."""
        text: str | None = getattr(self.runtime.status, self._key)
        return text[:MAX_STATE_LENGTH] if text else text

    @property
    def extra_state_attributes(self) -> dict[str, str | None]:
        """The whole text, however long."""
        return {"text": getattr(self.runtime.status, self._key)}
