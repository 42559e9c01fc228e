"""Paired mode: the WebSocket server that Home Assistant connects to.

The link protocol is `voicelive.link`: the satellite greets with `satellite.hello` and a nonce,
Home Assistant answers `satellite.auth` with its nonce and an HMAC proof made with the pairing
key, and only a correct proof gets `satellite.ready` (with the satellite's own proof and audio
settings). A wrong proof, or anything else, closes the socket with 4401 before a single byte of
mic audio or any other event is sent. The key itself never crosses the wire.

After the handshake the link carries Voice Live events (client events up, server events down)
and the `satellite.*` control messages. One Home Assistant at a time: a newly authenticated peer
replaces the old one, since a reconnecting HA may race its own stale, half-open socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from voicelive.codec import AnyServerEvent, serialize_event
from voicelive.errors import ConnectError, ProtocolError
from voicelive.events import ClientEvent
from voicelive.link import (
    CLOSE_PAIRING_FAILED,
    LINK_PATH,
    PROTOCOL_VERSION,
    Announce,
    Auth,
    Hello,
    LinkMessage,
    Muted,
    Ready,
    SessionEnd,
    SetMuted,
    Wake,
    client_proof,
    decode_from_home,
    encode_link_message,
    new_nonce,
    parse_link_message,
    proofs_match,
    satellite_proof,
)

from ..settings import AudioSettings
from .base import (
    AnnounceRequest,
    ChannelClosed,
    HomeRequest,
    MuteRequest,
    SessionEndedByHome,
)

_LOGGER = logging.getLogger(__name__)

AUTH_TIMEOUT = 10.0
HEARTBEAT = 20.0
MAX_MESSAGE_SIZE = 16 * 1024 * 1024
CLOSE_REPLACED = 4000


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the satellite is, as Hello and the zeroconf TXT record say."""

    satellite_id: str
    name: str
    version: str


class _Peer:
    """An authenticated Home Assistant connection."""

    def __init__(self, ws: web.WebSocketResponse, remote: str) -> None:
        self.ws = ws
        self.remote = remote

    async def send_text(self, text: str) -> None:
        if self.ws.closed:
            raise ChannelClosed(self.ws.close_code, "Home Assistant is gone")
        try:
            await self.ws.send_str(text)
        except (ConnectionResetError, RuntimeError) as exc:
            raise ChannelClosed(self.ws.close_code, str(exc)) from exc


class LinkChannel:
    """A Voice Live session relayed by Home Assistant."""

    def __init__(self, server: LinkServer, peer: _Peer) -> None:
        self._server = server
        self._peer = peer
        self._queue: asyncio.Queue[AnyServerEvent | ChannelClosed] = asyncio.Queue()
        self.closed = False

    def deliver(self, event: AnyServerEvent) -> None:
        """A server event from HA for this session."""
        if not self.closed:
            self._queue.put_nowait(event)

    def lost(self) -> None:
        """HA went away: the next `recv` raises `ChannelClosed`."""
        self.closed = True
        self._queue.put_nowait(ChannelClosed(None, "Home Assistant disconnected"))

    def ended_by_home(self, reason: str) -> None:
        """HA ended the session: the next `recv` raises `SessionEndedByHome`."""
        self.closed = True
        self._queue.put_nowait(SessionEndedByHome(reason))

    async def send(self, event: ClientEvent) -> None:
        """Validate a client event strictly and send it to HA."""
        if self.closed:
            raise ChannelClosed(None, "the session has ended")
        await self._peer.send_text(serialize_event(event, validate=True).decode())

    async def recv(self) -> AnyServerEvent:
        """The next server event that HA forwarded."""
        event = await self._queue.get()
        if isinstance(event, ChannelClosed):
            self._queue.put_nowait(event)  # later calls raise too
            raise event
        return event

    async def close(self, reason: str) -> None:
        """Tell HA that the conversation is over (HA then closes the upstream session)."""
        self._server.release(self)
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(ChannelClosed):
            await self._peer.send_text(encode_link_message(SessionEnd(reason=reason)))


class LinkServer:
    """The satellite's WebSocket server, and the `Connector` of paired mode."""

    def __init__(
        self,
        *,
        key: str,
        identity: Identity,
        audio: AudioSettings,
        wake_word: str,
        host: str = "0.0.0.0",
        port: int = 0,
    ) -> None:
        self._key = key
        self.identity = identity
        self.audio = audio
        self.wake_word = wake_word
        self.host = host
        self.port = port
        self.muted = False
        self.requests: asyncio.Queue[HomeRequest] = asyncio.Queue()
        self._peer: _Peer | None = None
        self._channel: LinkChannel | None = None
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        #: Set whenever an authenticated HA is connected; tests and the app wait on it.
        self.paired = asyncio.Event()

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen; `port` 0 picks a free port (read `port` afterwards)."""
        app = web.Application()
        app.router.add_get(LINK_PATH, self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = int(self._runner.addresses[0][1])
        _LOGGER.info("link server listening on %s:%d%s", self.host, self.port, LINK_PATH)

    async def stop(self) -> None:
        """Close every link and stop listening."""
        for ws in list(self._sockets):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"satellite stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- Connector ------------------------------------------------------------------------------

    async def open(self, wake_word: str) -> LinkChannel:
        """Start a session through HA: announce the wake, then relay events."""
        peer = self._peer
        if peer is None:
            raise ConnectError("Home Assistant is not connected to this satellite")
        if self._channel is not None:
            self._channel.lost()
        channel = LinkChannel(self, peer)
        self._channel = channel
        await peer.send_text(encode_link_message(Wake(wake_word=wake_word)))
        return channel

    async def notify_muted(self, muted: bool) -> None:
        """Report the mute state to HA."""
        self.muted = muted
        peer = self._peer
        if peer is not None:
            with contextlib.suppress(ChannelClosed):
                await peer.send_text(encode_link_message(Muted(muted=muted)))

    def release(self, channel: LinkChannel) -> None:
        """A channel ended; events for it are no longer routed."""
        if self._channel is channel:
            self._channel = None

    # --- the link -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_MESSAGE_SIZE)
        await ws.prepare(request)
        remote = request.remote or "?"
        self._sockets.add(ws)
        try:
            if not await self._handshake(ws, remote):
                return ws
            peer = _Peer(ws, remote)
            old = self._peer
            self._peer = peer
            self.paired.set()
            if old is not None:
                _LOGGER.info("Home Assistant at %s replaces the link from %s", remote, old.remote)
                self._drop_channel(old)
                await old.ws.close(code=CLOSE_REPLACED, message=b"replaced by a newer link")
            _LOGGER.info("Home Assistant connected from %s", remote)
            try:
                await self._serve(peer)
            finally:
                self._drop_channel(peer)
                if self._peer is peer:
                    self._peer = None
                    self.paired.clear()
                _LOGGER.info("Home Assistant at %s disconnected", remote)
        finally:
            self._sockets.discard(ws)
        return ws

    async def _handshake(self, ws: web.WebSocketResponse, remote: str) -> bool:
        nonce = new_nonce()
        hello = Hello(
            satellite_id=self.identity.satellite_id,
            name=self.identity.name,
            version=self.identity.version,
            protocol=PROTOCOL_VERSION,
            nonce=nonce,
        )
        await ws.send_str(encode_link_message(hello))
        try:
            msg = await ws.receive(timeout=AUTH_TIMEOUT)
        except TimeoutError:
            return await self._refuse(ws, remote, "no answer to the challenge")
        if msg.type is not aiohttp.WSMsgType.TEXT:
            return await self._refuse(ws, remote, f"a {msg.type.name} frame instead of auth")
        try:
            auth = parse_link_message(msg.data)
        except ProtocolError as exc:
            return await self._refuse(ws, remote, str(exc))
        if not isinstance(auth, Auth):
            return await self._refuse(ws, remote, f"{type(auth).__name__} instead of auth")
        expected = client_proof(self._key, nonce, auth.nonce)
        if not proofs_match(expected, auth.proof):
            return await self._refuse(ws, remote, "wrong pairing key")
        ready = Ready(
            proof=satellite_proof(self._key, nonce, auth.nonce),
            input_audio_format=self.audio.input_format,
            input_audio_sampling_rate=self.audio.input_rate,
            output_audio_format=self.audio.output_format,
            noise_reduction=self.audio.noise_reduction,
            echo_cancellation=self.audio.echo_cancellation,
            wake_word=self.wake_word,
            muted=self.muted,
        )
        await ws.send_str(encode_link_message(ready))
        return True

    async def _refuse(self, ws: web.WebSocketResponse, remote: str, why: str) -> bool:
        _LOGGER.warning("refused a link from %s: %s", remote, why)
        await ws.close(code=CLOSE_PAIRING_FAILED, message=b"pairing failed")
        return False

    async def _serve(self, peer: _Peer) -> None:
        async for msg in peer.ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                self._on_frame(peer, msg.data)
            elif msg.type is aiohttp.WSMsgType.BINARY:
                _LOGGER.warning("ignoring a binary frame of %d bytes from HA", len(msg.data))
            elif msg.type is aiohttp.WSMsgType.ERROR:
                _LOGGER.warning("link error: %s", peer.ws.exception())
                return

    def _on_frame(self, peer: _Peer, data: str) -> None:
        try:
            message = decode_from_home(data)
        except ProtocolError as exc:
            _LOGGER.warning("skipping a malformed frame from HA: %s", exc)
            return
        if isinstance(message, LinkMessage):
            self._on_link_message(peer, message)
            return
        channel = self._channel
        if channel is not None and not channel.closed:
            channel.deliver(message)
        else:
            _LOGGER.debug("no session open; dropping %s from HA", message.type)

    def _on_link_message(self, peer: _Peer, message: LinkMessage) -> None:
        if isinstance(message, SetMuted):
            self.requests.put_nowait(MuteRequest(muted=message.muted))
        elif isinstance(message, SessionEnd):
            channel = self._channel
            if channel is not None and not channel.closed:
                _LOGGER.info("Home Assistant ended the session: %s", message.reason)
                self._channel = None
                channel.ended_by_home(message.reason)
        elif isinstance(message, Announce):
            listen = message.listen if isinstance(message.listen, bool) else False
            if self._channel is not None and not self._channel.closed:
                _LOGGER.info("announcement during a conversation: playing it in that session")
                return
            channel = LinkChannel(self, peer)
            self._channel = channel
            self.requests.put_nowait(
                AnnounceRequest(channel=channel, text=message.text, listen=listen)
            )
        else:
            _LOGGER.warning("unexpected %s from HA after the handshake", type(message).__name__)

    def _drop_channel(self, peer: _Peer) -> None:
        channel = self._channel
        if channel is not None and channel._peer is peer:
            self._channel = None
            channel.lost()
