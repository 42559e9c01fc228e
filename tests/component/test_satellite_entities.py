"""The entities of a linked satellite: the assist_satellite, the mute switch, the text sensors.

A real satellite (`firmware_client.app.SatelliteApp` on its WAV backend, paired over its own link
server on 127.0.0.1) is adopted by a real HA core whose agent entry talks to the emulator, as in
tests/e2e; these tests then drive what HA users drive: the switch, the announce and
start_conversation actions, diagnostics, and a satellite that goes away and comes back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components.assist_satellite import AssistSatelliteConfiguration
from homeassistant.components.assist_satellite.const import DATA_COMPONENT
from homeassistant.components.switch import DATA_COMPONENT as SWITCH_COMPONENT
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from voicelive.events import (
    ConversationItemCreate,
    InputAudioBufferAppend,
    ResponseCreate,
    SessionUpdate,
)
from voicelive.link import generate_pairing_key
from voicelive.models import InputTextContentPart, RequestMessageItem

from custom_components.azure_voice_live import satellite as satellite_module
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
from custom_components.azure_voice_live.diagnostics import async_get_config_entry_diagnostics
from custom_components.azure_voice_live.satellite import SatelliteRuntime
from custom_components.azure_voice_live.voicelive import VoiceLiveError
from emulator import Emulator
from firmware_client.app import SatelliteApp
from firmware_client.options import Options
from firmware_client.settings import AudioSettings
from firmware_client.transport.base import SessionEndedByHome
from firmware_client.transport.link_server import Identity, LinkServer
from tests.satellite.speech import say, silence, write_wav

from .conftest import FAST_PACE
from .helpers import add_agent_entry

SATELLITE = "assist_satellite.kitchen_satellite"
MUTE = "switch.kitchen_satellite_mute"
TRANSCRIPT = "sensor.kitchen_satellite_last_transcript"
REPLY = "sensor.kitchen_satellite_last_reply"
UTTERANCE = "what is on the shopping list"


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Real sockets, on 127.0.0.1 only (pytest-socket)."""


@pytest.fixture(autouse=True)
def _fast_redial(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime re-dials a lost satellite after RECONNECT_MIN (1 s); 50 ms here."""
    monkeypatch.setattr(satellite_module, "RECONNECT_MIN", 0.05)


@pytest.fixture
def scenario() -> dict[str, Any]:
    """The emulator hears the one utterance of the spoken-turn test and echoes it."""
    return {"pace": FAST_PACE, "utterances": [UTTERANCE], "default_reply": "You said: {text}"}


@pytest.fixture
async def agent(hass: HomeAssistant, emulator: Emulator) -> MockConfigEntry:
    """A loaded Voice Live agent on the emulator."""
    return await add_agent_entry(hass, emulator.url, unique_id="emulator/gpt-realtime")


def adopt(
    hass: HomeAssistant, port: int, satellite_id: str, key: str, agent_entry_id: str
) -> MockConfigEntry:
    """A satellite entry as the adoption flow creates it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Kitchen satellite",
        data={
            CONF_KIND: KIND_SATELLITE,
            CONF_HOST: "127.0.0.1",
            CONF_PORT: port,
            CONF_SATELLITE_ID: satellite_id,
            CONF_PAIRING_KEY: key,
        },
        options={CONF_AGENT_ENTRY_ID: agent_entry_id},
        unique_id=f"satellite-{satellite_id}",
    )
    entry.add_to_hass(hass)
    return entry


StartSatellite = Callable[..., Awaitable[tuple[SatelliteApp, MockConfigEntry]]]


@pytest.fixture
async def start_satellite(
    hass: HomeAssistant, agent: MockConfigEntry, tmp_path: Path
) -> AsyncIterator[StartSatellite]:
    """Start a paired satellite (mic WAV from the moment HA links) and adopt it; stop it after."""
    apps: list[SatelliteApp] = []

    async def start(pcm: bytes | None = None) -> tuple[SatelliteApp, MockConfigEntry]:
        app = SatelliteApp(
            Options(
                mic_wav=write_wav(tmp_path / "mic.wav", pcm or silence(0.5)),
                speaker_wav=tmp_path / "speaker.wav",
                speed=8.0,
                follow_up_seconds=1.0,
                state_dir=tmp_path / "state",
                host="127.0.0.1",
                port=0,
                zeroconf=False,
                mic_after_link=True,
                name="Kitchen satellite",
            )
        )
        apps.append(app)
        await app.start()
        assert app.link is not None and app.stored is not None
        entry = adopt(
            hass, app.link.port, app.stored.satellite_id, app.stored.pairing_key, agent.entry_id
        )
        assert await hass.config_entries.async_setup(entry.entry_id)
        await wait_until(lambda: runtime(entry).status.connected)
        await hass.async_block_till_done()
        return app, entry

    yield start
    for app in apps:
        await app.stop()


def runtime(entry: MockConfigEntry) -> SatelliteRuntime:
    """The satellite entry's runtime."""
    value = entry.runtime_data
    assert isinstance(value, SatelliteRuntime)
    return value


def state(hass: HomeAssistant, entity_id: str) -> str:
    """An entity's state string."""
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def follow_states(hass: HomeAssistant, entity_id: str) -> list[str]:
    """Record every state that an entity takes from now on."""
    states: list[str] = []

    def changed(event: Event[Any]) -> None:
        if event.data["entity_id"] == entity_id and event.data["new_state"] is not None:
            states.append(event.data["new_state"].state)

    hass.bus.async_listen("state_changed", changed)
    return states


async def wait_until(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll a condition (the satellite, HA and the emulator all run in this loop)."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - no single event covers these
            await asyncio.sleep(0.01)


def announcement_items(emulator: Emulator) -> list[str]:
    """The system texts that the newest emulator session received."""
    return [
        part.text
        for event in emulator.sessions[-1].received
        if isinstance(event, ConversationItemCreate)
        and isinstance(event.item, RequestMessageItem)
        and event.item.role == "system"
        for part in event.item.content
        if isinstance(part, InputTextContentPart)
    ]


# --- the satellite entity -----------------------------------------------------------------------


async def test_a_linked_satellite_has_its_entities_on_its_device(
    hass: HomeAssistant, start_satellite: StartSatellite
) -> None:
    app, entry = await start_satellite()
    assert app.stored is not None
    assert state(hass, SATELLITE) == "idle"
    assert state(hass, MUTE) == "off"
    assert state(hass, TRANSCRIPT) == "unknown"

    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, app.stored.satellite_id)})
    assert device is not None
    assert device.name == "Kitchen satellite" and device.model == "Pi satellite"
    entities = er.async_entries_for_device(er.async_get(hass), device.id)
    assert {e.entity_id for e in entities} == {SATELLITE, MUTE, TRANSCRIPT, REPLY}
    assert all(e.config_entry_id == entry.entry_id for e in entities)


async def test_wake_words_are_listed_and_cannot_be_set_from_ha(
    hass: HomeAssistant, start_satellite: StartSatellite
) -> None:
    await start_satellite()
    entity = hass.data[DATA_COMPONENT].get_entity(SATELLITE)
    assert entity is not None

    config = entity.async_get_configuration()
    assert [w.id for w in config.available_wake_words] == [
        "okay_nabu",
        "hey_jarvis",
        "alexa",
        "hey_mycroft",
    ]
    assert config.active_wake_words == ["okay_nabu"]
    assert config.max_active_wake_words == 1

    with pytest.raises(HomeAssistantError, match="--wake-word"):
        await entity.async_set_configuration(
            AssistSatelliteConfiguration(
                available_wake_words=config.available_wake_words,
                active_wake_words=["alexa"],
                max_active_wake_words=1,
            )
        )


# --- mute ---------------------------------------------------------------------------------------


async def test_the_mute_switch_mutes_and_unmutes_the_satellite(
    hass: HomeAssistant, start_satellite: StartSatellite
) -> None:
    app, entry = await start_satellite()

    await hass.services.async_call("switch", "turn_on", {"entity_id": MUTE}, blocking=True)
    # The switch follows the satellite's own report (satellite.muted), not the request.
    await wait_until(lambda: state(hass, MUTE) == "on")
    assert app.satellite.muted
    assert runtime(entry).status.muted

    await hass.services.async_call("switch", "turn_off", {"entity_id": MUTE}, blocking=True)
    await wait_until(lambda: state(hass, MUTE) == "off")
    assert not app.satellite.muted


# --- announce and start_conversation ------------------------------------------------------------


async def test_announce_plays_the_message_in_the_agents_voice(
    hass: HomeAssistant, emulator: Emulator, start_satellite: StartSatellite
) -> None:
    app, _ = await start_satellite()
    states = follow_states(hass, SATELLITE)

    await hass.services.async_call(
        "assist_satellite",
        "announce",
        {"entity_id": SATELLITE, "message": "Dinner is ready"},
        blocking=True,
    )

    (session,) = emulator.sessions
    (text,) = announcement_items(emulator)
    assert text.endswith("say nothing else: Dinner is ready")
    (create,) = [e for e in session.received if isinstance(e, ResponseCreate)]
    assert create.response.tool_choice == "none"
    assert any(e.type == "response.audio.delta" for e in session.sent)
    # The satellite plays it, ends the session, and the paid upstream session closes.
    await wait_until(lambda: emulator.active_session_count == 0)
    await wait_until(lambda: state(hass, SATELLITE) == "idle")
    assert "responding" in states
    (played,) = app.satellite.history
    assert played.announcement and not played.failed


async def test_announce_refuses_media_and_an_empty_message(
    hass: HomeAssistant, emulator: Emulator, start_satellite: StartSatellite
) -> None:
    await start_satellite()
    with pytest.raises(HomeAssistantError, match="media_id"):
        await hass.services.async_call(
            "assist_satellite",
            "announce",
            {"entity_id": SATELLITE, "media_id": "media-source://tts/x"},
            blocking=True,
        )
    entity = hass.data[DATA_COMPONENT].get_entity(SATELLITE)
    assert entity is not None
    with pytest.raises(HomeAssistantError, match="message"):
        await entity.async_internal_announce(message="")
    assert not emulator.sessions  # nothing was opened, nothing billed


async def test_start_conversation_announces_and_then_listens(
    hass: HomeAssistant, emulator: Emulator, start_satellite: StartSatellite
) -> None:
    app, _ = await start_satellite()

    await hass.services.async_call(
        "assist_satellite",
        "start_conversation",
        {"entity_id": SATELLITE, "start_message": "Shall I close the blinds?"},
        blocking=True,
    )

    (text,) = announcement_items(emulator)
    assert text.endswith("Shall I close the blinds?")
    (conversation,) = app.satellite.history
    assert conversation.announcement and conversation.listen_after
    # After the question the satellite streamed its microphone for the answer.
    await wait_until(
        lambda: any(isinstance(e, InputAudioBufferAppend) for e in emulator.sessions[0].received)
    )
    await wait_until(lambda: emulator.active_session_count == 0)
    await wait_until(lambda: state(hass, SATELLITE) == "idle")


async def test_announce_while_away_is_a_clear_error(
    hass: HomeAssistant, start_satellite: StartSatellite
) -> None:
    app, entry = await start_satellite()
    satellite_runtime = runtime(entry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(VoiceLiveError, match="not connected"):
        await satellite_runtime.async_announce("hello")
    with pytest.raises(VoiceLiveError, match="not connected"):
        await satellite_runtime.async_set_muted(True)
    assert app.satellite.history == []


# --- availability -------------------------------------------------------------------------------


async def test_entities_go_unavailable_with_the_satellite_and_come_back_with_it(
    hass: HomeAssistant, start_satellite: StartSatellite
) -> None:
    app, entry = await start_satellite()
    link = app.link
    assert link is not None

    await link.stop()  # the Pi lost power or its network
    await wait_until(lambda: state(hass, SATELLITE) == STATE_UNAVAILABLE)
    assert state(hass, MUTE) == STATE_UNAVAILABLE
    assert state(hass, REPLY) == STATE_UNAVAILABLE
    # HA skips unavailable entities in service calls; a call that races the drop gets a clear
    # error from the entity itself.
    switch = hass.data[SWITCH_COMPONENT].get_entity(MUTE)
    assert switch is not None
    with pytest.raises(HomeAssistantError, match="not reachable"):
        await switch.async_turn_on()
    satellite = hass.data[DATA_COMPONENT].get_entity(SATELLITE)
    assert satellite is not None
    with pytest.raises(HomeAssistantError, match="could not speak"):
        await satellite.async_internal_announce(message="hi")

    await link.start()  # back on the same port: the runtime re-dials by itself
    await wait_until(lambda: runtime(entry).status.connected)
    await wait_until(lambda: state(hass, SATELLITE) == "idle")
    assert state(hass, MUTE) == "off"


# --- a spoken turn: sensors ---------------------------------------------------------------------


async def test_the_sensors_show_the_last_transcript_and_reply(
    hass: HomeAssistant, emulator: Emulator, start_satellite: StartSatellite
) -> None:
    pcm = silence(0.5) + say("okay nabu") + silence(0.4) + say(UTTERANCE) + silence(3.0)
    app, entry = await start_satellite(pcm)
    await asyncio.wait_for(app.wait_wav_done(), 30)
    await hass.async_block_till_done()

    assert state(hass, TRANSCRIPT) == UTTERANCE
    assert state(hass, REPLY) == f"You said: {UTTERANCE}"
    reply = hass.states.get(REPLY)
    assert reply is not None and reply.attributes["text"] == f"You said: {UTTERANCE}"
    attributes = hass.states.get(SATELLITE).attributes  # type: ignore[union-attr]
    assert attributes["last_transcript"] == UTTERANCE
    assert attributes["last_reply"] == f"You said: {UTTERANCE}"

    # Diagnostics: the link, the state and the bridge's counters, with the key redacted.
    assert app.stored is not None
    key = app.stored.pairing_key
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    dumped = json.dumps(diagnostics)
    assert key not in dumped and key.replace("-", "") not in dumped
    assert diagnostics["entry"]["data"][CONF_PAIRING_KEY] == "**REDACTED**"
    satellite = diagnostics["satellite"]
    assert satellite["connected"] is True
    assert satellite["state"] == "idle"
    assert satellite["satellite_id"] == app.stored.satellite_id
    assert satellite["audio"]["wake_word"] == "okay_nabu"
    assert satellite["last_transcript"] == UTTERANCE
    bridge = diagnostics["bridge"]
    assert bridge["sessions_opened"] == bridge["sessions_closed"] == 1
    assert bridge["frames_up"] > 0 and bridge["frames_down"] > 0
    assert bridge["upstream_open"] is False and bridge["bad_frames"] == 0


async def test_diagnostics_of_a_satellite_that_never_linked(
    hass: HomeAssistant, agent: MockConfigEntry
) -> None:
    key = generate_pairing_key()
    entry = adopt(hass, 1, "pi-away", key, agent.entry_id)  # nothing listens on port 1
    assert await hass.config_entries.async_setup(entry.entry_id)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert key not in json.dumps(diagnostics)
    assert diagnostics["satellite"]["connected"] is False
    assert diagnostics["satellite"]["audio"] is None
    assert diagnostics["bridge"] is None
    assert await hass.config_entries.async_unload(entry.entry_id)


# --- an agent that is not there -----------------------------------------------------------------


@pytest.mark.parametrize("agent_loaded", [False, True])
async def test_a_wake_without_a_loaded_agent_ends_with_upstream_unavailable(
    hass: HomeAssistant, agent: MockConfigEntry, agent_loaded: bool
) -> None:
    """The wake ends cleanly (`SessionEnd(upstream_unavailable)`), and the link stays up."""
    key = generate_pairing_key()
    server = LinkServer(
        key=key,
        identity=Identity(satellite_id="pi-lonely", name="Lonely Pi", version="1"),
        audio=AudioSettings.build(),
        wake_word="okay_nabu",
        host="127.0.0.1",
    )
    await server.start()
    try:
        if agent_loaded:  # the chosen entry is loaded, but it is the satellite itself
            entry = adopt(hass, server.port, "pi-lonely", key, "")
            hass.config_entries.async_update_entry(
                entry, options={CONF_AGENT_ENTRY_ID: entry.entry_id}
            )
        else:
            assert await hass.config_entries.async_unload(agent.entry_id)
            entry = adopt(hass, server.port, "pi-lonely", key, agent.entry_id)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await asyncio.wait_for(server.paired.wait(), 5)

        channel = await server.open("okay_nabu")
        await channel.send(SessionUpdate(session=server.audio.session()))
        with pytest.raises(SessionEndedByHome) as ended:
            await asyncio.wait_for(channel.recv(), 5)
        assert "upstream_unavailable" in str(ended.value)
        status = runtime(entry).status
        assert status.connected and status.state.value == "idle"
        bridge = runtime(entry).bridge
        assert bridge is not None and bridge.stats.last_error
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await server.stop()
