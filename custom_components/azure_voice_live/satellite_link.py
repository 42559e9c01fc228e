"""Home Assistant's side of the paired link to one Pi satellite.

HA dials the satellite's WebSocket server (found over zeroconf), proves that it holds the
pairing key without sending it, checks the satellite's proof in return, and then exchanges frames:
Voice Live client events and `satellite.*` messages come up, server events and `satellite.*`
messages go down.
This module knows nothing of Voice Live sessions; the bridge decides what the frames mean.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import aiohttp

from .voicelive import link
from .voicelive.errors import ProtocolError, VoiceLiveError

_LOGGER = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT = 10.0
HEARTBEAT = 15.0


class SatelliteLinkError(VoiceLiveError):
    """The satellite could not be reached or spoke something other than the link protocol."""


class PairingError(SatelliteLinkError):
    """The satellite refused our proof, or its own proof was wrong: the pairing key differs."""


@dataclass(frozen=True, slots=True)
class SatelliteInfo:
    """What the satellite told us about itself during the handshake."""

    satellite_id: str
    name: str
    version: str
    ready: link.Ready


def link_url(host: str, port: int) -> str:
    """The satellite's WebSocket URL (IPv6 literals in brackets)."""
    netloc = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"ws://{netloc}:{port}{link.LINK_PATH}"


class SatelliteLink:
    """One authenticated WebSocket to a satellite."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, info: SatelliteInfo) -> None:
        self._ws = ws
        self.info = info

    @classmethod
    async def connect(
        cls, session: aiohttp.ClientSession, host: str, port: int, pairing_key: str
    ) -> SatelliteLink:
        """Dial the satellite and pair; raises PairingError or SatelliteLinkError."""
        url = link_url(host, port)
        try:
            async with asyncio.timeout(HANDSHAKE_TIMEOUT):
                ws = await session.ws_connect(url, heartbeat=HEARTBEAT, max_msg_size=16 << 20)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise SatelliteLinkError(f"cannot reach the satellite at {url}: {exc!r}") from exc
        try:
            async with asyncio.timeout(HANDSHAKE_TIMEOUT):
                info = await _handshake(ws, pairing_key)
        except BaseException:
            await ws.close()
            raise
        return cls(ws, info)

    @property
    def closed(self) -> bool:
        """True once the socket is closed."""
        return self._ws.closed

    async def send_text(self, text: str) -> None:
        """Send one frame as is (a forwarded server event); a closed link drops it."""
        if self._ws.closed:
            return
        try:
            await self._ws.send_str(text)
        except ConnectionResetError:
            _LOGGER.debug("satellite %s: link reset while sending", self.info.name)

    async def send_message(self, message: link.LinkMessage) -> None:
        """Send a `satellite.*` control message."""
        await self.send_text(link.encode_link_message(message))

    async def receive_text(self) -> str | None:
        """The next text frame, or None once the link is closed."""
        while True:
            msg = await self._ws.receive()
            if msg.type is aiohttp.WSMsgType.TEXT:
                return str(msg.data)
            if msg.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.ERROR,
            ):
                return None
            _LOGGER.debug("satellite %s: ignoring a %s frame", self.info.name, msg.type)

    async def close(self) -> None:
        """Close the link; safe to call twice."""
        await self._ws.close()


async def _handshake(ws: aiohttp.ClientWebSocketResponse, pairing_key: str) -> SatelliteInfo:
    hello = await _receive_link_message(ws)
    if not isinstance(hello, link.Hello):
        raise SatelliteLinkError(f"expected satellite.hello, got {type(hello).__name__}")
    if hello.protocol != link.PROTOCOL_VERSION:
        raise SatelliteLinkError(f"the satellite speaks link protocol {hello.protocol}")
    nonce = link.new_nonce()
    proof = link.client_proof(pairing_key, hello.nonce, nonce)
    await ws.send_str(link.encode_link_message(link.Auth(nonce=nonce, proof=proof)))
    ready = await _receive_link_message(ws)
    if not isinstance(ready, link.Ready):
        raise SatelliteLinkError(f"expected satellite.ready, got {type(ready).__name__}")
    expected = link.satellite_proof(pairing_key, hello.nonce, nonce)
    if not link.proofs_match(expected, ready.proof):
        raise PairingError("the satellite could not prove that it holds the pairing key")
    return SatelliteInfo(hello.satellite_id, hello.name, hello.version, ready)


async def _receive_link_message(ws: aiohttp.ClientWebSocketResponse) -> link.LinkMessage:
    msg = await ws.receive()
    if msg.type is aiohttp.WSMsgType.TEXT:
        try:
            return link.parse_link_message(msg.data)
        except ProtocolError as exc:
            raise SatelliteLinkError(f"the peer does not speak the link protocol: {exc}") from exc
    if ws.close_code == link.CLOSE_PAIRING_FAILED:
        raise PairingError("the satellite refused the pairing key")
    raise SatelliteLinkError(f"the satellite closed the link during pairing ({ws.close_code})")
