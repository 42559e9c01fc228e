"""A spoken command through the whole product: satellite, HA bridge, Voice Live, a real entity."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

from homeassistant.core import HomeAssistant
from voicelive.events import (
    ConversationItemTruncate,
    ConversationItemTruncated,
    InputAudioBufferAppend,
    SessionUpdate,
)
from voicelive.models import (
    AzureDeepNoiseSuppression,
    RequestFunctionCallOutputItem,
    ServerEchoCancellation,
)

from emulator import Emulator
from tests.satellite.speech import loud, read_wav, say, silence, speech_spans

from .conftest import REPLY, StartSatellite, command_pcm, runtime, wait_until


async def test_a_spoken_command_changes_an_entity_and_the_reply_is_played(
    hass: HomeAssistant, emulator: Emulator, start_satellite: StartSatellite, tmp_path: Path
) -> None:
    states: list[str] = []
    app, entry = await start_satellite(command_pcm())
    entity_id = "assist_satellite.kitchen_satellite"
    hass.bus.async_listen(
        "state_changed",
        lambda event: states.append(event.data["new_state"].state)
        if event.data["entity_id"] == entity_id and event.data["new_state"]
        else None,
    )
    assert hass.states.get("input_boolean.kitchen").state == "off"

    await asyncio.wait_for(app.wait_wav_done(), 30)
    await hass.async_block_till_done()

    # The tool ran in HA, on the real entity, with the bridge's answer going back upstream.
    assert hass.states.get("input_boolean.kitchen").state == "on"
    (session,) = emulator.sessions
    outputs = [
        e.item
        for e in session.received
        if e.type == "conversation.item.create"
        and isinstance(e.item, RequestFunctionCallOutputItem)
    ]
    assert len(outputs) == 1 and '"error"' not in outputs[0].output
    # The agent's session was merged with the satellite's audio settings.
    update = next(e for e in session.received if isinstance(e, SessionUpdate))
    assert update.session.instructions.endswith("You are the voice of a home.")
    assert [t.name for t in update.session.tools] == ["input_boolean_turn_on"]
    assert isinstance(update.session.input_audio_noise_reduction, AzureDeepNoiseSuppression)
    assert isinstance(update.session.input_audio_echo_cancellation, ServerEchoCancellation)
    assert update.session.input_audio_sampling_rate == app.audio.input_rate
    # Audio went up untouched: the emulator got exactly the audio that the satellite sent.
    conversation = app.satellite.history[0]
    appended = b"".join(
        base64.b64decode(e.audio) for e in session.received if isinstance(e, InputAudioBufferAppend)
    )
    frame_bytes = conversation.frame_ms * app.audio.input_rate // 1000 * 2
    assert len(appended) == conversation.frames_sent * frame_bytes > 0
    # The entities followed: the states, the transcript and the reply.
    status = runtime(entry).status
    assert status.last_transcript == "turn on the kitchen light"
    assert status.last_reply == REPLY
    assert status.last_tool_call is not None and status.last_tool_call["name"] == (
        "input_boolean_turn_on"
    )
    assert {"listening", "processing", "responding"} <= set(states)
    assert states[-1] == "idle"  # back to idle after the follow-up window
    assert hass.states.get("sensor.kitchen_satellite_last_reply").state == REPLY
    # The turn ended, so the paid upstream session is closed.
    await wait_until(lambda: emulator.active_session_count == 0, 2)
    await app.stop()  # the speaker WAV is complete once the satellite stops
    # The reply was played: chime, reply, end chime in the speaker WAV.
    speaker, rate = read_wav(tmp_path / "speaker.wav")
    assert len(speech_spans(speaker, rate)) >= 3


async def test_barge_in_truncates_upstream_at_the_played_milliseconds(
    hass: HomeAssistant, emulator: Emulator, start_satellite: StartSatellite
) -> None:
    # "stop" comes while the reply plays; the emulator's VAD hears it and the satellite cuts.
    pcm = command_pcm(tail=1.5) + loud(say("stop"), 1.5) + silence(3.0)
    app, _ = await start_satellite(pcm)
    await asyncio.wait_for(app.wait_wav_done(), 30)

    (truncate,) = app.satellite.history[0].truncations
    (session,) = emulator.sessions
    received = [e for e in session.received if isinstance(e, ConversationItemTruncate)]
    assert received == [truncate]  # relayed as sent: the milliseconds the satellite played
    (truncated,) = [e for e in session.sent if isinstance(e, ConversationItemTruncated)]
    assert (truncated.item_id, truncated.audio_end_ms) == (truncate.item_id, truncate.audio_end_ms)
    assert truncate.audio_end_ms > 200


async def test_a_satellite_killed_mid_reply_closes_upstream_within_a_second(
    hass: HomeAssistant, emulator: Emulator, start_satellite: StartSatellite
) -> None:
    app, entry = await start_satellite(command_pcm(tail=6.0))
    await wait_until(
        lambda: bool(emulator.sessions)
        and any(e.type == "response.audio.delta" for e in emulator.sessions[0].sent)
    )
    assert emulator.active_session_count == 1
    killed = time.monotonic()
    await app.link.stop()  # the link goes away as when the Pi loses power or the network
    await wait_until(lambda: emulator.active_session_count == 0, 1.0)
    assert time.monotonic() - killed < 1.0
    assert emulator.sessions[0].closed
    await wait_until(lambda: not runtime(entry).status.connected, 2)


async def test_an_emulator_drop_mid_reply_recovers_on_the_next_wake(
    hass: HomeAssistant, emulator: Emulator, start_satellite: StartSatellite
) -> None:
    pcm = command_pcm(tail=6.0) + command_pcm(tail=3.0)
    app, entry = await start_satellite(pcm)
    await wait_until(
        lambda: bool(emulator.sessions)
        and any(e.type == "response.audio.delta" for e in emulator.sessions[0].sent)
    )
    await emulator.drop_all()  # no close frame: a network drop
    await asyncio.wait_for(app.wait_wav_done(), 40)

    assert app.satellite.wakes == 2
    first, second = app.satellite.history
    assert first.end_reason and not second.failed
    assert len(emulator.sessions) == 2
    assert any(e.type == "response.done" for e in emulator.sessions[1].sent)
    assert hass.states.get("input_boolean.kitchen").state == "on"
    assert runtime(entry).status.connected  # the link itself never dropped
    await wait_until(lambda: emulator.active_session_count == 0, 2)


async def test_unloading_the_entry_leaves_no_socket_open(
    hass: HomeAssistant, emulator: Emulator, start_satellite: StartSatellite
) -> None:
    app, entry = await start_satellite(command_pcm(tail=6.0))
    await wait_until(lambda: emulator.active_session_count == 1)
    assert app.link is not None and app.link.paired.is_set()
    satellite_runtime = runtime(entry)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    await wait_until(lambda: emulator.active_session_count == 0, 1.0)
    await wait_until(lambda: not app.link.paired.is_set(), 1.0)
    assert satellite_runtime.bridge is None
    assert not satellite_runtime.status.connected
