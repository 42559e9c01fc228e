"""Standalone mode: the satellite dials Azure Voice Live (or the emulator) itself.

Each wake word opens a fresh Voice Live session with `voicelive.connect`; the session closes when
the conversation ends, so no paid session is ever left open while the satellite is idle.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from voicelive.client import VoiceLiveConnection, connect
from voicelive.codec import AnyServerEvent
from voicelive.endpoint import DEFAULT_API_VERSION
from voicelive.errors import ConnectionClosedError
from voicelive.events import ClientEvent

from .base import ChannelClosed, HomeRequest

_LOGGER = logging.getLogger(__name__)


class DirectChannel:
    """A Voice Live connection as a `Channel`."""

    def __init__(self, connection: VoiceLiveConnection) -> None:
        self._conn = connection

    async def send(self, event: ClientEvent) -> None:
        """Validate and send a client event."""
        try:
            await self._conn.send(event)
        except ConnectionClosedError as exc:
            raise ChannelClosed(exc.code, str(exc)) from exc

    async def recv(self) -> AnyServerEvent:
        """The next server event (lenient: unknown events come through as `UnknownEvent`)."""
        try:
            return await self._conn.recv()
        except ConnectionClosedError as exc:
            raise ChannelClosed(exc.code, str(exc)) from exc

    async def close(self, reason: str) -> None:
        """Close the upstream socket."""
        _LOGGER.debug("closing the Voice Live session: %s", reason)
        await self._conn.close()


class DirectConnector:
    """Dials Voice Live on every wake."""

    def __init__(
        self,
        endpoint: str,
        *,
        api_key: str | None,
        model: str,
        api_version: str | None = None,
        open_timeout: float = 10.0,
    ) -> None:
        self.endpoint = endpoint
        self.api_key = api_key
        self.model = model
        self.api_version = api_version
        self.open_timeout = open_timeout
        self.requests: asyncio.Queue[HomeRequest] = asyncio.Queue()
        self._http: aiohttp.ClientSession | None = None

    async def open(self, wake_word: str) -> DirectChannel:
        """Open a Voice Live session (raises `ConnectError` and subclasses on failure)."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        connection = await connect(
            self.endpoint,
            api_key=self.api_key,
            model=self.model,
            api_version=self.api_version or DEFAULT_API_VERSION,
            session=self._http,
            open_timeout=self.open_timeout,
        )
        return DirectChannel(connection)

    async def notify_muted(self, muted: bool) -> None:
        """Nobody to tell in standalone mode."""

    async def aclose(self) -> None:
        """Release the HTTP session."""
        if self._http is not None:
            await self._http.close()
            self._http = None
