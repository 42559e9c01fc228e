"""The async client against a small aiohttp WebSocket server on 127.0.0.1, and endpoint URLs.

The server records what the client asked for (path, query, headers, frames) and plays a script:
an HTTP status instead of the upgrade, frames to send, and the close code to end with.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from voicelive import (
    AuthenticationError,
    ConnectError,
    ConnectionClosedError,
    NotFoundError,
    ProtocolError,
    UnknownEvent,
)
from voicelive import client as client_module
from voicelive.client import connect, decode_audio_delta
from voicelive.codec import parse_server_event
from voicelive.endpoint import AgentTarget, EndpointError, build_url, is_azure_host
from voicelive.events import (
    InputAudioBufferAppend,
    InputAudioBufferCommit,
    ResponseAudioDelta,
    SessionCreated,
    SessionUpdate,
)
from voicelive.models import RealtimeRequestSession

from .examples import SERVER_EXAMPLES

SESSION_CREATED = json.dumps(next(e for e in SERVER_EXAMPLES if e["type"] == "session.created"))
AUDIO_DELTA = {
    "type": "response.audio.delta",
    "response_id": "r",
    "item_id": "i",
    "output_index": 0,
    "content_index": 0,
    "delta": "AAEC",
}


@dataclass
class Script:
    """What the test server does for the next connection."""

    status: int | None = None  # answer with this HTTP status instead of upgrading
    frames: list[str | bytes] = field(default_factory=list)
    close_code: int | None = None  # close after the frames (None: wait for the client)
    close_message: bytes = b""
    hold: asyncio.Event | None = None  # delay the upgrade until this is set


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    received: list[str] = field(default_factory=list)


class VoiceLiveTestServer:
    """A loopback stand-in for the service that records requests and plays a `Script`."""

    def __init__(self) -> None:
        self.script = Script()
        self.requests: list[Recorded] = []
        self.closed_by_client = asyncio.Event()
        self.request_seen = asyncio.Event()
        self._transports: list[asyncio.Transport] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self.script.hold is not None:
            self.script.hold.set()
        assert self._runner is not None
        await self._runner.cleanup()

    async def abort_connections(self) -> None:
        """Drop every open TCP connection without a WebSocket close (a crashed peer)."""
        for transport in self._transports:
            transport.abort()
        await asyncio.sleep(0.05)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        record = Recorded(request.path, dict(request.query), dict(request.headers))
        self.requests.append(record)
        if request.transport is not None:
            self._transports.append(request.transport)
        self.request_seen.set()
        script = self.script
        if script.hold is not None:
            await script.hold.wait()
        if script.status is not None:
            return web.Response(status=script.status, text="no")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        for frame in script.frames:
            if isinstance(frame, bytes):
                await ws.send_bytes(frame)
            else:
                await ws.send_str(frame)
        if script.close_code is not None:
            await ws.close(code=script.close_code, message=script.close_message)
            return ws
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                record.received.append(msg.data)
        self.closed_by_client.set()
        return ws


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Real sockets on 127.0.0.1 (pytest-socket keeps every other host blocked)."""


@pytest.fixture
async def server() -> AsyncIterator[VoiceLiveTestServer]:
    srv = VoiceLiveTestServer()
    await srv.start()
    yield srv
    await srv.stop()


# --- URL, query and headers ---------------------------------------------------------------------


async def test_model_url_query_and_api_key_header(server: VoiceLiveTestServer) -> None:
    conn = await connect(server.url, api_key="secret-key", model="gpt-4o", heartbeat=None)
    await conn.close()
    (req,) = server.requests
    assert req.path == "/voice-live/realtime"
    assert req.query == {"api-version": "2025-10-01", "model": "gpt-4o"}
    assert req.headers["api-key"] == "secret-key"
    assert "Authorization" not in req.headers
    assert req.headers["Upgrade"].lower() == "websocket"
    assert (
        conn.url
        == f"ws://127.0.0.1:{server.port}/voice-live/realtime?api-version=2025-10-01&model=gpt-4o"
    )


@pytest.mark.parametrize(
    ("agent", "query"),
    [
        (
            AgentTarget(name="house-agent", project="home-proj", version="3"),
            {"agent-name": "house-agent", "agent-project-name": "home-proj", "agent-version": "3"},
        ),
        (
            AgentTarget(name="house-agent", project="home-proj"),
            {"agent-name": "house-agent", "agent-project-name": "home-proj"},
        ),
    ],
)
async def test_agent_url_query(
    server: VoiceLiveTestServer, agent: AgentTarget, query: dict[str, str]
) -> None:
    conn = await connect(
        server.url + "/", api_key="k", agent=agent, api_version="2026-01-01-preview"
    )
    await conn.close()
    (req,) = server.requests
    assert req.path == "/voice-live/realtime"
    assert req.query == {"api-version": "2026-01-01-preview", **query}


async def test_bearer_token_from_an_async_provider(server: VoiceLiveTestServer) -> None:
    calls = 0

    async def token() -> str:
        nonlocal calls
        calls += 1
        return "entra-token-1"

    conn = await connect(
        server.url, token_provider=token, model="gpt-4o", headers={"x-ms-client-request-id": "r1"}
    )
    await conn.close()
    (req,) = server.requests
    assert req.headers["Authorization"] == "Bearer entra-token-1"
    assert "api-key" not in req.headers
    assert req.headers["x-ms-client-request-id"] == "r1"
    assert calls == 1


async def test_api_key_and_token_provider_together_are_refused(server: VoiceLiveTestServer) -> None:
    async def token() -> str:
        return "t"

    with pytest.raises(ValueError, match="not both"):
        await connect(server.url, api_key="k", token_provider=token, model="m")
    assert server.requests == []


async def test_invalid_endpoint_is_refused_before_dialing(server: VoiceLiveTestServer) -> None:
    with pytest.raises(EndpointError):
        await connect("127.0.0.1:1234", api_key="k", model="m")
    with pytest.raises(EndpointError):
        await connect(server.url, api_key="k")  # neither a model nor an agent
    assert server.requests == []


# --- Failures at the upgrade --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (500, ConnectError),
        (429, ConnectError),
        (200, ConnectError),  # a plain page, no upgrade
    ],
)
async def test_http_status_at_the_upgrade(
    server: VoiceLiveTestServer, status: int, error: type[ConnectError]
) -> None:
    server.script = Script(status=status)
    with pytest.raises(ConnectError) as info:
        await connect(server.url, api_key="k", model="m")
    assert type(info.value) is error
    assert info.value.status == status
    assert str(status) in str(info.value)


async def test_injected_session_stays_open_after_a_failed_upgrade(
    server: VoiceLiveTestServer,
) -> None:
    server.script = Script(status=401)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(AuthenticationError):
            await connect(server.url, api_key="bad", model="m", session=session)
        assert not session.closed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_refused_port_is_a_connect_error() -> None:
    with pytest.raises(ConnectError) as info:
        await connect(f"http://127.0.0.1:{_free_port()}", api_key="k", model="m")
    assert type(info.value) is ConnectError
    assert info.value.status is None
    assert "/voice-live/realtime" in str(info.value)
    assert "api-key" not in str(info.value) and "?" not in str(info.value)


async def test_upgrade_that_never_comes_times_out(server: VoiceLiveTestServer) -> None:
    server.script = Script(hold=asyncio.Event())
    with pytest.raises(ConnectError, match="cannot connect"):
        await connect(server.url, api_key="k", model="m", open_timeout=0.2)


async def test_cancelled_connect_closes_its_own_session(
    server: VoiceLiveTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[aiohttp.ClientSession] = []
    original = aiohttp.ClientSession

    def tracking_session(*args: Any, **kwargs: Any) -> aiohttp.ClientSession:
        session = original(*args, **kwargs)
        made.append(session)
        return session

    monkeypatch.setattr(client_module.aiohttp, "ClientSession", tracking_session)
    server.script = Script(hold=asyncio.Event())
    task = asyncio.create_task(connect(server.url, api_key="k", model="m"))
    await asyncio.wait_for(server.request_seen.wait(), 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert made and made[0].closed


async def test_errors_leave_an_injected_session_open(server: VoiceLiveTestServer) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ConnectError):
            await connect(f"http://127.0.0.1:{_free_port()}", model="m", session=session)
        server.script = Script(hold=asyncio.Event())
        task = asyncio.create_task(connect(server.url, model="m", session=session))
        await asyncio.wait_for(server.request_seen.wait(), 2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not session.closed


async def test_no_credentials_for_a_local_server(server: VoiceLiveTestServer) -> None:
    conn = await connect(server.url, model="m")
    await conn.close()
    (req,) = server.requests
    assert "api-key" not in req.headers and "Authorization" not in req.headers


# --- Sending ------------------------------------------------------------------------------------


async def test_send_validates_and_sends_exact_json(server: VoiceLiveTestServer) -> None:
    async with aiohttp.ClientSession() as session:
        conn = await connect(server.url, api_key="k", model="m", session=session)
        with pytest.raises(ProtocolError) as info:
            await conn.send(InputAudioBufferAppend(audio=5))  # type: ignore[arg-type]
        assert info.value.path == "audio"
        await conn.send(
            SessionUpdate(session=RealtimeRequestSession(input_audio_format="g711_ulaw"))
        )
        await conn.append_audio(b"\x00\x01\x02")
        await conn.forward(InputAudioBufferCommit(event_id="evt_from_peer"))
        await conn.send_text('{"type":"response.cancel"}')
        await conn.close()
        assert conn.closed
        await asyncio.wait_for(server.closed_by_client.wait(), 2)
        assert [json.loads(m) for m in server.requests[0].received] == [
            {"type": "session.update", "session": {"input_audio_format": "g711_ulaw"}},
            {"type": "input_audio_buffer.append", "audio": "AAEC"},
            {"type": "input_audio_buffer.commit", "event_id": "evt_from_peer"},
            {"type": "response.cancel"},
        ]
        assert not session.closed  # an injected session belongs to the caller
        with pytest.raises(ConnectionClosedError):
            await conn.send(InputAudioBufferCommit())


async def test_send_on_a_connection_the_peer_dropped(server: VoiceLiveTestServer) -> None:
    """The TCP connection is gone before we noticed the close: sending is a closed connection."""
    server.script = Script(frames=[], close_code=None, hold=None)
    conn = await connect(server.url, model="m")
    await asyncio.wait_for(server.request_seen.wait(), 2)
    await server.abort_connections()
    with pytest.raises(ConnectionClosedError):
        for _ in range(50):  # until the loss of the transport has been seen
            await conn.send(InputAudioBufferCommit())
            await asyncio.sleep(0.01)
    await conn.close()


# --- Receiving ----------------------------------------------------------------------------------


async def test_events_are_read_leniently_and_a_normal_close_ends_the_loop(
    server: VoiceLiveTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script = Script(
        frames=[
            SESSION_CREATED,
            '{"type": "warning", "message": "capacity"}',
            "{not json",
            "[1, 2]",
            b"\x00\x01binary",
            '{"type": "response.audio.delta", "delta": "AA"}',
            json.dumps({**AUDIO_DELTA, "x_new_field": True}),
        ],
        close_code=1000,
    )
    caplog.set_level(logging.DEBUG, logger=client_module.__name__)
    conn = await connect(server.url, api_key="k", model="m")
    owned = conn._owned_session
    assert owned is not None and not owned.closed
    received = [event async for event in conn]
    assert [e.type for e in received] == [
        "session.created",
        "warning",
        "response.audio.delta",
        "response.audio.delta",
    ]
    assert isinstance(received[0], SessionCreated)
    assert isinstance(received[1], UnknownEvent) and received[1].problem is None
    assert isinstance(received[2], UnknownEvent) and received[2].problem
    assert isinstance(received[3], ResponseAudioDelta)
    assert decode_audio_delta(received[3]) == b"\x00\x01\x02"
    assert "skipping a malformed event" in caplog.text
    assert "binary frame" in caplog.text
    assert "does not fit the schema" in caplog.text
    assert owned.closed  # the session that connect() made is closed with the socket
    with pytest.raises(ConnectionClosedError) as info:
        await conn.recv()
    assert info.value.code == 1000
    await conn.close()  # closing twice is harmless


async def test_recv_frame_gives_the_original_text(server: VoiceLiveTestServer) -> None:
    text = json.dumps({**AUDIO_DELTA, "x_extra": 1})
    server.script = Script(frames=[text], close_code=1000)
    async with await connect(server.url, api_key="k", model="m") as conn:
        frame, event = await conn.recv_frame()
        assert frame == text
        assert isinstance(event, ResponseAudioDelta)


@pytest.mark.parametrize(
    ("code", "reason"), [(4000, b"session expired"), (1011, b""), (1008, b"x")]
)
async def test_abnormal_close_raises_with_its_code(
    server: VoiceLiveTestServer, code: int, reason: bytes
) -> None:
    server.script = Script(frames=[SESSION_CREATED], close_code=code, close_message=reason)
    conn = await connect(server.url, api_key="k", model="m")
    owned = conn._owned_session
    received = []
    with pytest.raises(ConnectionClosedError) as info:
        async for event in conn:
            received.append(event)
    assert [e.type for e in received] == ["session.created"]
    assert info.value.code == code
    assert info.value.reason == reason.decode()
    assert str(code) in str(info.value)
    assert owned is not None and owned.closed
    assert conn.closed


async def test_our_own_close_ends_the_loop_quietly(server: VoiceLiveTestServer) -> None:
    conn = await connect(server.url, api_key="k", model="m")

    async def consume() -> list[Any]:
        return [event async for event in conn]

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    await conn.close()
    assert await asyncio.wait_for(task, 2) == []


async def test_an_oversized_frame_is_a_closed_connection(
    server: VoiceLiveTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_MESSAGE_SIZE", 1024)
    server.script = Script(frames=[json.dumps({**AUDIO_DELTA, "delta": "A" * 4000})])
    conn = await connect(server.url, api_key="k", model="m")
    with pytest.raises(ConnectionClosedError):
        await conn.recv()
    await conn.close()


def test_decode_audio_delta_refuses_other_events() -> None:
    event = parse_server_event(SESSION_CREATED)
    assert isinstance(event, SessionCreated)
    with pytest.raises(TypeError, match="session.created"):
        decode_audio_delta(event)


# --- Endpoint URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        (
            "https://myres.services.ai.azure.com",
            "wss://myres.services.ai.azure.com/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
        (
            "https://myres.services.ai.azure.com/",
            "wss://myres.services.ai.azure.com/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
        (
            "https://myres.cognitiveservices.azure.com",
            "wss://myres.cognitiveservices.azure.com/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
        (
            "  HTTPS://MyRes.CognitiveServices.Azure.com/voice-live/realtime  ",
            "wss://myres.cognitiveservices.azure.com/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
        (
            "http://127.0.0.1:8765",
            "ws://127.0.0.1:8765/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
        (
            "https://127.0.0.1:8443/",
            "wss://127.0.0.1:8443/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
        (
            "ws://127.0.0.1:8765",
            "ws://127.0.0.1:8765/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
        (
            "wss://voicelive.example.com",
            "wss://voicelive.example.com/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
        (
            "http://[::1]:9000",
            "ws://[::1]:9000/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
        (
            "http://[::1]",
            "ws://[::1]/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
        (
            "http://127.0.0.1:8765/proxy/",
            "ws://127.0.0.1:8765/proxy/voice-live/realtime?api-version=2025-10-01&model=gpt-4o",
        ),
    ],
)
def test_build_url_for_model(endpoint: str, url: str) -> None:
    assert build_url(endpoint, model="gpt-4o") == url


def test_build_url_encodes_query_values_and_takes_an_api_version() -> None:
    assert build_url("https://r.services.ai.azure.com", model=" gpt 4o&x ", api_version="v1") == (
        "wss://r.services.ai.azure.com/voice-live/realtime?api-version=v1&model=gpt+4o%26x"
    )
    assert build_url("https://r.services.ai.azure.com", agent=AgentTarget("a b", "p", "2")) == (
        "wss://r.services.ai.azure.com/voice-live/realtime?api-version=2025-10-01"
        "&agent-name=a+b&agent-project-name=p&agent-version=2"
    )


@pytest.mark.parametrize(
    ("endpoint", "kwargs", "message"),
    [
        ("", {"model": "m"}, "https:// or http://"),
        ("myres.services.ai.azure.com", {"model": "m"}, "https:// or http://"),
        ("ftp://myres.services.ai.azure.com", {"model": "m"}, "https:// or http://"),
        ("https://", {"model": "m"}, "no host"),
        ("http://127.0.0.1:port", {"model": "m"}, "not a valid URL"),
        ("http://127.0.0.1:99999", {"model": "m"}, "not a valid URL"),
        ("http://[::1", {"model": "m"}, "not a valid URL"),
        ("https://r.services.ai.azure.com?api-version=1", {"model": "m"}, "no query"),
        ("https://r.services.ai.azure.com#x", {"model": "m"}, "no query"),
        ("https://r.services.ai.azure.com", {}, "either a model or an agent"),
        (
            "https://r.services.ai.azure.com",
            {"model": "m", "agent": AgentTarget("a", "p")},
            "either a model or an agent",
        ),
        ("https://r.services.ai.azure.com", {"model": "  "}, "model name is empty"),
        ("https://r.services.ai.azure.com", {"agent": AgentTarget("", "p")}, "name and a project"),
        ("https://r.services.ai.azure.com", {"agent": AgentTarget("a", "")}, "name and a project"),
    ],
)
def test_invalid_endpoints(endpoint: str, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(EndpointError, match=message) as info:
        build_url(endpoint, **kwargs)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("host", "azure"),
    [
        ("myres.services.ai.azure.com", True),
        ("MyRes.CognitiveServices.Azure.com", True),
        ("127.0.0.1", False),
        ("services.ai.azure.com.evil.example", False),
    ],
)
def test_is_azure_host(host: str, azure: bool) -> None:
    assert is_azure_host(host) is azure
