"""Audio turns: VAD on real speech, the service's event order, input formats, manual commit."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import numpy as np
import pytest
from voicelive.client import VoiceLiveConnection, connect
from voicelive.events import (
    InputAudioBufferClear,
    InputAudioBufferCommit,
    ResponseCreate,
    SessionUpdate,
)
from voicelive.models import (
    RealtimeAnimation,
    RealtimeAudioInputTranscriptionSettings,
    RealtimeRequestSession,
    ServerVAD,
)

from emulator import Emulator
from tests.emulator.conftest import FAST_PACE
from tests.emulator.helpers import as_dict, collapse, read_until, silence, speech, stream, types

UTTERANCE = "turn on the kitchen light"


@pytest.fixture
async def scripted() -> Emulator:
    """An emulator that knows what the user says."""
    async with Emulator(scenario={"pace": FAST_PACE, "utterances": [UTTERANCE, "thanks"]}) as emu:
        yield emu  # type: ignore[misc]


@contextlib.asynccontextmanager
async def client(emu: Emulator) -> AsyncIterator[VoiceLiveConnection]:
    conn = await connect(emu.url, model="gpt-realtime")
    try:
        assert (await conn.recv()).type == "session.created"
        yield conn
    finally:
        await conn.close()


async def test_spoken_turn_in_the_service_order(scripted: Emulator) -> None:
    async with client(scripted) as conn:
        await conn.send(
            SessionUpdate(
                session=RealtimeRequestSession(
                    input_audio_transcription=RealtimeAudioInputTranscriptionSettings(
                        model="azure-speech"
                    )
                )
            )
        )
        await read_until(conn, "session.updated")
        audio = await speech(UTTERANCE, lead_ms=400, tail_ms=900)
        await stream(conn, audio)
        events = await read_until(conn, "response.done")
        names = collapse(types(events))
        assert names[:12] == [
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
            "input_audio_buffer.committed",
            "conversation.item.created",
            "conversation.item.input_audio_transcription.delta",
            "conversation.item.input_audio_transcription.completed",
            "response.created",
            "rate_limits.updated",
            "response.output_item.added",
            "conversation.item.created",
            "response.content_part.added",
            "response.audio_transcript.delta",
        ]
        assert names[-5:] == [
            "response.audio.done",
            "response.audio_transcript.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.done",
        ]
        data = [as_dict(e) for e in events]
        started, stopped, committed, created = data[:4]
        item_id = started["item_id"]
        assert stopped["item_id"] == committed["item_id"] == created["item"]["id"] == item_id
        # speech begins 400 ms in; prefix padding (300 ms) moves the start earlier
        assert 0 <= started["audio_start_ms"] <= 200
        # speech stops within espeak's clip; the turn ends 500 ms (silence_duration_ms) later
        clip_end_ms = len(audio) / 48 - 900
        assert 400 + 1000 < stopped["audio_end_ms"] <= clip_end_ms + 500 + 10
        assert committed["previous_item_id"] == ""
        assert created["item"]["role"] == "user"
        assert created["item"]["content"] == [{"type": "input_audio"}]
        completed = next(
            d for d in data if d["type"] == "conversation.item.input_audio_transcription.completed"
        )
        assert completed == {
            "type": "conversation.item.input_audio_transcription.completed",
            "event_id": completed["event_id"],
            "item_id": item_id,
            "content_index": 0,
            "transcript": UTTERANCE,
        }
        transcript = next(d for d in data if d["type"] == "response.audio_transcript.done")
        assert transcript["transcript"] == f"You said: {UTTERANCE}"
        stored = scripted.sessions[0].items.get(item_id)
        assert stored is not None
        assert as_dict(stored)["content"] == [{"type": "input_audio", "transcript": UTTERANCE}]


@pytest.mark.parametrize(
    ("fmt", "rate"), [("pcm16", 16000), ("pcm16", 24000), ("g711_ulaw", 8000), ("g711_alaw", 8000)]
)
async def test_vad_works_in_every_input_format(scripted: Emulator, fmt: str, rate: int) -> None:
    async with client(scripted) as conn:
        await conn.send(
            SessionUpdate(
                session=RealtimeRequestSession(
                    input_audio_format=fmt,  # type: ignore[arg-type]
                    input_audio_sampling_rate=rate if fmt == "pcm16" else None,  # type: ignore[arg-type]
                )
                if fmt == "pcm16"
                else RealtimeRequestSession(input_audio_format=fmt)  # type: ignore[arg-type]
            )
        )
        await read_until(conn, "session.updated")
        await stream(conn, await speech(UTTERANCE, lead_ms=500), fmt=fmt, rate=rate)
        events = await read_until(conn, "input_audio_buffer.committed")
        started, stopped, _ = (as_dict(e) for e in events)
        assert 100 <= started["audio_start_ms"] <= 300  # 500 ms lead minus 300 ms padding
        assert stopped["audio_end_ms"] > started["audio_start_ms"] + 1000
        await read_until(conn, "response.done")


def quieter(pcm: bytes, factor: float) -> bytes:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) * factor
    return samples.astype("<i2").tobytes()


async def test_threshold_decides_what_counts_as_speech(scripted: Emulator) -> None:
    quiet = quieter(await speech(UTTERANCE), 0.03)  # about 30 dB down
    async with client(scripted) as conn:
        await conn.send(
            SessionUpdate(session=RealtimeRequestSession(turn_detection=ServerVAD(threshold=0.9)))
        )
        await read_until(conn, "session.updated")
        await stream(conn, quiet)  # too quiet for a high threshold
        await conn.send(InputAudioBufferClear())
        events = await read_until(conn, "input_audio_buffer.cleared")
        assert types(events) == ["input_audio_buffer.cleared"]
        await conn.send(
            SessionUpdate(session=RealtimeRequestSession(turn_detection=ServerVAD(threshold=0.2)))
        )
        await read_until(conn, "session.updated")
        await stream(conn, quiet)  # the same audio is speech at a low threshold
        events = await read_until(conn, "input_audio_buffer.committed")
        assert types(events)[0] == "input_audio_buffer.speech_started"


async def test_two_turns_in_one_stream(scripted: Emulator) -> None:
    async with client(scripted) as conn:
        first = await speech(UTTERANCE, tail_ms=800)
        second = await speech("thanks", tail_ms=800)
        await stream(conn, first)
        events = await read_until(conn, "response.done")
        await stream(conn, second)
        events += await read_until(conn, "response.done")
        done = [as_dict(e) for e in events if e.type == "response.audio_transcript.done"]
        assert [d["transcript"] for d in done] == [f"You said: {UTTERANCE}", "You said: thanks"]
        commits = [as_dict(e) for e in events if e.type == "input_audio_buffer.committed"]
        assert commits[1]["previous_item_id"] == done[0]["item_id"]
        starts = [as_dict(e)["audio_start_ms"] for e in events if e.type.endswith("speech_started")]
        assert starts[1] > len(first) / 48 - 300  # the stream position runs on across turns


async def test_manual_commit_without_turn_detection(scripted: Emulator) -> None:
    async with client(scripted) as conn:
        await conn._ws.send_str('{"type":"session.update","session":{"turn_detection":null}}')
        await read_until(conn, "session.updated")
        await conn.send(InputAudioBufferCommit(event_id="m1"))
        (error,) = await read_until(conn, "error")
        details = as_dict(error)["error"]
        assert details["code"] == "input_audio_buffer_commit_empty"
        assert details["event_id"] == "m1"
        await stream(conn, await speech(UTTERANCE))
        await conn.send(InputAudioBufferClear())
        events = await read_until(conn, "input_audio_buffer.cleared")
        assert types(events) == ["input_audio_buffer.cleared"]  # no VAD events without VAD
        await conn.send(InputAudioBufferCommit())
        (error,) = await read_until(conn, "error")
        assert as_dict(error)["error"]["code"] == "input_audio_buffer_commit_empty"
        await stream(conn, await speech(UTTERANCE))
        await conn.send(InputAudioBufferCommit())
        events = await read_until(conn, "conversation.item.created")
        assert types(events) == ["input_audio_buffer.committed", "conversation.item.created"]
        await conn.send(ResponseCreate())
        events = await read_until(conn, "response.done")
        assert as_dict(events[-1])["response"]["status"] == "completed"
        transcript = next(e for e in events if e.type == "response.audio_transcript.done")
        assert as_dict(transcript)["transcript"] == f"You said: {UTTERANCE}"


async def test_word_timestamps_visemes_and_blendshapes(scripted: Emulator) -> None:
    async with client(scripted) as conn:
        await conn.send(
            SessionUpdate(
                session=RealtimeRequestSession(
                    output_audio_timestamp_types=["word"],
                    animation=RealtimeAnimation(outputs=["blendshapes", "viseme_id"]),
                )
            )
        )
        await read_until(conn, "session.updated")
        await stream(conn, await speech(UTTERANCE))
        events = await read_until(conn, "response.done")
        names = types(events)
        tail = collapse([n for n in names if not n.endswith(".delta")])[-8:]
        assert tail == [
            "response.audio.done",
            "response.audio_transcript.done",
            "response.audio_timestamp.done",
            "response.animation_viseme.done",
            "response.animation_blendshapes.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.done",
        ]
        words = [as_dict(e) for e in events if e.type == "response.audio_timestamp.delta"]
        assert [w["text"] for w in words] == f"You said: {UTTERANCE}".split()
        assert all(w["timestamp_type"] == "word" for w in words)
        offsets = [w["audio_offset_ms"] for w in words]
        assert offsets == sorted(offsets) and offsets[0] == 0
        visemes = [as_dict(e) for e in events if e.type == "response.animation_viseme.delta"]
        assert visemes and all(0 <= v["viseme_id"] <= 21 for v in visemes)
        shapes = [as_dict(e) for e in events if e.type == "response.animation_blendshapes.delta"]
        assert shapes[0]["frame_index"] == 0
        assert shapes[1]["frame_index"] == len(shapes[0]["frames"])
        assert all(len(frame) == 55 for s in shapes for frame in s["frames"])
        assert max(frame[24] for s in shapes for frame in s["frames"]) > 0.1  # the jaw moves


async def test_no_transcript_scripted_uses_a_placeholder(emu: Emulator) -> None:
    async with client(emu) as conn:
        await stream(conn, await speech("anything at all"))
        events = await read_until(conn, "response.done")
        transcript = as_dict(next(e for e in events if e.type == "response.audio_transcript.done"))
        assert transcript["transcript"].startswith("You said: [")
        assert "seconds of speech]" in transcript["transcript"]


async def test_silence_never_triggers(scripted: Emulator) -> None:
    async with client(scripted) as conn:
        await stream(conn, silence(3000))
        await conn.send(InputAudioBufferClear())
        events = await read_until(conn, "input_audio_buffer.cleared")
        assert types(events) == ["input_audio_buffer.cleared"]


async def test_an_utterance_that_cannot_be_transcribed() -> None:
    scenario = {"pace": FAST_PACE, "utterances": [None]}
    async with Emulator(scenario=scenario) as emu, client(emu) as conn:
        transcription = RealtimeAudioInputTranscriptionSettings(model="whisper-1")
        await conn.send(
            SessionUpdate(session=RealtimeRequestSession(input_audio_transcription=transcription))
        )
        await read_until(conn, "session.updated")
        await stream(conn, await speech("mumble mumble"))
        events = await read_until(conn, "response.created")
        assert collapse(types(events)) == [
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
            "input_audio_buffer.committed",
            "conversation.item.created",
            "conversation.item.input_audio_transcription.failed",
            "response.created",
        ]
        failed = as_dict(events[4])
        assert failed["item_id"] == as_dict(events[3])["item"]["id"]
        assert failed["error"]["code"] == "audio_unintelligible"
        await read_until(conn, "response.done")


async def test_the_neural_vad_option() -> None:
    with pytest.raises(ValueError, match="vad must be"):
        Emulator(vad="psychic")
    scenario = {"pace": FAST_PACE, "utterances": [UTTERANCE]}
    async with Emulator(scenario=scenario, vad="micro") as emu, client(emu) as conn:
        await stream(conn, await speech(UTTERANCE, lead_ms=1000))
        events = await read_until(conn, "response.done")
        assert collapse(types(events))[:3] == [
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
            "input_audio_buffer.committed",
        ]
        started = as_dict(events[0])
        # speech begins at 1 s; the model needs a few frames to be sure, the padding moves it back
        assert 600 <= started["audio_start_ms"] <= 1400
