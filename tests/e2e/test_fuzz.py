"""Fuzzing the bridge from both ends: whatever a satellite or the service sends, nothing breaks.

(a) A scripted satellite (the satellite's side of `voicelive.link` on 127.0.0.1, adopted as a real
satellite entry) sends arbitrary frames: random text and JSON, mutated client events and link
messages, wakes and session updates that open real sessions on the emulator. After each example a
probe (an unknown event type, answered with an `error` event) proves that the bridge still reads
the link, and the link is still the same one.

(b) A scripted service (a WebSocket server in place of Voice Live) answers every session with
`session.created`, fuzzed frames (random JSON, unknown types, mutated server events, malformed
JSON, binary frames) and a final `response.done`. The bridge must pass on what the satellite can
read, drop the rest with a log line, keep the link up, and close the socket when the satellite
ends the session.

One `hass` serves all the examples of a test (Hypothesis runs them in the test's event loop).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_homeassistant_custom_component.common import MockConfigEntry
from voicelive.codec import parse_server_event, serialize_event
from voicelive.errors import ProtocolError
from voicelive.events import SessionUpdate
from voicelive.link import (
    LINK_PATH,
    PROTOCOL_VERSION,
    Auth,
    Hello,
    LinkMessage,
    Ready,
    client_proof,
    decode_from_home,
    encode_link_message,
    generate_pairing_key,
    new_nonce,
    parse_link_message,
    proofs_match,
    satellite_proof,
)

from custom_components.azure_voice_live.const import (
    CONF_AGENT_ENTRY_ID,
    CONF_HOST,
    CONF_KIND,
    CONF_PAIRING_KEY,
    CONF_PORT,
    CONF_PROMPT,
    CONF_SATELLITE_ID,
    CONF_SERVICES,
    DOMAIN,
    KIND_SATELLITE,
)
from custom_components.azure_voice_live.satellite import SatelliteRuntime
from emulator import Emulator
from firmware_client.settings import AudioSettings
from tests.component.helpers import add_agent_entry
from tests.voicelive.examples import CLIENT_EXAMPLES, SERVER_EXAMPLES

WAKE = '{"type":"satellite.wake","wake_word":"okay_nabu"}'
END = '{"type":"satellite.session_end","reason":"fuzz example over"}'
SESSION_UPDATE = serialize_event(SessionUpdate(session=AudioSettings.build().session())).decode()
LINK_EXAMPLES: list[dict[str, Any]] = [
    {"type": "satellite.wake", "wake_word": "okay_nabu"},
    {"type": "satellite.session_end", "reason": "follow_up_timeout"},
    {"type": "satellite.muted", "muted": True},
    {"type": "satellite.muted", "muted": False},
    {
        "type": "satellite.hello",
        "satellite_id": "pi",
        "name": "Pi",
        "version": "1",
        "protocol": 1,
        "nonce": "abc",
    },
    {"type": "satellite.auth", "nonce": "abc", "proof": "00"},
    {
        "type": "satellite.ready",
        "proof": "00",
        "input_audio_format": "pcm16",
        "input_audio_sampling_rate": 24000,
        "output_audio_format": "pcm16",
        "noise_reduction": True,
        "echo_cancellation": True,
        "wake_word": "okay_nabu",
        "muted": False,
    },
    {"type": "satellite.set_muted", "muted": True},
    {"type": "satellite.announce", "text": "hello", "listen": True},
]
OUR_PACKAGE = "azure_voice_live"


def fuzz(examples: int) -> settings:
    """One `hass` for all examples; no deadline (real sockets); the same examples every run."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- strategies ---------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


@st.composite
def mutated(draw: st.DrawFn, table: list[dict[str, Any]], min_changes: int = 1) -> str:
    """An example of the table with a few fields dropped, replaced or added, anywhere inside."""
    event: Any = copy.deepcopy(draw(st.sampled_from(table)))
    for _ in range(draw(st.integers(min_changes, 3))):
        target = event
        while True:  # walk down into a nested object or array, or stop here
            keys = list(target) if isinstance(target, dict) else list(range(len(target)))
            nested = [k for k in keys if isinstance(target[k], dict | list) and target[k]]
            if not nested or not draw(st.booleans()):
                break
            target = target[draw(st.sampled_from(nested))]
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        change = draw(st.sampled_from(["drop", "replace", "add"]))
        if change == "drop" and keys:
            del target[draw(st.sampled_from(keys))]
        elif change == "replace" and keys:
            target[draw(st.sampled_from(keys))] = draw(json_values)
        elif isinstance(target, dict):
            target[draw(st.sampled_from(["type", "event_id", "item", "x"]) | st.text())] = draw(
                json_values
            )
        else:
            target.append(draw(json_values))
    return json.dumps(event)


satellite_frames = st.one_of(
    st.text(max_size=40),
    json_values.map(json.dumps),
    mutated(CLIENT_EXAMPLES, min_changes=0),
    mutated(LINK_EXAMPLES, min_changes=0),
    st.sampled_from([WAKE, SESSION_UPDATE]),
)

unknown_types = st.sampled_from(
    ["response.brand_new", "satellite.set_muted", "satellite.session_end", "satellite.x", ""]
) | st.text(max_size=20)


@st.composite
def function_calls(draw: st.DrawFn) -> list[str | bytes]:
    """A function call as the service announces it, with a fuzzed name and arguments.

    The agent may call `input_boolean_turn_on`, so some calls reach a real HA service with
    whatever arguments the fuzzer made up; the tool must answer with an error result, never raise.
    """
    call_id = draw(st.sampled_from(["call_1", "call_2"]) | st.text(max_size=8))
    name = draw(st.sampled_from(["input_boolean_turn_on", "HassTurnOn", ""]) | st.text(max_size=12))
    arguments = draw(
        st.builds(lambda ids: json.dumps({"entity_id": ids}), json_values)
        | json_values.map(json.dumps)
        | st.text(max_size=30)
    )
    item = {
        "id": "item_fc",
        "type": "function_call",
        "object": "conversation.item",
        "call_id": call_id,
        "name": name,
        "arguments": "",
        "status": "in_progress",
    }
    added = {"type": "response.output_item.added", "response_id": "r", "output_index": 0}
    done = {
        "type": "response.function_call_arguments.done",
        "response_id": "r",
        "item_id": "item_fc",
        "output_index": 0,
        "call_id": call_id,
        "arguments": arguments,
    }
    return [json.dumps({**added, "item": item}), json.dumps(done)]


service_frames: st.SearchStrategy[str | bytes] = st.one_of(
    json_values.map(json.dumps),
    st.builds(
        lambda kind, body: json.dumps({**body, "type": kind}),
        unknown_types,
        st.dictionaries(st.sampled_from(["muted", "reason", "delta", "x"]), json_values),
    ),
    mutated(SERVER_EXAMPLES, min_changes=0),
    st.text(max_size=40),
    st.binary(max_size=64),
)


# --- the scripted satellite ---------------------------------------------------------------------


class ScriptedSatellite:
    """The satellite's side of the link, driven frame by frame by a test."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.port = 0
        self.linked = asyncio.Event()
        self.links = 0
        self.frames: asyncio.Queue[str] = asyncio.Queue()
        self._ws: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(LINK_PATH, self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        nonce = new_nonce()
        hello = Hello(
            satellite_id="pi-fuzz",
            name="Fuzz Pi",
            version="0",
            protocol=PROTOCOL_VERSION,
            nonce=nonce,
        )
        await ws.send_str(encode_link_message(hello))
        auth = parse_link_message((await ws.receive(timeout=5)).data)
        assert isinstance(auth, Auth)
        assert proofs_match(client_proof(self.key, nonce, auth.nonce), auth.proof)
        ready = Ready(
            proof=satellite_proof(self.key, nonce, auth.nonce),
            input_audio_format="pcm16",
            input_audio_sampling_rate=24000,
            output_audio_format="pcm16",
            noise_reduction=True,
            echo_cancellation=True,
            wake_word="okay_nabu",
            muted=False,
        )
        await ws.send_str(encode_link_message(ready))
        self._ws = ws
        self.links += 1
        self.linked.set()
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                self.frames.put_nowait(msg.data)
        self.linked.clear()
        return ws

    async def send(self, text: str) -> None:
        assert self._ws is not None
        await self._ws.send_str(text)

    async def until(self, predicate: Callable[[str], bool], seconds: float = 3.0) -> list[str]:
        """Every frame from HA up to and including the first that matches."""
        seen: list[str] = []
        async with asyncio.timeout(seconds):
            while True:
                frame = await self.frames.get()
                seen.append(frame)
                if predicate(frame):
                    return seen


# --- the scripted service -----------------------------------------------------------------------


def _server_example(kind: str) -> dict[str, Any]:
    return copy.deepcopy(next(e for e in SERVER_EXAMPLES if e["type"] == kind))


class ScriptedService:
    """A Voice Live stand-in that answers each session with the frames of `script`."""

    def __init__(self) -> None:
        self.script: list[str | bytes] = []
        self.marker = ""
        self.sessions = 0
        self.open = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/voice-live/realtime", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sessions += 1
        self.open += 1
        try:
            await ws.send_str(json.dumps(_server_example("session.created")))
            for frame in self.script:
                if isinstance(frame, bytes):
                    await ws.send_bytes(frame)
                else:
                    await ws.send_str(frame)
            done = _server_example("response.done")
            done["response"]["id"] = self.marker
            await ws.send_str(json.dumps(done))
            async for _ in ws:  # read what the bridge sends until it closes the session
                pass
        finally:
            self.open -= 1
        return ws


# --- fixtures and checks ------------------------------------------------------------------------


def adopt(hass: HomeAssistant, port: int, key: str, agent_entry_id: str) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Fuzz Pi",
        data={
            CONF_KIND: KIND_SATELLITE,
            CONF_HOST: "127.0.0.1",
            CONF_PORT: port,
            CONF_SATELLITE_ID: "pi-fuzz",
            CONF_PAIRING_KEY: key,
        },
        options={CONF_AGENT_ENTRY_ID: agent_entry_id},
        unique_id="satellite-pi-fuzz",
    )
    entry.add_to_hass(hass)
    return entry


async def link_satellite(
    hass: HomeAssistant, agent_entry_id: str
) -> AsyncIterator[tuple[ScriptedSatellite, MockConfigEntry]]:
    key = generate_pairing_key()
    peer = ScriptedSatellite(key)
    await peer.start()
    entry = adopt(hass, peer.port, key, agent_entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await asyncio.wait_for(peer.linked.wait(), 5)
    await wait_until(lambda: runtime(entry).status.connected)
    yield peer, entry
    assert await hass.config_entries.async_unload(entry.entry_id)
    await peer.stop()


@pytest.fixture
async def satellite_on_emulator(
    hass: HomeAssistant, agent_entry: MockConfigEntry
) -> AsyncIterator[tuple[ScriptedSatellite, MockConfigEntry]]:
    """A scripted satellite adopted by HA, using the agent on the emulator."""
    async for linked in link_satellite(hass, agent_entry.entry_id):
        yield linked


@pytest.fixture
async def service() -> AsyncIterator[ScriptedService]:
    scripted = ScriptedService()
    await scripted.start()
    yield scripted
    await scripted.stop()


@pytest.fixture
async def satellite_on_service(
    hass: HomeAssistant, service: ScriptedService
) -> AsyncIterator[tuple[ScriptedSatellite, MockConfigEntry]]:
    """A scripted satellite adopted by HA, using an agent on the scripted service."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"kitchen": {"name": "Kitchen light"}}}
    )
    async_expose_entity(hass, "conversation", "input_boolean.kitchen", True)
    agent = await add_agent_entry(
        hass,
        service.url,
        title="fuzzed service",
        unique_id="fuzzed/gpt-realtime",
        options={
            CONF_PROMPT: "You are the voice of a home.",
            CONF_SERVICES: ["input_boolean.turn_on"],
        },
    )
    async for linked in link_satellite(hass, agent.entry_id):
        yield linked


def runtime(entry: MockConfigEntry) -> SatelliteRuntime:
    value = entry.runtime_data
    assert isinstance(value, SatelliteRuntime)
    return value


async def wait_until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - no single event covers these
            await asyncio.sleep(0.005)


def passes_on(frame: str | bytes) -> bool:
    """What the bridge must relay: text that reads as an event, of a type that is not the link's."""
    if isinstance(frame, bytes):
        return False
    try:
        event = parse_server_event(frame, strict=False)
    except ProtocolError:
        return False
    return not event.type.startswith("satellite.")


def our_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """ERROR records (or tracebacks) that come from our integration."""
    found = []
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        ours = OUR_PACKAGE in record.name or OUR_PACKAGE in text
        if ours and (record.levelno >= logging.ERROR or record.exc_info):
            found.append(record)
    return found


# --- (a) the satellite side ---------------------------------------------------------------------

probe_ids = itertools.count()


@fuzz(120)
@given(frames=st.lists(satellite_frames, min_size=1, max_size=6))
async def test_fuzzed_satellite_frames_never_break_the_bridge(
    hass: HomeAssistant,
    emulator: Emulator,
    satellite_on_emulator: tuple[ScriptedSatellite, MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
    frames: list[str],
) -> None:
    peer, entry = satellite_on_emulator
    satellite = runtime(entry)
    bridge = satellite.bridge
    assert bridge is not None
    for frame in frames:
        await peer.send(frame)
    await peer.send(END)
    probe = f"probe.{next(probe_ids)}"
    await peer.send("this is not JSON")
    await peer.send(json.dumps({"type": probe}))
    await peer.until(lambda frame: f"'{probe}'" in frame)

    # The bridge answered the probe on the same link, and the wake (if any) is over.
    assert satellite.bridge is bridge and satellite.status.connected
    assert peer.links == 1
    assert not bridge.upstream_open
    assert not our_errors(caplog)
    await wait_until(lambda: emulator.active_session_count == 0)


# --- (b) the service side -----------------------------------------------------------------------


@fuzz(80)
@given(
    script=st.lists(service_frames.map(lambda frame: [frame]) | function_calls(), max_size=6).map(
        lambda groups: [frame for group in groups for frame in group]
    )
)
async def test_fuzzed_service_frames_never_break_the_bridge(
    hass: HomeAssistant,
    service: ScriptedService,
    satellite_on_service: tuple[ScriptedSatellite, MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
    script: list[str | bytes],
) -> None:
    peer, entry = satellite_on_service
    satellite = runtime(entry)
    bridge = satellite.bridge
    assert bridge is not None
    service.script = script
    service.marker = f"resp_fuzz_{next(probe_ids)}"

    await peer.send(WAKE)
    await peer.send(SESSION_UPDATE)
    try:
        seen = await peer.until(lambda frame: service.marker in frame)
        # The session stays open until the satellite ends it.
        assert bridge.upstream_open
    finally:
        await peer.send(END)  # the next example starts clean, even after a failure here
    await wait_until(lambda: service.open == 0)

    # Everything passed on is a server event that the satellite can read: never a link message
    # that the service slipped in (it must not mute the satellite or end its session).
    for frame in seen:
        try:
            event = decode_from_home(frame)
        except ProtocolError as exc:
            pytest.fail(f"passed on a frame that the satellite cannot read: {frame!r}: {exc}")
        assert not isinstance(event, LinkMessage), frame
    # ...and every frame that a lenient reader can read (but a link message) went through,
    # unchanged and in order, between session.created and the final response.done.
    assert seen[1:-1] == [frame for frame in script if passes_on(frame)]
    assert satellite.bridge is bridge and satellite.status.connected and peer.links == 1
    assert not satellite.status.muted
    assert not our_errors(caplog)
