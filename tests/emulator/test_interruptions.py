"""Barge-in: speech during a response cancels it (turn_detected) and auto_truncate cuts the item."""

from __future__ import annotations

from voicelive.client import connect
from voicelive.events import ConversationItemCreate, ResponseCreate, SessionUpdate
from voicelive.models import (
    InputTextContentPart,
    RealtimeRequestSession,
    RequestMessageItem,
    ServerVAD,
)

from emulator import Emulator
from tests.emulator.helpers import as_dict, read_until, speech, stream, types

# Real-time audio: a reply lasts a few seconds, long enough to talk over.
REAL_TIME = {"pace": {"audio_speed": 1.0, "first_delta_delay_ms": 0, "delta_interval_ms": 0}}
LONG_REPLY = "This is a long answer that keeps going for quite a while so you can interrupt it."


async def test_speech_cancels_the_response_and_truncates_the_item() -> None:
    scenario = {**REAL_TIME, "default_reply": LONG_REPLY, "utterances": ["stop"]}
    async with Emulator(scenario=scenario) as emu:
        conn = await connect(emu.url, model="m")
        try:
            await conn.recv()
            vad = ServerVAD(auto_truncate=True, interrupt_response=True, silence_duration_ms=300)
            await conn.send(SessionUpdate(session=RealtimeRequestSession(turn_detection=vad)))
            await read_until(conn, "session.updated")
            item = RequestMessageItem(role="user", content=[InputTextContentPart(text="talk")])
            await conn.send(ConversationItemCreate(item=item))
            await conn.send(ResponseCreate())
            await read_until(conn, "response.audio.delta")
            await stream(conn, await speech("stop", lead_ms=0, tail_ms=0))
            events = await read_until(conn, "conversation.item.truncated")
            names = [n for n in types(events) if not n.startswith("response.audio")]
            assert names[-4:] == [
                "input_audio_buffer.speech_started",
                "response.output_item.done",
                "response.done",
                "conversation.item.truncated",
            ]
            done = as_dict(events[-2])["response"]
            assert done["status"] == "cancelled"
            assert done["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
            assert done["output"][0]["status"] == "incomplete"
            truncated = as_dict(events[-1])
            assert truncated["item_id"] == done["output"][0]["id"]
            assert truncated["content_index"] == 0
            # playback started with the first delta, well under a second ago
            assert 0 <= truncated["audio_end_ms"] < 1500
            session = emu.sessions[0]
            assert session.items.audio_ms[truncated["item_id"]] == truncated["audio_end_ms"]
            # the user's turn is still heard and answered afterwards
            events = await read_until(conn, "response.created")
            assert "input_audio_buffer.committed" in types(events)
        finally:
            await conn.close()


async def test_without_interrupt_response_the_reply_goes_on() -> None:
    scenario = {
        "pace": {"audio_speed": 3.0, "first_delta_delay_ms": 0, "delta_interval_ms": 0},
        "default_reply": "A short answer.",
        "utterances": ["hello"],
    }
    async with Emulator(scenario=scenario) as emu:
        conn = await connect(emu.url, model="m")
        try:
            await conn.recv()
            vad = ServerVAD(interrupt_response=False, silence_duration_ms=300)
            await conn.send(SessionUpdate(session=RealtimeRequestSession(turn_detection=vad)))
            await read_until(conn, "session.updated")
            item = RequestMessageItem(role="user", content=[InputTextContentPart(text="talk")])
            await conn.send(ConversationItemCreate(item=item))
            await conn.send(ResponseCreate())
            await read_until(conn, "response.audio.delta")
            await stream(conn, await speech("hello", lead_ms=0, tail_ms=0))
            events = await read_until(conn, "response.done")
            assert "input_audio_buffer.speech_started" in types(events)
            assert as_dict(events[-1])["response"]["status"] == "completed"
            assert "conversation.item.truncated" not in types(events)
        finally:
            await conn.close()
