"""Paired mode: the pairing handshake, and a whole conversation relayed by a Home Assistant peer."""

from __future__ import annotations

import asyncio
import contextlib
import stat
from pathlib import Path

import aiohttp
import pytest
from voicelive.audio import b64encode
from voicelive.codec import serialize_event
from voicelive.events import (
    InputAudioBufferSpeechStarted,
    ResponseAudioDelta,
    ResponseAudioDone,
    ResponseCreated,
    ResponseDone,
    SessionUpdate,
)
from voicelive.link import (
    CLOSE_PAIRING_FAILED,
    LINK_PATH,
    Announce,
    Hello,
    Muted,
    SessionEnd,
    SetMuted,
    Wake,
    encode_link_message,
    generate_pairing_key,
    parse_link_message,
)
from voicelive.models import RealtimeRequestSession, RealtimeResponse

from emulator import Emulator
from firmware_client.app import SatelliteApp
from firmware_client.options import Options
from firmware_client.state import load_or_create

from .conftest import command_pcm, wav_options
from .ha_side import HandshakeRefused, MiniBridge, pair
from .speech import read_wav, silence, speech_spans


def _paired_options(tmp_path: Path, pcm: bytes, **overrides: object) -> Options:
    return wav_options(
        tmp_path, pcm, host="127.0.0.1", port=0, zeroconf=False, name="Kitchen", **overrides
    )


async def _started(options: Options) -> SatelliteApp:
    app = SatelliteApp(options)
    await app.start()
    return app


def test_the_pairing_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = load_or_create(tmp_path / "state")
    assert first.key_is_new
    again = load_or_create(tmp_path / "state")
    assert not again.key_is_new
    assert again.pairing_key == first.pairing_key
    assert again.satellite_id == first.satellite_id
    for name in ("pairing_key", "satellite_id"):
        mode = stat.S_IMODE((tmp_path / "state" / name).stat().st_mode)
        assert mode == 0o600, oct(mode)
    renewed = load_or_create(tmp_path / "state", reset_key=True)
    assert renewed.key_is_new and renewed.pairing_key != first.pairing_key


async def test_the_key_is_printed_at_first_start_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = _paired_options(tmp_path, silence(0.1))
    for expect_key in (True, False):
        app = await _started(options)
        await app.stop()
        out = capsys.readouterr().out
        assert app.stored is not None
        assert (app.stored.pairing_key in out) is expect_key


async def test_a_wrong_key_is_refused_and_gets_nothing(tmp_path: Path) -> None:
    # The satellite hears its wake word while the impostor is connected.
    app = await _started(_paired_options(tmp_path, command_pcm(), speed=4.0, lead_in_ms=1000))
    try:
        assert app.link is not None
        async with aiohttp.ClientSession() as http:
            with pytest.raises(HandshakeRefused) as refused:
                await pair(http, app.link.port, generate_pairing_key())
            assert refused.value.code == CLOSE_PAIRING_FAILED
            # The one frame before the refusal is the public greeting; no audio, no events.
            assert [type(parse_link_message(f)) for f in refused.value.frames] == [Hello]
            # Anything other than a proof is refused the same way.
            ws = await http.ws_connect(f"http://127.0.0.1:{app.link.port}{LINK_PATH}")
            await ws.receive(timeout=5)
            await ws.send_str(
                serialize_event(SessionUpdate(session=RealtimeRequestSession())).decode()
            )
            closing = await ws.receive(timeout=5)
            assert closing.type is aiohttp.WSMsgType.CLOSE
            assert ws.close_code == CLOSE_PAIRING_FAILED
            await ws.close()
        assert not app.link.paired.is_set()
    finally:
        await app.stop()


async def test_the_right_key_is_accepted(tmp_path: Path) -> None:
    app = await _started(_paired_options(tmp_path, silence(0.1), input_rate=16000))
    try:
        assert app.link is not None and app.stored is not None
        async with aiohttp.ClientSession() as http:
            # Home Assistant may get the key typed with other case and spacing.
            typed = app.stored.pairing_key.lower().replace("-", " ")
            ws, hello, ready = await pair(http, app.link.port, typed)
            assert hello.name == "Kitchen"
            assert hello.satellite_id == app.stored.satellite_id
            assert ready.input_audio_format == "pcm16"
            assert ready.input_audio_sampling_rate == 16000
            assert ready.noise_reduction and ready.echo_cancellation
            assert ready.wake_word == "okay_nabu"
            assert not ready.muted
            await app.link.paired.wait()
            await ws.close()
    finally:
        await app.stop()


async def test_a_conversation_through_home_assistant(tmp_path: Path, emulator: Emulator) -> None:
    app = await _started(_paired_options(tmp_path, command_pcm(), lead_in_ms=2000))
    try:
        assert app.link is not None and app.stored is not None
        async with aiohttp.ClientSession() as http:
            ws, _, _ = await pair(http, app.link.port, app.stored.pairing_key)
            bridge = MiniBridge(ws, emulator.url)
            relay = asyncio.create_task(bridge.run())
            await asyncio.wait_for(app.wait_wav_done(), 30)
            await ws.close()
            await relay
    finally:
        await app.stop()

    # The same session logic ran over the link: wake, session settings, audio, reply, end.
    assert [type(m) for m in bridge.link_messages] == [Wake, SessionEnd]
    end = bridge.link_messages[1]
    assert isinstance(end, SessionEnd) and end.reason == "follow-up window closed"
    (session,) = emulator.sessions
    assert isinstance(session.received[0], SessionUpdate)
    assert [e.type for e in session.sent].count("response.done") == 1
    speaker, rate = read_wav(tmp_path / "speaker.wav")
    assert len(speech_spans(speaker, rate)) == 3  # chime, reply, end chime
    assert emulator.active_session_count == 0


async def test_mute_from_home_stops_the_wake_word(tmp_path: Path) -> None:
    app = await _started(_paired_options(tmp_path, command_pcm(), lead_in_ms=2000))
    try:
        assert app.link is not None and app.stored is not None
        async with aiohttp.ClientSession() as http:
            ws, _, _ = await pair(http, app.link.port, app.stored.pairing_key)
            await ws.send_str(encode_link_message(SetMuted(muted=True)))
            answer = parse_link_message((await ws.receive(timeout=5)).data)
            assert answer == Muted(muted=True)
            await asyncio.wait_for(app.wait_wav_done(), 30)
            # The wake word was in the file, but a muted satellite heard nothing.
            with contextlib.suppress(TimeoutError):
                extra = await ws.receive(timeout=0.2)
                pytest.fail(f"a muted satellite sent {extra}")
            await ws.close()
        assert app.satellite.muted
        assert app.satellite.wakes == 0
    finally:
        await app.stop()


async def test_an_announcement_is_played_then_the_satellite_goes_idle(tmp_path: Path) -> None:
    app = await _started(_paired_options(tmp_path, silence(0.2), speed=4.0))
    try:
        assert app.link is not None and app.stored is not None
        tone = (b"\x00\x20" * 12000)[: 24000 * 2 // 2]  # 0.5 s at 24 kHz, loud enough to see
        async with aiohttp.ClientSession() as http:
            ws, _, _ = await pair(http, app.link.port, app.stored.pairing_key)
            await ws.send_str(encode_link_message(Announce(text="Dinner is ready", listen=False)))
            response = RealtimeResponse(id="resp_1")
            events = [
                ResponseCreated(response=response),
                *(
                    ResponseAudioDelta(
                        response_id="resp_1",
                        item_id="item_1",
                        output_index=0,
                        content_index=0,
                        delta=b64encode(chunk),
                    )
                    for chunk in (tone[:12000], tone[12000:])
                ),
                ResponseAudioDone(
                    response_id="resp_1", item_id="item_1", output_index=0, content_index=0
                ),
                ResponseDone(response=RealtimeResponse(id="resp_1", status="completed")),
            ]
            for event in events:
                await ws.send_str(serialize_event(event).decode())
            end = parse_link_message((await ws.receive(timeout=10)).data)
            assert end == SessionEnd(reason="announcement played")
            await ws.close()
            await asyncio.wait_for(app.wait_wav_done(), 10)
    finally:
        await app.stop()
    speaker, rate = read_wav(tmp_path / "speaker.wav")
    (span,) = speech_spans(speaker, rate, min_dbfs=-30)
    assert abs((span[1] - span[0]) - 500) <= 20


async def test_an_announcement_can_ask_for_an_answer(tmp_path: Path) -> None:
    app = await _started(_paired_options(tmp_path, silence(0.2), speed=4.0, follow_up_seconds=1))
    try:
        assert app.link is not None and app.stored is not None
        async with aiohttp.ClientSession() as http:
            ws, _, _ = await pair(http, app.link.port, app.stored.pairing_key)
            await ws.send_str(encode_link_message(Announce(text="Shall I", listen=True)))
            for event in (
                ResponseCreated(response=RealtimeResponse(id="resp_1")),
                ResponseDone(response=RealtimeResponse(id="resp_1", status="completed")),
            ):
                await ws.send_str(serialize_event(event).decode())
            frames = []
            while True:
                msg = await ws.receive(timeout=10)
                frames.append(msg.data)
                if "satellite.session_end" in msg.data:
                    break
            await ws.close()
            await asyncio.wait_for(app.wait_wav_done(), 10)
    finally:
        await app.stop()
    # After the announcement the mic streamed to HA for the follow-up window, then it ended.
    assert all("input_audio_buffer.append" in f for f in frames[:-1])
    assert len(frames) > 10
    assert parse_link_message(frames[-1]) == SessionEnd(reason="follow-up window closed")


async def test_home_assistant_can_end_the_session(tmp_path: Path) -> None:
    # HA could not open Voice Live: it says so with session_end, and the satellite gives up
    # this conversation (error chime) instead of retrying; the next wake starts anew.
    app = await _started(_paired_options(tmp_path, command_pcm(), lead_in_ms=1000))
    try:
        assert app.link is not None and app.stored is not None
        async with aiohttp.ClientSession() as http:
            ws, _, _ = await pair(http, app.link.port, app.stored.pairing_key)
            wake = parse_link_message((await ws.receive(timeout=10)).data)
            assert isinstance(wake, Wake)
            first_event = (await ws.receive(timeout=5)).data
            assert '"session.update"' in first_event
            await ws.send_str(encode_link_message(SessionEnd(reason="upstream_unavailable")))
            await asyncio.wait_for(app.wait_wav_done(), 30)
            await ws.close()
    finally:
        await app.stop()
    (conversation,) = app.satellite.history
    assert conversation.failed
    assert conversation.end_reason == "ended by Home Assistant: upstream_unavailable"
    assert conversation.sessions_opened == 1  # not retried
    assert app.satellite.state == "idle"


async def test_a_turn_that_never_ends_does_not_hold_the_session_open(tmp_path: Path) -> None:
    # The service says the user started speaking and then says nothing more, ever. The satellite
    # stops trusting that after 30 s of audio and closes the session after the follow-up window.
    options = _paired_options(tmp_path, command_pcm(), lead_in_ms=1000, speed=40.0)
    app = await _started(options)
    try:
        assert app.link is not None and app.stored is not None
        async with aiohttp.ClientSession() as http:
            ws, _, _ = await pair(http, app.link.port, app.stored.pairing_key)
            assert isinstance(parse_link_message((await ws.receive(timeout=10)).data), Wake)
            started = InputAudioBufferSpeechStarted(audio_start_ms=0, item_id="item_1")
            await ws.send_str(serialize_event(started).decode())
            while True:
                text = (await ws.receive(timeout=10)).data
                if "satellite.session_end" in text:
                    break
            await ws.close()
            await asyncio.wait_for(app.wait_wav_done(), 30)
    finally:
        await app.stop()
    (conversation,) = app.satellite.history
    assert conversation.end_reason == "follow-up window closed"
    assert 30000 <= conversation.clock_ms <= 30000 + 1500 + 2000
