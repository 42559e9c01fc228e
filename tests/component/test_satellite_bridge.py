"""The bridge against a service that is not the emulator: text replies, errors, a stuck close.

The satellite is the real link server of the firmware (`LinkServer`, driven through its
`LinkChannel` as the satellite's conversation drives it); the service is a scripted WebSocket
server on 127.0.0.1 that answers each session with the frames a test gives it, and that can
ignore the close handshake as a stuck network path would.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from homeassistant.components.assist_satellite import AssistSatelliteAnnouncement
from homeassistant.components.assist_satellite.const import DATA_COMPONENT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry
from voicelive.events import ResponseTextDone, SessionUpdate
from voicelive.link import generate_pairing_key

from custom_components.azure_voice_live import bridge as bridge_module
from custom_components.azure_voice_live import satellite as satellite_module
from custom_components.azure_voice_live.bridge import SatelliteBridge
from custom_components.azure_voice_live.const import (
    CONF_AGENT_ENTRY_ID,
    CONF_HOST,
    CONF_KIND,
    CONF_PAIRING_KEY,
    CONF_PORT,
    CONF_SATELLITE_ID,
    DOMAIN,
    KIND_SATELLITE,
)
from custom_components.azure_voice_live.satellite import SatelliteRuntime
from custom_components.azure_voice_live.voicelive import VoiceLiveError
from firmware_client.settings import AudioSettings
from firmware_client.transport.base import SessionEndedByHome
from firmware_client.transport.link_server import Identity, LinkChannel, LinkServer
from tests.voicelive.examples import SERVER_EXAMPLES

from .helpers import add_agent_entry

SATELLITE = "assist_satellite.bench_pi"


def server_example(kind: str) -> dict[str, Any]:
    return copy.deepcopy(next(e for e in SERVER_EXAMPLES if e["type"] == kind))


class ScriptedService:
    """A Voice Live stand-in: `session.created`, then `frames`; optionally deaf to the close."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.ignore_close = False
        self.hang_up = False
        self.gate: asyncio.Event | None = None
        self.waiting = False
        self.open = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/voice-live/realtime", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        if self.gate is not None:
            self.waiting = True
            await self.gate.wait()
        ws = web.WebSocketResponse(autoclose=not self.ignore_close)
        await ws.prepare(request)
        self.open += 1
        try:
            await ws.send_str(json.dumps(server_example("session.created")))
            if self.hang_up:
                await ws.close()
                return ws
            for frame in self.frames:
                await ws.send_str(json.dumps(frame))
            async for msg in ws:
                if msg.type is WSMsgType.CLOSE:  # only with ignore_close: never answered
                    transport = request.transport
                    while transport is not None and not transport.is_closing():  # noqa: ASYNC110
                        await asyncio.sleep(0.01)
                    break
        finally:
            self.open -= 1
        return ws


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Real sockets, on 127.0.0.1 only (pytest-socket)."""


@pytest.fixture
async def service() -> AsyncIterator[ScriptedService]:
    scripted = ScriptedService()
    await scripted.start()
    yield scripted
    await scripted.stop()


@pytest.fixture
async def agent(hass: HomeAssistant, service: ScriptedService) -> MockConfigEntry:
    return await add_agent_entry(
        hass, service.url, title="scripted", unique_id="scripted/gpt-realtime"
    )


@pytest.fixture
async def linked(
    hass: HomeAssistant, agent: MockConfigEntry
) -> AsyncIterator[tuple[LinkServer, MockConfigEntry]]:
    """The firmware's link server, adopted by HA and linked."""
    key = generate_pairing_key()
    server = LinkServer(
        key=key,
        identity=Identity(satellite_id="pi-bench", name="Bench Pi", version="1"),
        audio=AudioSettings.build(),
        wake_word="okay_nabu",
        host="127.0.0.1",
    )
    await server.start()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Bench Pi",
        data={
            CONF_KIND: KIND_SATELLITE,
            CONF_HOST: "127.0.0.1",
            CONF_PORT: server.port,
            CONF_SATELLITE_ID: "pi-bench",
            CONF_PAIRING_KEY: key,
        },
        options={CONF_AGENT_ENTRY_ID: agent.entry_id},
        unique_id="satellite-pi-bench",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await asyncio.wait_for(server.paired.wait(), 5)
    await wait_until(lambda: runtime(entry).status.connected)
    yield server, entry
    if entry.runtime_data is not None and isinstance(entry.runtime_data, SatelliteRuntime):
        assert await hass.config_entries.async_unload(entry.entry_id)
    await server.stop()


def runtime(entry: MockConfigEntry) -> SatelliteRuntime:
    value = entry.runtime_data
    assert isinstance(value, SatelliteRuntime)
    return value


async def wait_until(predicate: Any, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - no single event covers these
            await asyncio.sleep(0.01)


async def wake(server: LinkServer) -> LinkChannel:
    """What the satellite does on its wake word: wake, then its session.update."""
    channel = await server.open("okay_nabu")
    await channel.send(SessionUpdate(session=server.audio.session()))
    return channel


async def test_text_replies_and_service_errors_reach_the_satellite(
    hass: HomeAssistant,
    service: ScriptedService,
    linked: tuple[LinkServer, MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, entry = linked
    text_done = server_example("response.text.done")
    text_done["text"] = "The forecast, in words. " * 20  # longer than a state may be
    error = server_example("error")
    service.frames = [error, text_done]

    channel = await wake(server)
    received = [await asyncio.wait_for(channel.recv(), 5) for _ in range(3)]

    assert [e.type for e in received] == ["session.created", "error", "response.text.done"]
    assert isinstance(received[2], ResponseTextDone)
    assert runtime(entry).status.last_reply == text_done["text"]
    reply = hass.states.get("sensor.bench_pi_last_reply")
    assert reply is not None and len(text_done["text"]) > 255
    assert reply.state == text_done["text"][:255]  # cut to a state's length
    assert reply.attributes["text"] == text_done["text"]  # whole in the attribute
    assert f"Voice Live error: {error['error']['message']}" in caplog.text
    await channel.close("done")
    await wait_until(lambda: service.open == 0)


async def test_a_service_deaf_to_the_close_is_still_left_within_a_second(
    hass: HomeAssistant,
    service: ScriptedService,
    linked: tuple[LinkServer, MockConfigEntry],
) -> None:
    """A session is billed while open: a stuck close handshake must not hold the bridge."""
    server, entry = linked
    service.ignore_close = True
    channel = await wake(server)
    await wait_until(
        lambda: runtime(entry).bridge is not None and runtime(entry).bridge.upstream_open
    )
    bridge = runtime(entry).bridge
    assert bridge is not None

    loop = asyncio.get_running_loop()
    started = loop.time()
    await channel.close("follow_up_timeout")
    await wait_until(lambda: service.open == 0, 3)  # the socket is gone, answered or not
    assert loop.time() - started < 1.0
    assert bridge.stats.sessions_closed == 1 and not bridge.upstream_open
    assert runtime(entry).status.connected  # the link to the satellite is untouched

    # The next wake opens a new session as usual.
    service.ignore_close = False
    channel = await wake(server)
    assert (await asyncio.wait_for(channel.recv(), 5)).type == "session.created"
    await channel.close("done")


async def test_announce_is_refused_during_a_conversation(
    hass: HomeAssistant, service: ScriptedService, linked: tuple[LinkServer, MockConfigEntry]
) -> None:
    server, entry = linked
    channel = await wake(server)
    await asyncio.wait_for(channel.recv(), 5)  # session.created: the session is open

    with pytest.raises(VoiceLiveError, match="in a conversation"):
        await runtime(entry).async_announce("Dinner is ready")
    with pytest.raises(HomeAssistantError, match="in a conversation"):
        await hass.services.async_call(
            "assist_satellite",
            "announce",
            {"entity_id": SATELLITE, "message": "Dinner is ready"},
            blocking=True,
        )
    await channel.close("done")
    await wait_until(lambda: service.open == 0)


async def test_announce_without_a_loaded_agent_ends_the_announcement(
    hass: HomeAssistant, agent: MockConfigEntry, linked: tuple[LinkServer, MockConfigEntry]
) -> None:
    server, entry = linked
    assert await hass.config_entries.async_unload(agent.entry_id)
    entity = hass.data[DATA_COMPONENT].get_entity(SATELLITE)
    assert entity is not None

    # `async_announce` is the base class's entry point; ours speaks through Voice Live too.
    with pytest.raises(HomeAssistantError, match="no Voice Live session could be opened"):
        await entity.async_announce(
            AssistSatelliteAnnouncement(
                message="Dinner is ready",
                media_id="",
                original_media_id="",
                tts_token=None,
                media_id_source="tts",
            )
        )
    # The satellite was told to play an announcement, then that it is over.
    request = await asyncio.wait_for(server.requests.get(), 1)
    channel = request.channel  # type: ignore[union-attr]
    with pytest.raises(SessionEndedByHome, match="upstream_unavailable"):
        await asyncio.wait_for(channel.recv(), 5)
    assert runtime(entry).status.state.value == "idle"


async def test_a_service_that_hangs_up_at_once_ends_the_wake_and_keeps_the_link(
    hass: HomeAssistant, service: ScriptedService, linked: tuple[LinkServer, MockConfigEntry]
) -> None:
    """The session closes before the bridge has configured it: the wake ends, the link stays."""
    server, entry = linked
    service.hang_up = True
    bridge = runtime(entry).bridge
    for _ in range(3):
        channel = await wake(server)
        with pytest.raises(SessionEndedByHome, match="upstream_closed"):
            while True:
                await asyncio.wait_for(channel.recv(), 5)
        await channel.close("done")
    await wait_until(lambda: service.open == 0)
    assert runtime(entry).status.connected and runtime(entry).bridge is bridge


async def test_an_agent_unloaded_while_the_session_opens_ends_the_wake_and_keeps_the_link(
    hass: HomeAssistant,
    service: ScriptedService,
    agent: MockConfigEntry,
    linked: tuple[LinkServer, MockConfigEntry],
) -> None:
    """The agent goes away between the upstream connect and its configuration (a reload)."""
    server, entry = linked
    bridge = runtime(entry).bridge
    service.gate = asyncio.Event()  # hold the upgrade until the agent is gone
    channel = await wake(server)
    await wait_until(lambda: service.waiting)
    assert await hass.config_entries.async_unload(agent.entry_id)
    service.gate.set()

    with pytest.raises(SessionEndedByHome, match="upstream_unavailable"):
        while True:
            await asyncio.wait_for(channel.recv(), 5)
    await channel.close("done")
    await wait_until(lambda: service.open == 0)
    assert runtime(entry).status.connected and runtime(entry).bridge is bridge
    assert bridge is not None and not bridge.upstream_open


async def test_a_failing_relay_is_logged_and_the_satellite_is_linked_again(
    hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    linked: tuple[LinkServer, MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The safety net under the bridge: an unexpected error costs one link, not the satellite."""
    server, entry = linked
    monkeypatch.setattr(satellite_module, "RECONNECT_MIN", 0.05)
    first = runtime(entry).bridge

    async def broken(self: SatelliteBridge, text: str) -> None:
        raise RuntimeError("a bug in the relay")

    monkeypatch.setattr(SatelliteBridge, "handle_satellite_frame", broken)
    await server.open("okay_nabu")  # any frame from the satellite now hits the bug
    await wait_until(lambda: runtime(entry).bridge is not first and runtime(entry).bridge)
    assert "the bridge failed; re-linking" in caplog.text
    assert "RuntimeError: a bug in the relay" in caplog.text
    await asyncio.wait_for(server.paired.wait(), 5)
    assert runtime(entry).status.connected


async def test_an_announcement_that_cannot_be_configured_closes_its_session(
    hass: HomeAssistant,
    service: ScriptedService,
    agent: MockConfigEntry,
    linked: tuple[LinkServer, MockConfigEntry],
) -> None:
    """The agent goes away while the announcement's session opens: nothing stays open or busy."""
    server, entry = linked
    service.gate = asyncio.Event()
    announcing = asyncio.create_task(runtime(entry).async_announce("Dinner is ready"))
    await wait_until(lambda: service.waiting)
    assert await hass.config_entries.async_unload(agent.entry_id)
    service.gate.set()

    with pytest.raises(VoiceLiveError, match="not loaded"):
        await asyncio.wait_for(announcing, 5)
    # The paid session is closed at once, the satellite's announcement ends, the entity is idle.
    await wait_until(lambda: service.open == 0, 2)
    request = await asyncio.wait_for(server.requests.get(), 1)
    channel = request.channel  # type: ignore[union-attr]
    with pytest.raises(SessionEndedByHome, match="upstream_unavailable"):
        while True:
            await asyncio.wait_for(channel.recv(), 1)
    assert hass.states.get(SATELLITE).state == "idle"  # type: ignore[union-attr]
    assert runtime(entry).status.connected


async def test_an_announcement_without_a_reply_times_out_and_closes_its_session(
    hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    service: ScriptedService,
    linked: tuple[LinkServer, MockConfigEntry],
) -> None:
    """The service never answers the announcement's response.create (60 s; 0.2 s here)."""
    server, entry = linked
    monkeypatch.setattr(bridge_module, "ANNOUNCE_TIMEOUT", 0.2)
    with pytest.raises(HomeAssistantError, match="could not speak"):
        await hass.services.async_call(
            "assist_satellite",
            "announce",
            {"entity_id": SATELLITE, "message": "Dinner is ready"},
            blocking=True,
        )
    await wait_until(lambda: service.open == 0, 2)
    request = await asyncio.wait_for(server.requests.get(), 1)
    channel = request.channel  # type: ignore[union-attr]
    with pytest.raises(SessionEndedByHome, match="upstream_unavailable"):
        while True:
            await asyncio.wait_for(channel.recv(), 1)
    assert hass.states.get(SATELLITE).state == "idle"  # type: ignore[union-attr]
