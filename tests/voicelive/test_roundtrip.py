"""Exact round trips, the lenient reader, and strict validation of what we send.

Parse then `to_dict` / `serialize_event` gives back the same JSON object: an absent field stays
absent, nothing is added, ints stay ints and floats stay floats. The lenient reader keeps what the
schema lacks (fields at any depth, unknown event types, values that do not fit an optional field)
and puts it back on re-serialization.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
import pytest
from voicelive import ProtocolError, UnknownEvent
from voicelive.codec import (
    _struct_candidates,
    parse_client_event,
    parse_event,
    parse_server_event,
    serialize_event,
    to_dict,
    validate_event,
)
from voicelive.events import (
    ConversationItemCreate,
    ConversationItemTruncate,
    ErrorEvent,
    InputAudioBufferAppend,
    ResponseAudioDelta,
    ResponseCreate,
    ResponseFunctionCallArgumentsDone,
    SessionUpdate,
)
from voicelive.models import (
    AzureDeepNoiseSuppression,
    ErrorEventDetails,
    FunctionTool,
    InputTextContentPart,
    OpenAIVoice,
    RealtimeRequestSession,
    RealtimeResponseOptions,
    RequestMessageItem,
    SemanticVAD,
    ServerEchoCancellation,
    ServerVAD,
)

from .examples import CLIENT_EXAMPLES, SERVER_EXAMPLES, example_ids
from .helpers import assert_same_json, encode, get_at, walk_models

ALL = [("client", e) for e in CLIENT_EXAMPLES] + [("server", e) for e in SERVER_EXAMPLES]
ALL_IDS = example_ids(CLIENT_EXAMPLES) + example_ids(SERVER_EXAMPLES)


def decode(data: bytes) -> Any:
    return msgspec.json.decode(data)


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
@pytest.mark.parametrize(("side", "example"), ALL, ids=ALL_IDS)
def test_parse_then_serialize_gives_back_the_same_json(
    side: str, example: dict[str, Any], strict: bool
) -> None:
    event = parse_event(encode(example), side, strict=strict)  # type: ignore[arg-type]
    assert not isinstance(event, UnknownEvent)
    assert_same_json(to_dict(event), example)
    assert_same_json(decode(serialize_event(event)), example)
    assert_same_json(decode(serialize_event(event, validate=False)), example)


@pytest.mark.parametrize(
    ("path", "value", "text"),
    [
        (("session", "temperature"), 1, b'"temperature":1}'),
        (("session", "temperature"), 1.0, b'"temperature":1.0}'),
        (("session", "temperature"), 0.1, b'"temperature":0.1}'),
        (("session", "temperature"), 1e-7, b'"temperature":1e-7}'),
        (("session", "turn_detection", "threshold"), 0, b'"threshold":0}'),
        (("session", "turn_detection", "threshold"), 0.0, b'"threshold":0.0}'),
        (("session", "max_response_output_tokens"), 4096, b'"max_response_output_tokens":4096'),
        (("session", "max_response_output_tokens"), "inf", b'"max_response_output_tokens":"inf"'),
    ],
)
def test_numbers_keep_their_kind_and_value(path: tuple[str, ...], value: Any, text: bytes) -> None:
    data: dict[str, Any] = {
        "type": "session.update",
        "session": {"turn_detection": {"type": "server_vad"}, "temperature": 0.5},
    }
    get_at(data, path[:-1])[path[-1]] = value
    event = parse_client_event(encode(data))
    out = serialize_event(event)  # type: ignore[arg-type]
    assert text in out
    assert_same_json(decode(out), data)
    assert_same_json(to_dict(event), data)


def test_absent_stays_absent_and_null_stays_null() -> None:
    event = parse_client_event(b'{"type":"session.update","session":{"turn_detection":null}}')
    assert serialize_event(event) == b'{"type":"session.update","session":{"turn_detection":null}}'  # type: ignore[arg-type]
    event = parse_client_event(b'{"type":"response.create"}')
    assert serialize_event(event) == b'{"type":"response.create"}'  # type: ignore[arg-type]


# --- Lenient reading ----------------------------------------------------------------------------


@pytest.mark.parametrize(("side", "example"), ALL, ids=ALL_IDS)
def test_lenient_keeps_unknown_fields_at_every_depth(side: str, example: dict[str, Any]) -> None:
    event = parse_event(encode(example), side)  # type: ignore[arg-type]
    nodes = list(walk_models(event, example))
    extended = copy.deepcopy(example)
    for index, (_, _, path) in enumerate(nodes):
        get_at(extended, path)[f"x_future_{index}"] = {"nested": [index, 1.5, None, True]}
    lenient = parse_event(encode(extended), side, strict=False)  # type: ignore[arg-type]
    assert type(lenient) is type(event)
    assert lenient == event  # the typed fields are the same
    assert_same_json(to_dict(lenient), extended)
    assert_same_json(decode(serialize_event(lenient, validate=False)), extended)  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match="fields that the schema lacks"):
        serialize_event(lenient)  # type: ignore[arg-type]
    # Each kept field also survives one at a time (a single extra deep inside).
    for index, (_, _, path) in enumerate(nodes):
        one = copy.deepcopy(example)
        get_at(one, path)["x_one"] = index
        kept = parse_event(encode(one), side, strict=False)  # type: ignore[arg-type]
        assert_same_json(to_dict(kept), one)


def test_lenient_passes_on_the_name_of_function_call_arguments_done() -> None:
    data = {
        "type": "response.function_call_arguments.done",
        "event_id": "evt_1",
        "response_id": "resp_1",
        "item_id": "item_1",
        "output_index": 0,
        "call_id": "call_1",
        "arguments": '{"name": "kitchen"}',
        "name": "HassTurnOn",
    }
    with pytest.raises(ProtocolError) as info:
        parse_server_event(encode(data))
    assert info.value.path == "name"
    event = parse_server_event(encode(data), strict=False)
    assert isinstance(event, ResponseFunctionCallArgumentsDone)
    assert event.call_id == "call_1"
    assert event.arguments == '{"name": "kitchen"}'
    assert_same_json(to_dict(event), data)
    assert_same_json(decode(serialize_event(event, validate=False)), data)


@pytest.mark.parametrize("side", ["client", "server"])
def test_lenient_passes_on_unknown_event_types(side: str) -> None:
    data = {"type": "warning", "event_id": "evt_w", "warning": {"message": "slow", "n": 1.0}}
    event = parse_event(encode(data), side, strict=False)  # type: ignore[arg-type]
    assert isinstance(event, UnknownEvent)
    assert event.type == "warning"
    assert event.problem is None
    assert event.raw == data
    assert event == UnknownEvent(copy.deepcopy(data))
    assert event != data
    assert "warning" in repr(event)
    assert_same_json(to_dict(event), data)
    assert_same_json(decode(serialize_event(event, validate=False)), data)
    with pytest.raises(ProtocolError) as info:
        serialize_event(event)
    assert info.value.path == "type"
    with pytest.raises(TypeError):
        hash(event)


# Server event types that the official SDK (azure-ai-voicelive 1.3.1) knows and the schema lacks:
# the live service may send any of them, and a client must pass them on.
SDK_ONLY_SERVER_TYPES = [
    "output_audio_buffer.cleared",
    "response.audio_transcript.annotation.added",
    "response.file_search_call.completed",
    "response.invocation.delta",
    "response.video.delta",
    "response.web_search_call.searching",
    "session.avatar.switch_to_idle",
    "session.avatar.switch_to_speaking",
    "warning",
]


@pytest.mark.parametrize("event_type", SDK_ONLY_SERVER_TYPES)
def test_lenient_passes_on_event_types_beyond_the_schema(event_type: str) -> None:
    data = {"type": event_type, "event_id": "evt_9", "item_id": "i", "delta": {"n": [1, 2.5]}}
    with pytest.raises(ProtocolError):
        parse_server_event(encode(data))
    event = parse_server_event(encode(data), strict=False)
    assert isinstance(event, UnknownEvent) and event.type == event_type
    assert_same_json(decode(serialize_event(event, validate=False)), data)


@pytest.mark.parametrize(
    ("side", "data", "unset_path"),
    [
        # a value outside an enumeration of an optional field: kept aside, field left unset
        (
            "server",
            {
                "type": "response.done",
                "response": {"id": "r", "status": "paused", "voice": {"type": "openai-v2"}},
            },
            ("response", "status"),
        ),
        (
            "client",
            {"type": "session.update", "session": {"input_audio_format": "opus", "model": "m"}},
            ("session", "input_audio_format"),
        ),
        # an unknown union variant in a list: the whole optional list is kept aside
        (
            "client",
            {
                "type": "session.update",
                "session": {"tools": [{"type": "code_interpreter"}], "instructions": "hi"},
            },
            ("session", "tools"),
        ),
        # a null where the schema has none
        (
            "server",
            {
                "type": "conversation.item.created",
                "previous_item_id": None,
                "item": {
                    "id": "i",
                    "type": "message",
                    "object": "conversation.item",
                    "role": "user",
                    "content": [{"type": "input_audio", "transcript": None}],
                    "status": "completed",
                },
            },
            ("previous_item_id",),
        ),
    ],
)
def test_lenient_keeps_values_that_do_not_fit_an_optional_field(
    side: str, data: dict[str, Any], unset_path: tuple[str, ...]
) -> None:
    with pytest.raises(ProtocolError):
        parse_event(encode(data), side)  # type: ignore[arg-type]
    event = parse_event(encode(data), side, strict=False)  # type: ignore[arg-type]
    assert not isinstance(event, UnknownEvent)
    holder: Any = event
    for name in unset_path[:-1]:
        holder = getattr(holder, name)
    assert getattr(holder, unset_path[-1]) is msgspec.UNSET  # the typed field is left unset
    assert_same_json(to_dict(event), data)
    assert_same_json(decode(serialize_event(event, validate=False)), data)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"type": "response.audio.delta", "delta": "AA"}, "missing required field `response_id`"),
        (
            {"type": "error", "error": {"code": 5, "message": "m"}},
            "required field `error` does not fit",
        ),
        (
            {
                "type": "conversation.item.created",
                "item": {"id": "i", "type": "reasoning", "summary": []},
            },
            "required field `item` does not fit",
        ),
        (
            {
                "type": "conversation.item.created",
                "item": {
                    "id": "i",
                    "type": "message",
                    "object": "conversation.item",
                    "role": "system",
                    "content": [{"type": "audio"}],
                    "status": "completed",
                },
            },
            "a system message takes content",
        ),
    ],
)
def test_lenient_turns_a_known_type_that_does_not_fit_into_an_unknown_event(
    data: dict[str, Any], problem: str
) -> None:
    event = parse_server_event(encode(data), strict=False)
    assert isinstance(event, UnknownEvent)
    assert event.type == data["type"]
    assert event.problem is not None and problem in event.problem
    assert "problem=" in repr(event)
    assert_same_json(decode(serialize_event(event, validate=False)), data)


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (b"not json", ""),
        (b"[1, 2]", ""),
        (b'"text"', ""),
        (b"{}", "type"),
        (b'{"type": 7}', "type"),
        (b"[" * 100_000, ""),
        ("\udcff{}", ""),
    ],
)
@pytest.mark.parametrize("side", ["client", "server"])
def test_lenient_still_refuses_what_is_no_event(side: str, data: bytes | str, path: str) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_event(data, side, strict=False)  # type: ignore[arg-type]
    assert info.value.path == path


def test_lenient_client_reading_keeps_unknown_fields() -> None:
    data = {"type": "input_audio_buffer.append", "audio": "AAAA", "x_seq": 7}
    event = parse_client_event(encode(data), strict=False)
    assert isinstance(event, InputAudioBufferAppend)
    assert_same_json(to_dict(event), data)


def test_lenient_event_equal_to_strict_one_without_extras() -> None:
    data = {"type": "input_audio_buffer.speech_started", "audio_start_ms": 5, "item_id": "i"}
    assert parse_server_event(encode(data), strict=False) == parse_server_event(encode(data))


# --- Strict validation of what we send ----------------------------------------------------------


def test_events_built_in_code_serialize_to_the_exact_json() -> None:
    event = SessionUpdate(
        session=RealtimeRequestSession(
            voice=OpenAIVoice(name="alloy"),
            input_audio_noise_reduction=AzureDeepNoiseSuppression(),
            input_audio_echo_cancellation=ServerEchoCancellation(),
            turn_detection=ServerVAD(threshold=0.5, silence_duration_ms=500),
            tools=[FunctionTool(name="f", description="d", parameters={"type": "object"})],
            tool_choice="auto",
            temperature=0.8,
        )
    )
    assert decode(serialize_event(event)) == {
        "type": "session.update",
        "session": {
            "voice": {"type": "openai", "name": "alloy"},
            "input_audio_noise_reduction": {"type": "azure_deep_noise_suppression"},
            "input_audio_echo_cancellation": {"type": "server_echo_cancellation"},
            "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500},
            "tools": [
                {
                    "type": "function",
                    "name": "f",
                    "description": "d",
                    "parameters": {"type": "object"},
                }
            ],
            "tool_choice": "auto",
            "temperature": 0.8,
        },
    }
    validate_event(event)
    assert to_dict(event.session)["voice"] == {"type": "openai", "name": "alloy"}
    item = ConversationItemCreate(
        item=RequestMessageItem(role="user", content=[InputTextContentPart(text="hi")])
    )
    assert decode(serialize_event(item)) == {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "hi"}],
        },
    }


@pytest.mark.parametrize(
    ("event", "path"),
    [
        (InputAudioBufferAppend(audio=123), "audio"),  # type: ignore[arg-type]
        (InputAudioBufferAppend(audio="AA", event_id=None), "event_id"),  # type: ignore[arg-type]
        (ConversationItemTruncate(item_id="i", content_index="0", audio_end_ms=5), "content_index"),  # type: ignore[arg-type]
        (ConversationItemTruncate(item_id="i", content_index=0, audio_end_ms=True), "audio_end_ms"),
        (
            SessionUpdate(session=RealtimeRequestSession(input_audio_format="opus")),  # type: ignore[arg-type]
            "session.input_audio_format",
        ),
        (
            SessionUpdate(session=RealtimeRequestSession(turn_detection=ServerVAD(threshold="hi"))),  # type: ignore[arg-type]
            "session.turn_detection.threshold",
        ),
        (
            SessionUpdate(session=RealtimeRequestSession(voice=ServerVAD())),  # type: ignore[arg-type]
            "session.voice.type",
        ),
        (
            SessionUpdate(session=RealtimeRequestSession(tools=[OpenAIVoice(name="echo")])),  # type: ignore[list-item]
            "session.tools[0].type",
        ),
        (
            SessionUpdate(session=RealtimeRequestSession(temperature=float("nan"))),
            "session.temperature",
        ),
        (
            SessionUpdate(session=RealtimeRequestSession(tool_choice="sometimes")),  # type: ignore[arg-type]
            "session.tool_choice",
        ),
        (
            ResponseCreate(response=RealtimeResponseOptions(modalities=["avatar"])),
            "response.modalities[0]",
        ),  # type: ignore[list-item]
        (
            ResponseAudioDelta(
                response_id="r", item_id="i", output_index=-0.5, content_index=0, delta=""
            ),  # type: ignore[arg-type]
            "output_index",
        ),
        (ErrorEvent(error=ErrorEventDetails(code="c", message=None)), "error.message"),  # type: ignore[arg-type]
    ],
)
def test_serialize_refuses_a_wrong_value_built_in_code(event: Any, path: str) -> None:
    with pytest.raises(ProtocolError) as info:
        serialize_event(event)
    assert info.value.path == path
    with pytest.raises(ProtocolError):
        validate_event(event)
    serialize_event(event, validate=False)  # forwarding does not check


def test_building_a_message_that_breaks_its_role_fails_at_once() -> None:
    with pytest.raises(ValueError, match="takes no `id`"):
        RequestMessageItem(role="assistant", id="x", content=[])
    with pytest.raises(ValueError, match="takes content of type"):
        RequestMessageItem(
            role="system", content=[InputTextContentPart(text="a"), OpenAIVoice(name="ash")]
        )  # type: ignore[list-item]


type _Alias = ServerVAD | SemanticVAD


def test_lenient_rebuild_sees_through_type_aliases() -> None:
    """A `type X = ...` alias in a model's annotation is unwrapped to its member models."""
    assert _struct_candidates(_Alias | None) == [ServerVAD, SemanticVAD]
    assert _struct_candidates(int | str) == []


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            {
                "type": "error",
                "event_id": "event_1",
                "error": {"type": "server_error", "code": None, "message": "boom", "param": None},
            },
            "error.code",
        ),
        (
            {"type": "input_audio_buffer.committed", "previous_item_id": None, "item_id": "i1"},
            "previous_item_id",
        ),
    ],
)
def test_lenient_reads_the_services_null_in_a_required_string(
    raw: dict[str, Any], field: str
) -> None:
    """The live service sends these nulls; lenient reading types the event and keeps the null."""
    data = json.dumps(raw).encode()
    with pytest.raises(ProtocolError):
        parse_server_event(data)  # strict: the schema has a string here
    event = parse_server_event(data, strict=False)
    assert not isinstance(event, UnknownEvent)
    holder: Any = event
    *parents, name = field.split(".")
    for parent in parents:
        holder = getattr(holder, parent)
    assert getattr(holder, name) == ""
    assert to_dict(event) == raw
    assert json.loads(serialize_event(event, validate=False)) == raw
