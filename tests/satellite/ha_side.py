"""Home Assistant's side of the satellite link, as a test needs it: handshake and a tiny bridge.

This is not the component's bridge; it is the smallest honest peer that speaks `voicelive.link`
exactly as HA must: prove the key, check the satellite's proof, and relay events to a Voice Live
endpoint (the emulator) between `satellite.wake` and `satellite.session_end`.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import aiohttp
from voicelive.client import VoiceLiveConnection, connect
from voicelive.errors import ConnectionClosedError
from voicelive.link import (
    LINK_PATH,
    Auth,
    Hello,
    LinkMessage,
    Ready,
    SessionEnd,
    Wake,
    client_proof,
    decode_from_satellite,
    encode_link_message,
    new_nonce,
    parse_link_message,
    proofs_match,
    satellite_proof,
)


class HandshakeRefused(Exception):
    """The satellite closed the link during the handshake."""

    def __init__(self, code: int | None, frames: list[str]) -> None:
        super().__init__(f"closed with {code}")
        self.code = code
        self.frames = frames


async def pair(
    http: aiohttp.ClientSession, port: int, key: str
) -> tuple[aiohttp.ClientWebSocketResponse, Hello, Ready]:
    """Connect and do the handshake; raise `HandshakeRefused` with every frame seen if refused."""
    ws = await http.ws_connect(f"http://127.0.0.1:{port}{LINK_PATH}")
    frames: list[str] = []
    first = await ws.receive(timeout=5)
    assert first.type is aiohttp.WSMsgType.TEXT
    frames.append(first.data)
    hello = parse_link_message(first.data)
    assert isinstance(hello, Hello)
    nonce = new_nonce()
    await ws.send_str(
        encode_link_message(Auth(nonce=nonce, proof=client_proof(key, hello.nonce, nonce)))
    )
    answer = await ws.receive(timeout=5)
    if answer.type is not aiohttp.WSMsgType.TEXT:
        # Drain to be sure that nothing else was sent after the refusal.
        while not ws.closed:
            more = await ws.receive(timeout=5)
            if more.type is aiohttp.WSMsgType.TEXT:
                frames.append(more.data)
        code = ws.close_code
        await ws.close()
        raise HandshakeRefused(code, frames)
    ready = parse_link_message(answer.data)
    assert isinstance(ready, Ready)
    # HA checks the satellite's proof too: a fake satellite cannot make it.
    assert proofs_match(satellite_proof(key, hello.nonce, nonce), ready.proof)
    return ws, hello, ready


@dataclass
class MiniBridge:
    """Relays a paired satellite to a Voice Live endpoint, one session per wake."""

    ws: aiohttp.ClientWebSocketResponse
    endpoint: str
    link_messages: list[LinkMessage] = field(default_factory=list)
    sessions: int = 0
    _upstream: VoiceLiveConnection | None = None
    _down: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Serve the link until it closes."""
        try:
            async for msg in self.ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                frame = decode_from_satellite(msg.data)
                if isinstance(frame, LinkMessage):
                    self.link_messages.append(frame)
                    if isinstance(frame, Wake):
                        await self._open()
                    elif isinstance(frame, SessionEnd):
                        await self._close()
                elif self._upstream is not None:
                    await self._upstream.send_text(msg.data)
        finally:
            await self._close()

    async def _open(self) -> None:
        await self._close()
        self._upstream = await connect(self.endpoint, model="gpt-realtime")
        self.sessions += 1
        self._down = asyncio.create_task(self._relay_down(self._upstream))

    async def _relay_down(self, upstream: VoiceLiveConnection) -> None:
        with contextlib.suppress(ConnectionClosedError):
            while True:
                text, _ = await upstream.recv_frame()
                await self.ws.send_str(text)

    async def _close(self) -> None:
        upstream, self._upstream = self._upstream, None
        if self._down is not None:
            self._down.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._down
            self._down = None
        if upstream is not None:
            await upstream.close()
