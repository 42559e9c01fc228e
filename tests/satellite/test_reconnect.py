"""Surviving the network: a dropped session is re-dialled, an unreachable service is retried."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import aiohttp
from voicelive.events import InputAudioBufferAppend, SessionUpdate
from voicelive.link import SessionEnd, Wake

from emulator import Emulator
from firmware_client.app import SatelliteApp

from .conftest import command_pcm, run_wav_satellite, wav_options
from .ha_side import MiniBridge, pair
from .speech import read_wav, say, silence, speech_spans


def _done(emulator: Emulator, index: int) -> bool:
    sessions = emulator.sessions
    return len(sessions) > index and any(e.type == "response.done" for e in sessions[index].sent)


async def test_reconnects_after_the_service_drops(tmp_path: Path, emulator: Emulator) -> None:
    pcm = command_pcm(tail=4.0) + say("turn on the kitchen light") + silence(3.0)
    options = wav_options(tmp_path, pcm, endpoint=emulator.url, follow_up_seconds=3.0)
    app = SatelliteApp(options)
    await app.start()
    try:
        await emulator.wait_for(lambda: _done(emulator, 0), timeout=20)
        await emulator.drop_all()  # a network drop: no close frame
        await asyncio.wait_for(app.wait_wav_done(), 30)
    finally:
        await app.stop()

    # One wake, one conversation, two Voice Live sessions: the second re-sent the settings and
    # carried the second command to a second reply.
    assert app.satellite.wakes == 1
    (conversation,) = app.satellite.history
    assert conversation.sessions_opened == 2
    assert not conversation.failed
    first, second = emulator.sessions
    assert isinstance(second.received[0], SessionUpdate)
    assert [e.type for e in second.sent].count("response.done") == 1
    speaker, rate = read_wav(tmp_path / "speaker.wav")
    assert len(speech_spans(speaker, rate)) == 4  # chime, reply, reply, end chime
    assert emulator.active_session_count == 0


async def test_an_unreachable_service_is_dialled_again_on_the_next_wake(tmp_path: Path) -> None:
    # Nothing listens on port 9 of the loopback interface.
    pcm = command_pcm(tail=1.0) + command_pcm(tail=1.0)
    options = wav_options(tmp_path, pcm, endpoint="http://127.0.0.1:9")
    app = SatelliteApp(options)
    app.satellite.open_timeout = 0.6  # two quick attempts per wake
    await app.start()
    try:
        await asyncio.wait_for(app.wait_wav_done(), 30)
    finally:
        await app.stop()

    assert app.satellite.wakes == 2
    assert [c.end_reason for c in app.satellite.history] == ["could not reach Voice Live"] * 2
    assert all(c.failed and c.frames_sent == 0 for c in app.satellite.history)
    assert app.satellite.state == "idle"


async def test_home_assistant_comes_back_mid_conversation(
    tmp_path: Path, emulator: Emulator
) -> None:
    pcm = command_pcm(tail=4.0) + say("turn on the kitchen light") + silence(3.0)
    options = wav_options(
        tmp_path,
        pcm,
        host="127.0.0.1",
        port=0,
        zeroconf=False,
        follow_up_seconds=3.0,
        lead_in_ms=1000,
    )
    app = SatelliteApp(options)
    await app.start()
    try:
        assert app.link is not None and app.stored is not None
        async with aiohttp.ClientSession() as http:
            ws, _, _ = await pair(http, app.link.port, app.stored.pairing_key)
            first = MiniBridge(ws, emulator.url)
            relay = asyncio.create_task(first.run())
            await emulator.wait_for(lambda: _done(emulator, 0), timeout=20)
            await ws.close()  # HA restarts...
            await relay
            ws, _, _ = await pair(http, app.link.port, app.stored.pairing_key)  # ...and is back
            second = MiniBridge(ws, emulator.url)
            relay = asyncio.create_task(second.run())
            await asyncio.wait_for(app.wait_wav_done(), 30)
            await ws.close()
            await relay
    finally:
        await app.stop()

    # The conversation survived: the satellite woke HA's new link and went on streaming there.
    (conversation,) = app.satellite.history
    assert conversation.sessions_opened == 2
    assert [type(m) for m in first.link_messages] == [Wake]
    assert [type(m) for m in second.link_messages] == [Wake, SessionEnd]
    assert [e.type for e in emulator.sessions[1].sent].count("response.done") == 1
    assert emulator.active_session_count == 0


async def test_always_listening_streams_without_a_wake_word(
    tmp_path: Path, emulator: Emulator
) -> None:
    options = wav_options(
        tmp_path, command_pcm(wake=False), endpoint=emulator.url, wake_word="none"
    )
    app = await run_wav_satellite(options)

    (session,) = emulator.sessions
    appended = [e for e in session.received if isinstance(e, InputAudioBufferAppend)]
    sent_ms = sum(len(base64.b64decode(e.audio)) for e in appended) / 48
    # Every frame from the first one on went out (the backlog covers the connection time), but
    # for the last few of the closing window, which the session was no longer there to take.
    assert app.satellite.frames_heard * 20 - 300 <= sent_ms <= app.satellite.frames_heard * 20
    assert [e.type for e in session.sent].count("response.done") == 1
