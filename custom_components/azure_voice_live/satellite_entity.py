"""The base of the entities on a satellite's device: availability and updates from the bridge."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity

from .const import CONF_SATELLITE_ID, DOMAIN
from .satellite import SatelliteRuntime, signal_update


class SatelliteEntity(Entity):
    """An entity of one Pi satellite, available while HA holds the link to it."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: ConfigEntry[SatelliteRuntime], key: str) -> None:
        """Name the entity by `key` (its translation key and unique id suffix)."""
        self.runtime: SatelliteRuntime = entry.runtime_data
        satellite_id = entry.data[CONF_SATELLITE_ID]
        self._attr_unique_id = f"{satellite_id}-{key}"
        self._attr_device_info = dr.DeviceInfo(
            identifiers={(DOMAIN, satellite_id)},
            name=entry.title,
            manufacturer="Voice Live for Home Assistant",
            model="Pi satellite",
        )

    @property
    def available(self) -> bool:
        """Only while the satellite is linked."""
        return self.runtime.status.connected

    async def async_added_to_hass(self) -> None:
        """Follow the bridge's updates."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_update(self.runtime.entry.entry_id), self._async_updated
            )
        )
        self._async_updated()

    @callback
    def _async_updated(self, *_: Any) -> None:
        self.async_write_ha_state()
