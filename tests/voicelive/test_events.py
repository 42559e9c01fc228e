"""Every event of both sides, valid and invalid, read strictly.

The examples are walked beside their parsed models, so each check runs at every depth: each
required field removed, each field given a value of the wrong JSON type, an unknown field added to
each object; the `ProtocolError` must name the exact JSON path.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from voicelive import CLIENT_EVENTS, SERVER_EVENTS, ProtocolError, models
from voicelive.codec import parse_client_event, parse_event, parse_strict_client_event
from voicelive.events import CLIENT_EVENT_CLASSES, SERVER_EVENT_CLASSES, ClientEvent, ServerEvent
from voicelive.models import Model

from .examples import CLIENT_EXAMPLES, SERVER_EXAMPLES, example_ids
from .helpers import encode, get_at, path_str, walk_models

ALL = [("client", e) for e in CLIENT_EXAMPLES] + [("server", e) for e in SERVER_EXAMPLES]
ALL_IDS = example_ids(CLIENT_EXAMPLES) + example_ids(SERVER_EXAMPLES)


def strict(side: str, data: Any) -> ClientEvent | ServerEvent:
    event = parse_event(encode(data), side, strict=True)  # type: ignore[arg-type]
    assert isinstance(event, ClientEvent | ServerEvent)
    return event


def refused(side: str, data: Any) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        parse_event(encode(data), side)  # type: ignore[arg-type]
    return info.value


def test_every_type_has_an_example() -> None:
    assert {e["type"] for e in CLIENT_EXAMPLES} == set(CLIENT_EVENTS)
    assert {e["type"] for e in SERVER_EXAMPLES} == set(SERVER_EVENTS)


def test_the_examples_use_every_model_and_every_optional_field() -> None:
    """So that the walks below reach every class and every field of the schema."""
    seen_classes: set[type[Model]] = set()
    seen_fields: set[tuple[type[Model], str]] = set()
    for side, example in ALL:
        for obj, data, _ in walk_models(strict(side, example), example):
            seen_classes.add(type(obj))
            seen_fields.update((type(obj), key) for key in data)
    model_classes = {
        cls
        for cls in vars(models).values()
        if isinstance(cls, type)
        and issubclass(cls, Model)
        and cls is not Model
        and not cls.__name__.startswith("_")
    }
    event_classes = set(CLIENT_EVENT_CLASSES) | set(SERVER_EVENT_CLASSES)
    assert model_classes | event_classes <= seen_classes, (model_classes | event_classes) - (
        seen_classes
    )
    missing = {
        f"{cls.__name__}.{info.encode_name}"
        for cls in seen_classes
        for info in msgspec.structs.fields(cls)
        if (cls, info.encode_name) not in seen_fields and info.name != "event_id"
    }
    assert not missing


@pytest.mark.parametrize(("side", "example"), ALL, ids=ALL_IDS)
def test_every_event_takes_an_optional_string_event_id(side: str, example: dict[str, Any]) -> None:
    with_id = {**example, "event_id": "evt_123"}
    assert strict(side, with_id).event_id == "evt_123"
    without = {k: v for k, v in example.items() if k != "event_id"}
    assert strict(side, without).event_id is msgspec.UNSET
    assert refused(side, {**example, "event_id": 123}).path == "event_id"


@pytest.mark.parametrize(("side", "example"), ALL, ids=ALL_IDS)
def test_valid_example_parses_to_its_class(side: str, example: dict[str, Any]) -> None:
    event = strict(side, example)
    registry = CLIENT_EVENTS if side == "client" else SERVER_EVENTS
    assert type(event) is registry[example["type"]]
    assert event.type == example["type"]
    if side == "client":
        assert parse_strict_client_event(encode(example)) == event
        assert parse_client_event(encode(example).decode()) == event  # str input as well
    # An event is never valid on the other side (no type is shared).
    other = "server" if side == "client" else "client"
    assert refused(other, example).path == "type"


@pytest.mark.parametrize(("side", "example"), ALL, ids=ALL_IDS)
def test_missing_each_required_field_is_refused_at_its_path(
    side: str, example: dict[str, Any]
) -> None:
    checked = 0
    for obj, _, path in walk_models(strict(side, example), example):
        for info in msgspec.structs.fields(obj):
            if not info.required:
                continue
            broken = copy.deepcopy(example)
            del get_at(broken, path)[info.encode_name]
            error = refused(side, broken)
            assert error.path == path_str((*path, info.encode_name))
            assert "missing required field" in error.reason
            checked += 1
        tag_field = obj.__struct_config__.tag_field
        if tag_field is not None:
            broken = copy.deepcopy(example)
            del get_at(broken, path)[tag_field]
            error = refused(side, broken)
            assert error.path == path_str((*path, tag_field))
            checked += 1
    assert checked


@pytest.mark.parametrize(("side", "example"), ALL, ids=ALL_IDS)
def test_each_optional_field_may_be_left_out(side: str, example: dict[str, Any]) -> None:
    for obj, data, path in walk_models(strict(side, example), example):
        for info in msgspec.structs.fields(obj):
            if info.required or info.encode_name not in data:
                continue
            trimmed = copy.deepcopy(example)
            del get_at(trimmed, path)[info.encode_name]
            event = strict(side, trimmed)
            assert msgspec.json.decode(msgspec.json.encode(event)) == trimmed


def _wrong_json_type(value: Any) -> Any:
    """A value of another JSON type, that no field of the schema accepts in place of `value`."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, str):
        return True
    if isinstance(value, int | float):
        return "12"
    if isinstance(value, list):
        return {"not": "an array"}
    if isinstance(value, dict):
        return ["not", "an object"]
    return 12345  # null, where the schema allows it


@pytest.mark.parametrize(("side", "example"), ALL, ids=ALL_IDS)
def test_wrong_json_type_of_each_field_is_refused_at_its_path(
    side: str, example: dict[str, Any]
) -> None:
    for _, data, path in walk_models(strict(side, example), example):
        for key, value in data.items():
            broken = copy.deepcopy(example)
            get_at(broken, path)[key] = _wrong_json_type(value)
            error = refused(side, broken)
            assert error.path == path_str((*path, key)), (key, error)


@pytest.mark.parametrize(("side", "example"), ALL, ids=ALL_IDS)
def test_unknown_field_at_each_depth_is_refused_at_its_path(
    side: str, example: dict[str, Any]
) -> None:
    for _, _, path in walk_models(strict(side, example), example):
        broken = copy.deepcopy(example)
        get_at(broken, path)["x_not_in_schema"] = 1
        error = refused(side, broken)
        assert error.path == path_str((*path, "x_not_in_schema"))
        assert "unknown field" in error.reason


@pytest.mark.parametrize("side", ["client", "server"])
def test_unknown_event_type_is_refused(side: str) -> None:
    error = refused(side, {"type": "warning", "message": "slow down"})
    assert error.path == "type"
    assert "unknown event type" in error.reason


@pytest.mark.parametrize(
    ("data", "path", "reason"),
    [
        (b"", "", "not valid JSON"),
        (b"{", "", "not valid JSON"),
        (b"nope", "", "not valid JSON"),
        (b"\xff\xfe{}", "", "not valid JSON"),
        ("\ud800", "", "not valid JSON"),  # a lone surrogate is no UTF-8 text
        (b"[" * 200_000, "", "Expected `object`"),
        (b"[]", "", "Expected `object`, got `array`"),
        (b"null", "", "Expected `object`, got `null`"),
        (b'"session.update"', "", "Expected `object`, got `str`"),
        (b"{}", "type", "event has no `type`"),
        (b'{"type": 1}', "type", "Expected `str`"),
        (b'{"type": null}', "type", "Expected `str`"),
    ],
)
@pytest.mark.parametrize("side", ["client", "server"])
def test_documents_that_are_no_event(side: str, data: bytes | str, path: str, reason: str) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_event(data, side, strict=True)  # type: ignore[arg-type]
    assert info.value.path == path
    assert reason in info.value.reason
    assert str(info.value).startswith(info.value.reason)


# --- Enumerations and union tags ----------------------------------------------------------------


def _session(**fields: Any) -> dict[str, Any]:
    return {"type": "session.update", "session": fields}


def _response_options(**fields: Any) -> dict[str, Any]:
    return {"type": "response.create", "response": fields}


def _server_item(**fields: Any) -> dict[str, Any]:
    item = {
        "id": "i",
        "type": "message",
        "object": "conversation.item",
        "role": "user",
        "content": [],
        "status": "completed",
    }
    item.update(fields)
    return {"type": "conversation.item.created", "item": item}


def _request_item(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "conversation.item.create", "item": item}


def _response(**fields: Any) -> dict[str, Any]:
    return {"type": "response.done", "response": fields}


def _response_session(**fields: Any) -> dict[str, Any]:
    session = {
        "object": "realtime.session",
        "id": "s",
        "model": "gpt-4o",
        "modalities": ["audio"],
        "input_audio_sampling_rate": 24000,
        "input_audio_format": "pcm16",
        "output_audio_format": "pcm16",
        "temperature": 0.8,
        "max_response_output_tokens": "inf",
    }
    session.update(fields)
    return {"type": "session.created", "session": session}


def _content_part(part: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "response.content_part.added",
        "response_id": "r",
        "item_id": "i",
        "output_index": 0,
        "content_index": 0,
        "part": part,
    }


Builder = Callable[[str], dict[str, Any]]

# (name, side, values, build(value) -> event, the path of the value)
ENUMS: list[tuple[str, str, list[str], Builder, str]] = [
    (
        "RealtimeModality",
        "client",
        ["text", "audio", "animation", "avatar"],
        lambda v: _session(modalities=["text", v]),
        "session.modalities[1]",
    ),
    (
        "RealtimeAudioFormat",
        "client",
        ["pcm16", "g711_ulaw", "g711_alaw"],
        lambda v: _session(input_audio_format=v),
        "session.input_audio_format",
    ),
    (
        "RealtimeOutputAudioFormat",
        "client",
        ["pcm16", "pcm16_8000hz", "pcm16_16000hz", "g711_ulaw", "g711_alaw"],
        lambda v: _session(output_audio_format=v),
        "session.output_audio_format",
    ),
    (
        "RealtimeAudioTimestampType",
        "client",
        ["word"],
        lambda v: _session(output_audio_timestamp_types=[v]),
        "session.output_audio_timestamp_types[0]",
    ),
    (
        "RealtimeAnimationOutputType",
        "client",
        ["blendshapes", "viseme_id"],
        lambda v: _session(animation={"outputs": [v]}),
        "session.animation.outputs[0]",
    ),
    (
        "OpenAIVoiceName",
        "client",
        ["alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"],
        lambda v: _session(voice={"type": "openai", "name": v}),
        "session.voice.name",
    ),
    (
        "TranscriptionModel",
        "client",
        [
            "whisper-1",
            "gpt-4o-transcribe",
            "gpt-4o-mini-transcribe",
            "gpt-4o-transcribe-diarize",
            "azure-speech",
        ],
        lambda v: _session(input_audio_transcription={"model": v}),
        "session.input_audio_transcription.model",
    ),
    (
        "EOUModel",
        "client",
        ["semantic_detection_v1", "semantic_detection_v1_multilingual"],
        lambda v: _session(
            turn_detection={"type": "server_vad", "end_of_utterance_detection": {"model": v}}
        ),
        "session.turn_detection.end_of_utterance_detection.model",
    ),
    (
        "EOUThresholdLevel",
        "client",
        ["low", "medium", "high", "default"],
        lambda v: _session(
            turn_detection={
                "type": "azure_semantic_vad",
                "end_of_utterance_detection": {
                    "model": "semantic_detection_v1",
                    "threshold_level": v,
                },
            }
        ),
        "session.turn_detection.end_of_utterance_detection.threshold_level",
    ),
    (
        "SemanticEagerness",
        "client",
        ["auto", "low", "high"],
        lambda v: _session(turn_detection={"type": "semantic_vad", "eagerness": v}),
        "session.turn_detection.eagerness",
    ),
    (
        "ToolChoiceMode",
        "client",
        ["auto", "none", "required"],
        lambda v: _session(tool_choice=v),
        "session.tool_choice",
    ),
    (
        "ToolChoiceMode",
        "client",
        ["auto", "none", "required"],
        lambda v: _response_options(tool_choice=v),
        "response.tool_choice",
    ),
    (
        "ApprovalMode",
        "client",
        ["never", "always"],
        lambda v: _session(
            tools=[{"type": "mcp", "server_label": "a", "server_url": "u", "require_approval": v}]
        ),
        "session.tools[0].require_approval",
    ),
    (
        "MaxTokens",
        "client",
        ["inf"],
        lambda v: _session(max_response_output_tokens=v),
        "session.max_response_output_tokens",
    ),
    (
        "ResponseModality",
        "client",
        ["text", "audio"],
        lambda v: _response_options(modalities=[v]),
        "response.modalities[0]",
    ),
    (
        "Conversation",
        "client",
        ["auto", "none"],
        lambda v: _response_options(conversation=v),
        "response.conversation",
    ),
    (
        "RequestRole",
        "client",
        ["system", "user", "assistant"],
        lambda v: _request_item({"type": "message", "role": v, "content": []}),
        "item.role",
    ),
    (
        "RealtimeItemStatus",
        "server",
        ["in_progress", "completed", "incomplete"],
        lambda v: _server_item(status=v),
        "item.status",
    ),
    (
        "ResponseRole",
        "server",
        ["system", "user", "assistant"],
        lambda v: _server_item(role=v),
        "item.role",
    ),
    (
        "ItemObject",
        "server",
        ["conversation.item"],
        lambda v: _server_item(object=v),
        "item.object",
    ),
    (
        "RealtimeResponseStatus",
        "server",
        ["in_progress", "completed", "cancelled", "incomplete", "failed"],
        lambda v: _response(status=v),
        "response.status",
    ),
    (
        "ResponseObject",
        "server",
        ["realtime.response"],
        lambda v: _response(object=v),
        "response.object",
    ),
    (
        "SessionObject",
        "server",
        ["realtime.session"],
        lambda v: _response_session(object=v),
        "session.object",
    ),
]

# Union tags: (union, side, tags, build(tag) -> event that is valid for each tag, the tag's path)
UNIONS: list[tuple[str, str, list[str], Builder, str]] = [
    (
        "RealtimeVoice",
        "client",
        ["openai", "azure-standard", "azure-custom", "azure-personal"],
        lambda t: _session(
            voice={
                "openai": {"type": t, "name": "echo"},
                "azure-standard": {"type": t, "name": "en-US-AvaNeural"},
                "azure-custom": {"type": t, "name": "v", "endpoint_id": "e"},
                "azure-personal": {"type": t, "name": "v", "model": "DragonLatestNeural"},
            }.get(t, {"type": t, "name": "x"})
        ),
        "session.voice.type",
    ),
    (
        "RealtimeTurnDetection",
        "client",
        ["server_vad", "semantic_vad", "azure_semantic_vad", "azure_semantic_vad_multilingual"],
        lambda t: _session(turn_detection={"type": t}),
        "session.turn_detection.type",
    ),
    (
        "RealtimeTurnDetection in a session report",
        "server",
        ["server_vad", "semantic_vad", "azure_semantic_vad", "azure_semantic_vad_multilingual"],
        lambda t: _response_session(turn_detection={"type": t}),
        "session.turn_detection.type",
    ),
    (
        "RealtimeInputAudioNoiseReductionSettings",
        "client",
        ["near_field", "far_field", "azure_deep_noise_suppression"],
        lambda t: _session(input_audio_noise_reduction={"type": t}),
        "session.input_audio_noise_reduction.type",
    ),
    (
        "RealtimeInputAudioEchoCancellationSettings",
        "client",
        ["server_echo_cancellation"],
        lambda t: _session(input_audio_echo_cancellation={"type": t}),
        "session.input_audio_echo_cancellation.type",
    ),
    (
        "RealtimeTool",
        "client",
        ["function", "mcp"],
        lambda t: _session(
            tools=[
                {
                    "function": {"type": t, "name": "f", "description": "d", "parameters": {}},
                    "mcp": {"type": t, "server_label": "s", "server_url": "u"},
                }.get(t, {"type": t})
            ]
        ),
        "session.tools[0].type",
    ),
    (
        "RealtimeTool in response options",
        "client",
        ["function", "mcp"],
        lambda t: _response_options(
            tools=[
                {
                    "function": {"type": t, "name": "f", "description": "d", "parameters": {}},
                    "mcp": {"type": t, "server_label": "s", "server_url": "u"},
                }.get(t, {"type": t})
            ]
        ),
        "response.tools[0].type",
    ),
    (
        "ToolChoiceFunction",
        "client",
        ["function"],
        lambda t: _session(tool_choice={"type": t, "name": "HassTurnOn"}),
        "session.tool_choice.type",
    ),
    (
        "RealtimeContentPart",
        "server",
        ["input_text", "text", "input_audio", "audio"],
        lambda t: _content_part(
            {"type": t, "text": "x"} if t in ("input_text", "text") else {"type": t}
        ),
        "part.type",
    ),
    (
        "RealtimeConversationRequestItem",
        "client",
        ["message", "function_call", "function_call_output", "mcp_approval_response"],
        lambda t: _request_item(
            {
                "message": {"type": t, "role": "user", "content": []},
                "function_call": {"type": t, "name": "f", "arguments": "{}", "call_id": "c"},
                "function_call_output": {"type": t, "call_id": "c", "output": "o"},
                "mcp_approval_response": {"type": t, "approve": True, "approval_request_id": "a"},
            }.get(t, {"type": t})
        ),
        "item.type",
    ),
    (
        "RealtimeConversationResponseItem",
        "server",
        [
            "message",
            "function_call",
            "function_call_output",
            "mcp_list_tools",
            "mcp_call",
            "mcp_approval_request",
        ],
        lambda t: {
            "type": "response.output_item.done",
            "response_id": "r",
            "output_index": 0,
            "item": {
                "message": {
                    "id": "i",
                    "type": t,
                    "object": "conversation.item",
                    "role": "assistant",
                    "content": [],
                    "status": "completed",
                },
                "function_call": {
                    "id": "i",
                    "type": t,
                    "object": "conversation.item",
                    "name": "f",
                    "arguments": "{}",
                    "call_id": "c",
                    "status": "completed",
                },
                "function_call_output": {
                    "id": "i",
                    "type": t,
                    "object": "conversation.item",
                    "name": "f",
                    "output": "o",
                    "call_id": "c",
                    "status": "completed",
                },
                "mcp_list_tools": {"id": "i", "type": t, "server_label": "s"},
                "mcp_call": {
                    "id": "i",
                    "type": t,
                    "server_label": "s",
                    "name": "n",
                    "approval_request_id": None,
                    "arguments": "{}",
                    "output": None,
                    "error": None,
                },
                "mcp_approval_request": {
                    "id": "i",
                    "type": t,
                    "server_label": "s",
                    "name": "n",
                    "arguments": "{}",
                },
            }.get(t, {"id": "i", "type": t}),
        },
        "item.type",
    ),
]


def _cases(
    table: list[tuple[str, str, list[str], Builder, str]],
) -> list[tuple[str, str, Builder, str]]:
    return [(side, v, build, path) for _, side, values, build, path in table for v in values]


def _ids(table: list[tuple[str, str, list[str], Builder, str]]) -> list[str]:
    return [f"{name}={v}" for name, _, values, _, _ in table for v in values]


@pytest.mark.parametrize(("side", "value", "build", "path"), _cases(ENUMS), ids=_ids(ENUMS))
def test_every_enumeration_value_is_accepted(
    side: str, value: str, build: Builder, path: str
) -> None:
    data = build(value)
    event = strict(side, data)
    assert msgspec.json.decode(msgspec.json.encode(event)) == data


@pytest.mark.parametrize(("side", "value", "build", "path"), _cases(UNIONS), ids=_ids(UNIONS))
def test_every_union_variant_is_accepted(side: str, value: str, build: Builder, path: str) -> None:
    data = build(value)
    event = strict(side, data)
    assert msgspec.json.decode(msgspec.json.encode(event)) == data


@pytest.mark.parametrize(
    ("name", "side", "build", "path"),
    [(n, s, b, p) for n, s, _, b, p in ENUMS + UNIONS],
    ids=[f"{n}@{p}" for n, _, _, _, p in ENUMS + UNIONS],
)
@pytest.mark.parametrize("outside", ["not-a-value", "PCM16", ""])
def test_a_value_outside_each_enumeration_is_refused_at_its_path(
    name: str, side: str, build: Builder, path: str, outside: str
) -> None:
    error = refused(side, build(outside))
    assert error.path == path
    assert repr(outside) in error.reason


# --- Decisions that the schema leaves to us (see the brief) ------------------------------------

ERROR_BODY = {"code": "c", "message": "m"}


@pytest.mark.parametrize(
    ("side", "data", "path"),
    [
        # no null where the schema does not allow it
        ("client", _session(temperature=None), "session.temperature"),
        ("client", _session(voice=None), "session.voice"),
        ("client", _session(tools=None), "session.tools"),
        ("client", {"type": "response.create", "response": None}, "response"),
        ("client", {"type": "input_audio_buffer.commit", "event_id": None}, "event_id"),
        ("server", {"type": "error", "error": {**ERROR_BODY, "param": None}}, "error.param"),
        ("server", _response(id=None), "response.id"),
        # an assistant message that a client adds: text only, and no `id`
        (
            "client",
            _request_item({"type": "message", "role": "assistant", "id": "x", "content": []}),
            "item.id",
        ),
        (
            "client",
            _request_item({"type": "message", "role": "assistant", "content": [{"type": "audio"}]}),
            "item.content[0].type",
        ),
        (
            "client",
            _request_item(
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "a"}, {"type": "text", "text": "b"}],
                }
            ),
            "item.content[1].type",
        ),
        (
            "client",
            _request_item(
                {"type": "message", "role": "system", "content": [{"type": "input_audio"}]}
            ),
            "item.content[0].type",
        ),
        # a reported message: system and user carry input parts, the assistant text or audio
        (
            "server",
            _server_item(role="system", content=[{"type": "input_audio"}]),
            "item.content[0].type",
        ),
        (
            "server",
            _server_item(role="user", content=[{"type": "text", "text": "x"}]),
            "item.content[0].type",
        ),
        (
            "server",
            _server_item(role="assistant", content=[{"type": "input_text", "text": "x"}]),
            "item.content[0].type",
        ),
        (
            "server",
            _server_item(
                role="assistant", content=[{"type": "audio"}, {"type": "text", "text": "x"}]
            ),
            "item.content[1].type",
        ),
        # integers are integers
        (
            "client",
            _session(input_audio_sampling_rate=16000.0),
            "session.input_audio_sampling_rate",
        ),
        ("client", _session(max_response_output_tokens=1.5), "session.max_response_output_tokens"),
        (
            "client",
            {
                "type": "conversation.item.truncate",
                "item_id": "i",
                "content_index": True,
                "audio_end_ms": 1,
            },
            "content_index",
        ),
        (
            "client",
            {"type": "mcp_approval_response", "approve": 1, "approval_request_id": "a"},
            "approve",
        ),
        # the avatar's crop corners are [x, y]
        (
            "client",
            _session(
                avatar={
                    "character": "lisa",
                    "customized": False,
                    "video": {"crop": {"top_left": [1, 2, 3], "bottom_right": [4, 5]}},
                }
            ),
            "session.avatar.video.crop.top_left",
        ),
        # the MCP approval filter is an object of two lists, nothing else
        (
            "client",
            _session(
                tools=[
                    {
                        "type": "mcp",
                        "server_label": "a",
                        "server_url": "u",
                        "require_approval": {"sometimes": []},
                    }
                ]
            ),
            "session.tools[0].require_approval.sometimes",
        ),
    ],
)
def test_refused_by_decision(side: str, data: dict[str, Any], path: str) -> None:
    error = refused(side, data)
    assert error.path == path, error
    assert "(at " not in error.reason


@pytest.mark.parametrize(
    ("side", "data"),
    [
        ("client", _session(turn_detection=None)),
        ("server", _response_session(turn_detection=None)),
        ("server", {"type": "error", "error": ERROR_BODY}),
        ("server", {"type": "error", "error": {**ERROR_BODY, "type": "invalid_request_error"}}),
        (
            "client",
            _request_item({"type": "message", "role": "assistant", "content": []}),
        ),
        ("server", _server_item(role="user", content=[{"type": "input_audio", "transcript": "x"}])),
        ("server", _server_item(role="assistant", content=[{"type": "audio", "audio": "AA"}])),
        ("server", _content_part({"type": "audio", "audio": "AAAA", "transcript": "hi"})),
        ("server", _content_part({"type": "audio"})),
        ("client", _session(temperature=1)),
        ("client", _session(temperature=0.7)),
        ("client", _session(max_response_output_tokens=0)),
        ("client", _session(tool_choice={"type": "function", "name": "f"})),
        (
            "client",
            _session(
                tools=[
                    {"type": "mcp", "server_label": "a", "server_url": "u", "require_approval": {}},
                ]
            ),
        ),
        ("client", {"type": "input_audio_buffer.append", "audio": ""}),
    ],
)
def test_accepted_by_decision(side: str, data: dict[str, Any]) -> None:
    event = strict(side, data)
    assert msgspec.json.decode(msgspec.json.encode(event)) == data


def test_error_event_reads_the_services_type() -> None:
    event = strict("server", {"type": "error", "error": {**ERROR_BODY, "type": "server_error"}})
    assert isinstance(event, SERVER_EVENTS["error"])
    assert event.error.type == "server_error"  # type: ignore[attr-defined]


def test_paths_of_nested_lists_are_indexed() -> None:
    data = _session(
        tools=[
            {"type": "function", "name": "f", "description": "d", "parameters": {}},
            {"type": "mcp", "server_label": "a", "server_url": 3},
        ]
    )
    assert refused("client", data).path == "session.tools[1].server_url"
    frames = {
        "type": "response.animation_blendshapes.delta",
        "response_id": "r",
        "item_id": "i",
        "output_index": 0,
        "content_index": 0,
        "frame_index": 0,
        "frames": [[0.1, 0.2], [0.3, "x"]],
    }
    assert refused("server", frames).path == "frames[1][1]"


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (b'{"type": "response.cancel", "x": 1}', "x"),
        (b'{"type": "response.done", "response": {}}', "type"),
        (b"\x80", ""),
        ("\ud800", ""),
        (b"[" * 200_000, ""),
    ],
)
def test_parse_strict_client_event_refuses_with_a_path(data: bytes | str, path: str) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_strict_client_event(data)
    assert info.value.path == path
