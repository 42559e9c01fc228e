"""The async Voice Live client: one WebSocket connection to the service, on aiohttp.

`connect()` takes an injectable `aiohttp.ClientSession` (Home Assistant passes its shared one).
What we send is validated strictly before it leaves; what we receive is read leniently, so that a
field or an event that the live service adds never ends a session. Malformed server frames are
logged and skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Self

import aiohttp

from .audio import b64decode, b64encode
from .codec import AnyServerEvent, parse_server_event, serialize_event
from .endpoint import DEFAULT_API_VERSION, AgentTarget, build_url
from .errors import (
    AuthenticationError,
    ConnectError,
    ConnectionClosedError,
    NotFoundError,
    ProtocolError,
)
from .events import (
    ClientEvent,
    InputAudioBufferAppend,
    ResponseAudioDelta,
    ServerEvent,
    UnknownEvent,
)

_LOGGER = logging.getLogger(__name__)

TokenProvider = Callable[[], Awaitable[str]]
DEFAULT_HEARTBEAT = 20.0
DEFAULT_OPEN_TIMEOUT = 15.0
MAX_MESSAGE_SIZE = 16 * 1024 * 1024


async def connect(
    endpoint: str,
    *,
    api_key: str | None = None,
    token_provider: TokenProvider | None = None,
    model: str | None = None,
    agent: AgentTarget | None = None,
    api_version: str = DEFAULT_API_VERSION,
    session: aiohttp.ClientSession | None = None,
    heartbeat: float | None = DEFAULT_HEARTBEAT,
    open_timeout: float = DEFAULT_OPEN_TIMEOUT,
    headers: dict[str, str] | None = None,
) -> VoiceLiveConnection:
    """Open a Voice Live session and return the connection.

    Authenticate with `api_key` (sent as the `api-key` header) or with `token_provider`, an async
    callable that returns an Entra ID token (sent as `Authorization: Bearer`). Raises
    `AuthenticationError` on 401/403, `NotFoundError` on 404, `ConnectError` otherwise.
    """
    url = build_url(endpoint, model=model, agent=agent, api_version=api_version)
    request_headers = dict(headers or {})
    if api_key is not None and token_provider is not None:
        raise ValueError("give api_key or token_provider, not both")
    if api_key is not None:
        request_headers["api-key"] = api_key
    elif token_provider is not None:
        request_headers["Authorization"] = f"Bearer {await token_provider()}"
    owned = session is None
    http = session or aiohttp.ClientSession()
    try:
        async with asyncio.timeout(open_timeout):
            ws = await http.ws_connect(
                url,
                headers=request_headers,
                heartbeat=heartbeat,
                max_msg_size=MAX_MESSAGE_SIZE,
            )
    except aiohttp.WSServerHandshakeError as exc:
        if owned:
            await http.close()
        raise _handshake_error(exc) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        if owned:
            await http.close()
        raise ConnectError(
            f"cannot connect to {url.split('?')[0]}: {exc or type(exc).__name__}"
        ) from exc
    except BaseException:
        if owned:
            await http.close()
        raise
    return VoiceLiveConnection(ws, owned_session=http if owned else None, url=url)


def _handshake_error(exc: aiohttp.WSServerHandshakeError) -> ConnectError:
    status = exc.status
    if status in (401, 403):
        return AuthenticationError(f"the service refused the credentials (HTTP {status})", status)
    if status == 404:
        return NotFoundError("no Voice Live endpoint at this URL (HTTP 404)", status)
    return ConnectError(f"WebSocket upgrade failed (HTTP {status}: {exc.message})", status)


class VoiceLiveConnection:
    """An open Voice Live session.

    `async for event in connection` yields server events (typed, or `UnknownEvent`) until the
    service closes normally; an abnormal close raises `ConnectionClosedError` with its code.
    """

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        *,
        owned_session: aiohttp.ClientSession | None = None,
        url: str = "",
    ) -> None:
        self._ws = ws
        self._owned_session = owned_session
        self.url = url
        self._closing = False

    @property
    def closed(self) -> bool:
        """True once the socket is closed, by either side."""
        return self._ws.closed

    async def send(self, event: ClientEvent) -> None:
        """Validate an event strictly and send it; a `ProtocolError` means nothing was sent."""
        await self._send_bytes(serialize_event(event, validate=True))

    async def forward(self, event: ClientEvent) -> None:
        """Send an event exactly as received from a peer (already parsed, so not checked again)."""
        await self._send_bytes(serialize_event(event, validate=False))

    async def send_text(self, text: str) -> None:
        """Send one frame exactly as a peer sent it to us (a relay forwards without re-encoding).

        The caller has already parsed the frame strictly; this sends the original text.
        """
        if self._ws.closed:
            raise ConnectionClosedError(self._ws.close_code, "socket already closed")
        try:
            await self._ws.send_str(text)
        except ConnectionResetError as exc:
            raise ConnectionClosedError(self._ws.close_code, str(exc)) from exc

    async def _send_bytes(self, data: bytes) -> None:
        await self.send_text(data.decode())

    async def append_audio(self, audio: bytes) -> None:
        """Send audio bytes (in the session's input format) as `input_audio_buffer.append`."""
        await self.send(InputAudioBufferAppend(audio=b64encode(audio)))

    async def recv(self) -> AnyServerEvent:
        """The next server event. Raises `ConnectionClosedError` when the socket closes."""
        _, event = await self.recv_frame()
        return event

    async def recv_frame(self) -> tuple[str, AnyServerEvent]:
        """The next server event with the frame's original text, for relays that pass it on."""
        while True:
            msg = await self._ws.receive()
            if msg.type is aiohttp.WSMsgType.TEXT:
                event = self._parse(msg.data)
                if event is not None:
                    return msg.data, event
            elif msg.type is aiohttp.WSMsgType.BINARY:
                _LOGGER.warning(
                    "ignoring a binary frame of %d bytes from the service", len(msg.data)
                )
            elif msg.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
            ):
                await self._release()
                code = self._ws.close_code
                reason = msg.extra if isinstance(msg.extra, str) else ""
                raise ConnectionClosedError(code, reason)
            elif msg.type is aiohttp.WSMsgType.ERROR:
                await self._release()
                raise ConnectionClosedError(
                    self._ws.close_code, str(self._ws.exception() or "error")
                )

    def _parse(self, data: str) -> AnyServerEvent | None:
        try:
            event = parse_server_event(data, strict=False)
        except ProtocolError as exc:
            _LOGGER.warning("skipping a malformed event from the service: %s", exc)
            return None
        if isinstance(event, UnknownEvent):
            if event.problem:
                _LOGGER.warning(
                    "passing on a %s event that does not fit the schema: %s",
                    event.type,
                    event.problem,
                )
            else:
                _LOGGER.debug("passing on an event of unknown type %s", event.type)
        return event

    def __aiter__(self) -> AsyncIterator[AnyServerEvent]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[AnyServerEvent]:
        while True:
            try:
                event = await self.recv()
            except ConnectionClosedError as exc:
                # Our own close, or a normal close by the service, ends the stream quietly.
                if self._closing or exc.code == 1000:
                    return
                raise
            yield event

    async def close(self) -> None:
        """Close the socket (and the HTTP session if `connect` made it). Safe to call twice."""
        self._closing = True
        await self._ws.close()
        await self._release()

    async def _release(self) -> None:
        if self._owned_session is not None:
            session, self._owned_session = self._owned_session, None
            await session.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def decode_audio_delta(event: ResponseAudioDelta | ServerEvent) -> bytes:
    """The audio bytes of a `response.audio.delta` (in the session's output format)."""
    if not isinstance(event, ResponseAudioDelta):
        raise TypeError(f"expected response.audio.delta, got {event.type}")
    return b64decode(event.delta)
