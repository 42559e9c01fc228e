"""Text turns, the item store (retrieve, delete, truncate), response.create and response.cancel."""

from __future__ import annotations

import pytest
from voicelive.audio import b64decode, b64encode
from voicelive.client import VoiceLiveConnection, connect
from voicelive.events import (
    ConversationItemCreate,
    ConversationItemDelete,
    ConversationItemRetrieve,
    ConversationItemTruncate,
    ResponseCancel,
    ResponseCreate,
    SessionUpdate,
)
from voicelive.models import (
    InputAudioContentPart,
    InputTextContentPart,
    OutputTextContentPart,
    RealtimeRequestSession,
    RealtimeResponseOptions,
    RequestMessageItem,
)

from emulator import Emulator
from tests.emulator.conftest import FAST_PACE
from tests.emulator.helpers import as_dict, collapse, read_until, types


def user_text(text: str, item_id: str | None = None) -> ConversationItemCreate:
    item = RequestMessageItem(role="user", content=[InputTextContentPart(text=text)])
    if item_id:
        item.id = item_id
    return ConversationItemCreate(item=item)


AUDIO_TURN = [
    "response.created",
    "rate_limits.updated",
    "response.output_item.added",
    "conversation.item.created",
    "response.content_part.added",
    "response.audio_transcript.delta",
    "response.audio.delta",
    "response.audio_transcript.delta",
    "response.audio.delta",
]
AUDIO_TAIL = [
    "response.audio.done",
    "response.audio_transcript.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.done",
]


async def test_text_in_spoken_reply_out(conn: VoiceLiveConnection, emu: Emulator) -> None:
    await conn.send(user_text("hello there", "item_user1"))
    (created,) = await read_until(conn, "conversation.item.created")
    assert as_dict(created)["item"] == {
        "id": "item_user1",
        "type": "message",
        "object": "conversation.item",
        "role": "user",
        "content": [{"type": "input_text", "text": "hello there"}],
        "status": "completed",
    }
    await conn.send(ResponseCreate())
    events = await read_until(conn, "response.done")
    names = collapse(types(events))
    assert names[: len(AUDIO_TURN)] == AUDIO_TURN
    assert names[-len(AUDIO_TAIL) :] == AUDIO_TAIL
    data = [as_dict(e) for e in events]
    response_id = data[0]["response"]["id"]
    assert data[0]["response"]["status"] == "in_progress"
    assert data[0]["response"]["output"] == []
    item_id = data[2]["item"]["id"]
    assert data[2]["item"]["status"] == "in_progress"
    assert data[3]["previous_item_id"] == "item_user1"
    for d in data[2:]:
        if "response_id" in d:
            assert d["response_id"] == response_id
        if "item_id" in d:
            assert d["item_id"] == item_id
    transcript = "".join(d["delta"] for d in data if d["type"] == "response.audio_transcript.delta")
    assert transcript == "You said: hello there"
    audio = b"".join(b64decode(d["delta"]) for d in data if d["type"] == "response.audio.delta")
    assert len(audio) > 24000  # more than half a second of 24 kHz PCM16 speech
    done = data[-1]["response"]
    assert done["status"] == "completed"
    assert done["output"][0]["content"] == [{"type": "audio", "transcript": transcript}]
    assert done["output"][0]["status"] == "completed"
    assert done["usage"]["total_tokens"] == (
        done["usage"]["input_tokens"] + done["usage"]["output_tokens"]
    )
    assert data[-2]["item"]["id"] == item_id
    assert emu.sessions[0].items.ids() == ["item_user1", item_id]


async def test_text_modality_gives_text_deltas(conn: VoiceLiveConnection) -> None:
    await conn.send(SessionUpdate(session=RealtimeRequestSession(modalities=["text"])))
    await read_until(conn, "session.updated")
    await conn.send(user_text("what is up"))
    await read_until(conn, "conversation.item.created")
    await conn.send(ResponseCreate())
    events = await read_until(conn, "response.done")
    assert collapse(types(events)) == [
        "response.created",
        "rate_limits.updated",
        "response.output_item.added",
        "conversation.item.created",
        "response.content_part.added",
        "response.text.delta",
        "response.text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.done",
    ]
    data = [as_dict(e) for e in events]
    deltas = [d["delta"] for d in data if d["type"] == "response.text.delta"]
    assert all(len(d) <= FAST_PACE["text_delta_chars"] for d in deltas)
    assert "".join(deltas) == "You said: what is up"
    assert data[4]["part"] == {"type": "text", "text": ""}
    assert data[-3]["part"] == {"type": "text", "text": "You said: what is up"}
    assert data[-1]["response"]["modalities"] == ["text"]


async def test_response_options_override_and_out_of_band(
    conn: VoiceLiveConnection, emu: Emulator
) -> None:
    await conn.send(user_text("ping"))
    await read_until(conn, "conversation.item.created")
    options = RealtimeResponseOptions(modalities=["text"], conversation="none")
    await conn.send(ResponseCreate(response=options))
    events = await read_until(conn, "response.done")
    assert "conversation.item.created" not in types(events)
    assert "response.text.delta" in types(events)
    assert len(emu.sessions[0].items) == 1  # the reply stayed out of the conversation


async def test_retrieve_delete_and_unknown_ids(conn: VoiceLiveConnection) -> None:
    await conn.send(user_text("one", "item_a"))
    await conn.send(user_text("two", "item_b"))
    await read_until(conn, "conversation.item.created")
    (second,) = await read_until(conn, "conversation.item.created")
    assert as_dict(second)["previous_item_id"] == "item_a"
    await conn.send(ConversationItemRetrieve(item_id="item_a"))
    (retrieved,) = await read_until(conn, "conversation.item.retrieved")
    assert as_dict(retrieved)["item"]["content"] == [{"type": "input_text", "text": "one"}]
    await conn.send(ConversationItemDelete(item_id="item_a"))
    (deleted,) = await read_until(conn, "conversation.item.deleted")
    assert as_dict(deleted)["item_id"] == "item_a"
    for event in (
        ConversationItemRetrieve(item_id="item_a", event_id="x1"),
        ConversationItemDelete(item_id="item_a", event_id="x2"),
        ConversationItemTruncate(item_id="item_a", content_index=0, audio_end_ms=0, event_id="x3"),
    ):
        await conn.send(event)
        (error,) = await read_until(conn, "error")
        details = as_dict(error)["error"]
        assert (details["code"], details["param"], details["event_id"]) == (
            "item_not_found",
            "item_id",
            event.event_id,
        )
    # an item id that exists already, and a previous_item_id that does not
    await conn.send(user_text("again", "item_b"))
    (error,) = await read_until(conn, "error")
    assert as_dict(error)["error"]["param"] == "item.id"
    create = user_text("after nothing")
    create.previous_item_id = "item_zzz"
    await conn.send(create)
    (error,) = await read_until(conn, "error")
    assert as_dict(error)["error"]["code"] == "item_not_found"
    assert as_dict(error)["error"]["param"] == "previous_item_id"


async def test_truncate_cuts_assistant_audio(conn: VoiceLiveConnection, emu: Emulator) -> None:
    await conn.send(user_text("tell me something long enough"))
    await conn.send(ResponseCreate())
    events = await read_until(conn, "response.done")
    item = as_dict(events[-1])["response"]["output"][0]
    audio_ms = emu.sessions[0].items.audio_ms[item["id"]]
    assert audio_ms > 500
    await conn.send(
        ConversationItemTruncate(
            item_id=item["id"], content_index=0, audio_end_ms=int(audio_ms) + 50, event_id="t1"
        )
    )
    (error,) = await read_until(conn, "error")
    assert as_dict(error)["error"]["code"] == "invalid_audio_end_ms"
    assert as_dict(error)["error"]["param"] == "audio_end_ms"
    await conn.send(ConversationItemTruncate(item_id=item["id"], content_index=0, audio_end_ms=300))
    (truncated,) = await read_until(conn, "conversation.item.truncated")
    assert as_dict(truncated) | {"event_id": ""} == {
        "type": "conversation.item.truncated",
        "event_id": "",
        "item_id": item["id"],
        "content_index": 0,
        "audio_end_ms": 300,
    }
    assert emu.sessions[0].items.audio_ms[item["id"]] == 300
    stored = emu.sessions[0].items.get(item["id"])
    assert stored is not None
    assert len(stored.content[0].transcript) < len(item["content"][0]["transcript"])  # type: ignore[union-attr]
    # a user item has no audio to truncate
    user_id = emu.sessions[0].items.ids()[0]
    await conn.send(ConversationItemTruncate(item_id=user_id, content_index=0, audio_end_ms=0))
    (error,) = await read_until(conn, "error")
    assert as_dict(error)["error"]["code"] == "invalid_value"


async def test_cancel_and_one_response_at_a_time() -> None:
    slow = {"pace": {"audio_speed": 1.0, "first_delta_delay_ms": 0, "delta_interval_ms": 0}}
    async with Emulator(scenario=slow) as emu:
        conn = await connect(emu.url, model="m")
        await conn.recv()
        await conn.send(ResponseCancel(event_id="c0"))
        (error,) = await read_until(conn, "error")
        assert as_dict(error)["error"]["code"] == "response_cancel_not_active"
        assert as_dict(error)["error"]["event_id"] == "c0"
        await conn.send(user_text("a long story please"))
        await conn.send(ResponseCreate())
        await read_until(conn, "response.audio.delta")
        await conn.send(ResponseCreate(event_id="c1"))
        (error,) = await read_until(conn, "error")
        assert as_dict(error)["error"]["code"] == "conversation_already_has_active_response"
        await conn.send(ResponseCancel())
        events = await read_until(conn, "response.done")
        assert types(events)[-2:] == ["response.output_item.done", "response.done"]
        done = as_dict(events[-1])["response"]
        assert done["status"] == "cancelled"
        assert done["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
        assert done["output"][0]["status"] == "incomplete"
        # a new response may start at once
        await conn.send(ResponseCreate(response=RealtimeResponseOptions(modalities=["text"])))
        events = await read_until(conn, "response.done")
        assert as_dict(events[-1])["response"]["status"] == "completed"
        await conn.close()


@pytest.mark.parametrize(
    "fmt", ["pcm16", "pcm16_8000hz", "pcm16_16000hz", "g711_ulaw", "g711_alaw"]
)
async def test_reply_audio_in_every_output_format(conn: VoiceLiveConnection, fmt: str) -> None:
    await conn.send(SessionUpdate(session=RealtimeRequestSession(output_audio_format=fmt)))  # type: ignore[arg-type]
    await read_until(conn, "session.updated")
    await conn.send(user_text("format check"))
    await conn.send(ResponseCreate())
    events = await read_until(conn, "response.done")
    audio = b"".join(
        b64decode(as_dict(e)["delta"]) for e in events if e.type == "response.audio.delta"
    )
    bytes_per_second = {
        "pcm16": 48000,
        "pcm16_8000hz": 16000,
        "pcm16_16000hz": 32000,
        "g711_ulaw": 8000,
        "g711_alaw": 8000,
    }[fmt]
    seconds = len(audio) / bytes_per_second
    assert 1.0 < seconds < 4.0  # "You said: format check" spoken by espeak-ng
    assert as_dict(events[-1])["response"]["output_audio_format"] == fmt


async def test_items_with_audio_and_placement(conn: VoiceLiveConnection, emu: Emulator) -> None:
    """A user audio item gets the next scripted transcript; previous_item_id places an item."""
    emu.set_scenario({"pace": FAST_PACE, "utterances": ["from an audio item"]})
    audio_item = RequestMessageItem(
        role="user",
        content=[InputAudioContentPart(audio=b64encode(bytes(4800)))],
        id="item_audio",
    )
    await conn.send(ConversationItemCreate(item=audio_item))
    (created,) = await read_until(conn, "conversation.item.created")
    assert as_dict(created)["item"]["content"] == [
        {"type": "input_audio", "transcript": "from an audio item"}
    ]
    # a system message placed before it (previous_item_id "" is the start of the conversation)
    system = RequestMessageItem(
        role="system", content=[InputTextContentPart(text="be kind")], id="item_sys"
    )
    await conn.send(ConversationItemCreate(item=system, previous_item_id=""))
    await read_until(conn, "conversation.item.created")
    middle = RequestMessageItem(
        role="assistant", content=[OutputTextContentPart(text="earlier answer")]
    )
    await conn.send(ConversationItemCreate(item=middle, previous_item_id="item_sys"))
    (placed,) = await read_until(conn, "conversation.item.created")
    assert as_dict(placed)["previous_item_id"] == "item_sys"
    ids = emu.sessions[0].items.ids()
    assert ids[0] == "item_sys" and ids[2] == "item_audio"
    await conn.send(ResponseCreate(response=RealtimeResponseOptions(modalities=["text"])))
    events = await read_until(conn, "response.done")
    text = next(e for e in events if e.type == "response.text.done")
    assert as_dict(text)["text"] == "You said: from an audio item"
    bad = RequestMessageItem(role="user", content=[InputAudioContentPart(audio="%%%")])
    await conn.send(ConversationItemCreate(item=bad, event_id="bad1"))
    (error,) = await read_until(conn, "error")
    assert as_dict(error)["error"]["param"] == "item.content[0].audio"
