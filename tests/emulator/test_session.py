"""session.update merging, inbound validation errors, and the avatar's signalling."""

from __future__ import annotations

import json

import pytest
from voicelive.client import VoiceLiveConnection
from voicelive.events import (
    ConversationItemRetrieve,
    SessionAvatarConnect,
    SessionUpdate,
)
from voicelive.models import (
    AzureSemanticVAD,
    FunctionTool,
    OpenAIVoice,
    RealtimeRequestSession,
    SemanticVAD,
    ServerVAD,
)

from emulator import Emulator
from tests.emulator.helpers import as_dict, read_until


async def send_raw(conn: VoiceLiveConnection, data: object) -> None:
    """Send a frame that the strict client would refuse to build."""
    await conn._ws.send_str(data if isinstance(data, str) else json.dumps(data))


async def test_session_update_merges_and_answers_updated(
    conn: VoiceLiveConnection, emu: Emulator
) -> None:
    await conn.send(
        SessionUpdate(
            session=RealtimeRequestSession(
                instructions="Be brief.",
                voice=OpenAIVoice(name="alloy"),
                output_audio_format="g711_ulaw",
            ),
            event_id="evt_1",
        )
    )
    (updated,) = await read_until(conn, "session.updated")
    session = as_dict(updated)["session"]
    assert session["instructions"] == "Be brief."
    assert session["voice"] == {"type": "openai", "name": "alloy"}
    assert session["output_audio_format"] == "g711_ulaw"
    assert session["input_audio_format"] == "pcm16"  # untouched fields stay
    assert session["turn_detection"]["type"] == "server_vad"
    # a second update merges on top of the first; turn_detection null disables VAD
    await conn._ws.send_str(
        json.dumps({"type": "session.update", "session": {"turn_detection": None}})
    )
    (updated,) = await read_until(conn, "session.updated")
    session = as_dict(updated)["session"]
    assert session["turn_detection"] is None
    assert session["instructions"] == "Be brief."
    assert session["output_audio_format"] == "g711_ulaw"
    assert emu.sessions[0].state.turn_detection is None
    assert [e.type for e in emu.sessions[0].received] == ["session.update", "session.update"]


@pytest.mark.parametrize(
    "turn_detection",
    [
        SemanticVAD(eagerness="high"),
        AzureSemanticVAD(threshold=0.3, silence_duration_ms=200, remove_filler_words=True),
        ServerVAD(threshold=0.7, auto_truncate=True),
    ],
)
async def test_all_turn_detection_types_are_accepted(
    conn: VoiceLiveConnection, turn_detection: object
) -> None:
    await conn.send(
        SessionUpdate(session=RealtimeRequestSession(turn_detection=turn_detection))  # type: ignore[arg-type]
    )
    (updated,) = await read_until(conn, "session.updated")
    tag = type(turn_detection).__struct_config__.tag  # type: ignore[attr-defined]
    assert as_dict(updated)["session"]["turn_detection"]["type"] == tag


async def _error(conn: VoiceLiveConnection) -> dict[str, object]:
    (event,) = await read_until(conn, "error")
    error = as_dict(event)["error"]
    assert error["type"] == "invalid_request_error"
    assert isinstance(error, dict)
    return error


@pytest.mark.parametrize(
    ("frame", "code", "param"),
    [
        ("{not json", "invalid_json", None),
        ({"type": "no.such.event", "event_id": "e1"}, "unknown_event_type", "type"),
        ({"event_id": "e1"}, "missing_required_parameter", "type"),
        (
            {"type": "conversation.item.retrieve", "event_id": "e1"},
            "missing_required_parameter",
            "item_id",
        ),
        (
            {"type": "session.update", "event_id": "e1", "session": {"temperature": "hot"}},
            "invalid_value",
            "session.temperature",
        ),
        (
            {
                "type": "session.update",
                "event_id": "e1",
                "session": {"turn_detection": {"type": "loud_vad"}},
            },
            "invalid_value",
            "session.turn_detection.type",
        ),
        (
            {"type": "session.update", "event_id": "e1", "session": {"colour": "red"}},
            "unknown_parameter",
            "session.colour",
        ),
        (
            {
                "type": "session.update",
                "event_id": "e1",
                "session": {"input_audio_sampling_rate": 44100},
            },
            "invalid_value",
            "session.input_audio_sampling_rate",
        ),
        (
            {
                "type": "session.update",
                "event_id": "e1",
                "session": {"turn_detection": {"type": "server_vad", "threshold": 1.5}},
            },
            "invalid_value",
            "session.turn_detection.threshold",
        ),
        (
            {"type": "input_audio_buffer.append", "event_id": "e1", "audio": "***"},
            "invalid_value",
            "audio",
        ),
        (
            {
                "type": "conversation.item.create",
                "event_id": "e1",
                "item": {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "input_text", "text": "x"}],
                },
            },
            "invalid_value",
            "item.content[0].type",
        ),
        (
            {
                "type": "session.update",
                "event_id": "e1",
                "session": {
                    "tools": [
                        {"type": "function", "name": "a", "description": "", "parameters": {}},
                        {"type": "function", "name": "a", "description": "", "parameters": {}},
                    ]
                },
            },
            "invalid_value",
            "session.tools[1]",
        ),
    ],
)
async def test_bad_events_get_an_error_and_the_session_stays(
    conn: VoiceLiveConnection, frame: object, code: str, param: str | None
) -> None:
    await send_raw(conn, frame)
    error = await _error(conn)
    assert error["code"] == code
    assert error.get("param") == param
    assert error["message"]
    if isinstance(frame, dict):
        assert error["event_id"] == "e1"
    else:
        assert "event_id" not in error
    # the session goes on: a valid event is still answered
    await conn.send(SessionUpdate(session=RealtimeRequestSession(instructions="still here")))
    (updated,) = await read_until(conn, "session.updated")
    assert as_dict(updated)["session"]["instructions"] == "still here"


async def test_retrieve_of_an_unknown_item_is_item_not_found(conn: VoiceLiveConnection) -> None:
    await conn.send(ConversationItemRetrieve(item_id="item_nope", event_id="r1"))
    error = await _error(conn)
    assert error == {
        "type": "invalid_request_error",
        "code": "item_not_found",
        "message": "Item with id 'item_nope' not found.",
        "param": "item_id",
        "event_id": "r1",
    }


async def test_tools_must_have_object_parameters(conn: VoiceLiveConnection) -> None:
    tool = FunctionTool(name="f", description="d", parameters={"type": "string"})
    await conn.send(SessionUpdate(session=RealtimeRequestSession(tools=[tool])))
    error = await _error(conn)
    assert error["param"] == "session.tools[0].parameters"


OFFER = (
    "v=0\r\no=- 46117317 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=recvonly\r\n"
    "a=rtpmap:96 H264/90000\r\n"
)


async def test_avatar_connect_answers_with_an_sdp_answer(conn: VoiceLiveConnection) -> None:
    await conn.send(SessionAvatarConnect(client_sdp=OFFER))
    (event,) = await read_until(conn, "session.avatar.connecting")
    sdp = as_dict(event)["server_sdp"]
    lines = sdp.split("\r\n")
    assert lines[0] == "v=0"
    assert "a=group:BUNDLE 0 1" in lines
    assert [line.split()[0] for line in lines if line.startswith("m=")] == ["m=audio", "m=video"]
    assert lines.count("a=sendonly") == 2  # the offer's recvonly, mirrored
    assert any(line.startswith("a=fingerprint:sha-256 ") for line in lines)
    assert any(line.startswith("a=ice-ufrag:") for line in lines)
    assert "a=rtpmap:111 opus/48000/2" in lines
    await conn.send(SessionAvatarConnect(client_sdp="hello", event_id="a1"))
    error = await _error(conn)
    assert (error["code"], error["param"], error["event_id"]) == (
        "invalid_value",
        "client_sdp",
        "a1",
    )
