"""The runtime of a satellite config entry: keep the link to the Pi up, and bridge it.

Home Assistant dials the satellite (it holds no HA token) and keeps dialling with backoff while it
is away, so a satellite that reboots or drops off the Wi-Fi comes back by itself. A pairing key that
the satellite refuses starts a reauth flow instead of retrying for ever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .agent import VoiceLiveAgent
from .bridge import BridgeObserver, BridgeState, SatelliteBridge
from .const import (
    CONF_AGENT_ENTRY_ID,
    CONF_HOST,
    CONF_PAIRING_KEY,
    CONF_PORT,
    DOMAIN,
    LOGGER,
)
from .satellite_link import PairingError, SatelliteInfo, SatelliteLink, SatelliteLinkError
from .voicelive import VoiceLiveError

RECONNECT_MIN = 1.0
RECONNECT_MAX = 30.0


def signal_update(entry_id: str) -> str:
    """The dispatcher signal that a satellite's status changed."""
    return f"{DOMAIN}_satellite_{entry_id}"


@dataclass
class SatelliteStatus:
    """What the satellite's entities show."""

    connected: bool = False
    state: BridgeState = BridgeState.IDLE
    muted: bool = False
    last_transcript: str | None = None
    last_reply: str | None = None
    last_tool_call: dict[str, str] | None = None
    info: SatelliteInfo | None = None


class SatelliteRuntime:
    """`entry.runtime_data` of a satellite entry."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Bind to the entry; `async_start` begins dialling."""
        self.hass = hass
        self.entry = entry
        self.status = SatelliteStatus()
        self.bridge: SatelliteBridge | None = None
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Keep the link up in a background task that the entry cancels on unload."""
        self._task = self.entry.async_create_background_task(
            self.hass, self._keep_linked(), f"{DOMAIN} satellite {self.entry.title}"
        )

    async def async_stop(self) -> None:
        """Close the upstream session and the link, and stop dialling (unload).

        The link task is cancelled and awaited, so its cleanup (closing the upstream session,
        then the link) has finished when the entry reports itself unloaded.
        """
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _keep_linked(self) -> None:
        delay = RECONNECT_MIN
        data = self.entry.data
        session = async_get_clientsession(self.hass)
        while True:
            try:
                satellite = await SatelliteLink.connect(
                    session, data[CONF_HOST], data[CONF_PORT], data[CONF_PAIRING_KEY]
                )
            except PairingError as exc:
                LOGGER.warning("Satellite %s refused the pairing key: %s", self.entry.title, exc)
                self.entry.async_start_reauth(self.hass)
                return
            except SatelliteLinkError as exc:
                LOGGER.debug("Satellite %s unreachable: %s", self.entry.title, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX)
                continue
            delay = RECONNECT_MIN
            try:
                await self._serve(satellite)
            except Exception:
                # A bug in the relay must not leave the satellite offline until a reload.
                LOGGER.exception("Satellite %s: the bridge failed; re-linking", self.entry.title)
            await asyncio.sleep(RECONNECT_MIN)

    async def _serve(self, satellite: SatelliteLink) -> None:
        LOGGER.info("Satellite %s linked", satellite.info.name)
        self.bridge = SatelliteBridge(satellite, self._agent, self._observer())
        self.status.info = satellite.info
        self.status.muted = satellite.info.ready.muted
        self.status.connected = True
        self._changed()
        try:
            await self.bridge.run()
        finally:
            await satellite.close()
            self.bridge = None
            self.status.connected = False
            self.status.state = BridgeState.IDLE
            self._changed()
            LOGGER.info("Satellite %s unlinked", satellite.info.name)

    # --- the agent ------------------------------------------------------------------------------

    def _agent(self) -> VoiceLiveAgent:
        agent_entry_id = self.entry.options.get(CONF_AGENT_ENTRY_ID)
        agent_entry = self.hass.config_entries.async_get_entry(agent_entry_id or "")
        if agent_entry is None or agent_entry.state is not ConfigEntryState.LOADED:
            raise VoiceLiveError("the Voice Live agent of this satellite is not loaded")
        runtime = agent_entry.runtime_data
        if not isinstance(runtime, VoiceLiveAgent):
            raise VoiceLiveError("the chosen entry is not a Voice Live agent")
        return runtime

    # --- actions from the entities --------------------------------------------------------------

    async def async_announce(self, text: str, *, listen: bool = False) -> None:
        """Speak `text` on the satellite (and listen afterwards, if asked)."""
        if self.bridge is None:
            raise VoiceLiveError("the satellite is not connected")
        await self.bridge.announce(text, listen=listen)

    async def async_set_muted(self, muted: bool) -> None:
        """Mute or unmute the satellite's microphone."""
        if self.bridge is None:
            raise VoiceLiveError("the satellite is not connected")
        await self.bridge.set_muted(muted)

    # --- observer -------------------------------------------------------------------------------

    def _observer(self) -> BridgeObserver:
        return BridgeObserver(
            on_state=self._set(lambda status, value: setattr(status, "state", value)),
            on_transcript=self._set(
                lambda status, value: setattr(status, "last_transcript", value)
            ),
            on_reply=self._set(lambda status, value: setattr(status, "last_reply", value)),
            on_tool_call=self._on_tool_call,
            on_muted=self._set(lambda status, value: setattr(status, "muted", value)),
        )

    def _set[T](self, apply: Callable[[SatelliteStatus, T], None]) -> Callable[[T], None]:
        def setter(value: T) -> None:
            apply(self.status, value)
            self._changed()

        return setter

    def _on_tool_call(self, name: str, arguments: str, output: str) -> None:
        call = {"name": name, "arguments": arguments, "result": output}
        self.status.last_tool_call = call
        self.hass.bus.async_fire(f"{DOMAIN}_tool_call", {"entry_id": self.entry.entry_id, **call})
        self._changed()

    def _changed(self) -> None:
        async_dispatcher_send(self.hass, signal_update(self.entry.entry_id))
