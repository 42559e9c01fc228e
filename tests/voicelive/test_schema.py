"""The package against the schema: registries, event lines, enumerations and the shape of models.

Where the schema file is present (`shared/spec/voice-live-schema.md` beside the repository, or
`VOICE_LIVE_SCHEMA`), its numbered event lists, event lines and enumerations are parsed and
compared with the models field by field; elsewhere the literal lists below stand in.
"""

from __future__ import annotations

import inspect
import os
import re
import types
import typing
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import msgspec
import pytest
from voicelive import CLIENT_EVENTS, SERVER_EVENTS, models
from voicelive.events import CLIENT_EVENT_CLASSES, SERVER_EVENT_CLASSES
from voicelive.models import Model

_CANDIDATES = [
    # CI and every checkout keep shared/ beside the repository.
    Path(__file__).resolve().parents[3] / "shared" / "spec" / "voice-live-schema.md",
    Path("/work/shared/spec/voice-live-schema.md"),
]
SCHEMA_PATH = Path(
    os.environ.get("VOICE_LIVE_SCHEMA")
    or next((str(p) for p in _CANDIDATES if p.is_file()), str(_CANDIDATES[0]))
)
SCHEMA = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.is_file() else None

CLIENT_TYPES = [
    "session.update",
    "session.avatar.connect",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "response.create",
    "response.cancel",
    "mcp_approval_response",
]
SERVER_TYPES = [
    "error",
    "session.created",
    "session.updated",
    "session.avatar.connecting",
    "conversation.item.created",
    "conversation.item.retrieved",
    "conversation.item.truncated",
    "conversation.item.deleted",
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.failed",
    "input_audio_buffer.committed",
    "input_audio_buffer.cleared",
    "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped",
    "response.created",
    "response.done",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.text.delta",
    "response.text.done",
    "response.audio.delta",
    "response.audio.done",
    "response.audio_transcript.delta",
    "response.audio_transcript.done",
    "response.animation_blendshapes.delta",
    "response.animation_blendshapes.done",
    "response.audio_timestamp.delta",
    "response.audio_timestamp.done",
    "response.animation_viseme.delta",
    "response.animation_viseme.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "mcp_list_tools.in_progress",
    "mcp_list_tools.completed",
    "mcp_list_tools.failed",
    "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done",
    "response.mcp_call.in_progress",
    "response.mcp_call.completed",
    "response.mcp_call.failed",
    "rate_limits.updated",
]

_SECTION = re.compile(r"^## (?P<title>.+)$", re.MULTILINE)
_EVENT_LINE = re.compile(r"^\d+\. `(?P<name>[^`]+)` - `\{ (?P<body>.*) \}`$", re.MULTILINE)
_ENUM_LINE = re.compile(r"^- (?P<name>\w+): `(?P<values>[^`]+)`$", re.MULTILINE)


def _section(title_prefix: str) -> str:
    assert SCHEMA is not None
    starts = list(_SECTION.finditer(SCHEMA))
    for index, match in enumerate(starts):
        if match["title"].startswith(title_prefix):
            end = starts[index + 1].start() if index + 1 < len(starts) else len(SCHEMA)
            return SCHEMA[match.end() : end]
    raise AssertionError(f"no section {title_prefix!r} in the schema")


def _event_lines(title_prefix: str) -> list[tuple[str, str]]:
    return [(m["name"], m["body"]) for m in _EVENT_LINE.finditer(_section(title_prefix))]


def spec_types(side: str) -> list[str]:
    """The schema's numbered list of event types of one side (or the literal list)."""
    if SCHEMA is None:
        return CLIENT_TYPES if side == "client" else SERVER_TYPES
    return [name for name, _ in _event_lines("Client Events" if side == "client" else "Server")]


# --- Registries ---------------------------------------------------------------------------------


def test_literal_lists_match_the_schema_file() -> None:
    if SCHEMA is None:
        pytest.skip("schema file not present; the literal lists are the reference")
    assert spec_types("client") == CLIENT_TYPES
    assert spec_types("server") == SERVER_TYPES


def test_client_registry_is_exactly_the_schemas_12_types_in_order() -> None:
    assert len(CLIENT_EVENTS) == 12
    assert list(CLIENT_EVENTS) == spec_types("client")
    assert [c.__struct_config__.tag for c in CLIENT_EVENT_CLASSES] == spec_types("client")


def test_server_registry_is_exactly_the_schemas_44_types_in_order() -> None:
    assert len(SERVER_EVENTS) == 44
    assert list(SERVER_EVENTS) == spec_types("server")
    assert [c.__struct_config__.tag for c in SERVER_EVENT_CLASSES] == spec_types("server")


@pytest.mark.parametrize(
    ("registry", "name"),
    [(CLIENT_EVENTS, n) for n in CLIENT_TYPES] + [(SERVER_EVENTS, n) for n in SERVER_TYPES],
    ids=CLIENT_TYPES + SERVER_TYPES,
)
def test_each_class_reports_its_type(registry: dict[str, type[Any]], name: str) -> None:
    cls = registry[name]
    required = [f.name for f in msgspec.structs.fields(cls) if f.required]
    # Build with placeholder values only to read `.type`; no validation happens at construction.
    event = cls(**dict.fromkeys(required, "x"))
    assert event.type == name


# --- Event lines: field names, optionality and types -------------------------------------------


def _split_top(body: str) -> list[str]:
    """Split `a, b: {c, d}, e` at the commas that are not inside braces or brackets."""
    parts, depth, current = [], 0, ""
    for char in body:
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def _spec_fields(body: str) -> dict[str, tuple[bool, str]]:
    """`{ name: (required, type text) }` from an event line's body, without `type`."""
    out: dict[str, tuple[bool, str]] = {}
    for part in _split_top(body):
        if part == "type":
            continue
        name, _, type_text = part.partition(":")
        name = name.strip()
        optional = name.endswith("?")
        out[name.rstrip("?")] = (not optional, type_text.strip())
    return out


def _strip_unset(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not msgspec.UnsetType]
        if len(members) == 1:
            return members[0]
        return Union[tuple(members)]  # noqa: UP007
    return annotation


_PRIMITIVES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "object": dict[str, Any],
    "float[][]": list[list[models.Number]],  # type: ignore[valid-type]
}


def _expected_type(type_text: str) -> Any:
    if type_text in _PRIMITIVES:
        return _PRIMITIVES[type_text]
    if type_text.endswith("[]"):
        return list[getattr(models, type_text[:-2])]  # type: ignore[misc]
    return getattr(models, type_text)


def _event_line_cases() -> list[tuple[str, str, str]]:
    if SCHEMA is None:
        return []
    return [("client", n, b) for n, b in _event_lines("Client Events")] + [
        ("server", n, b) for n, b in _event_lines("Server")
    ]


@pytest.mark.skipif(SCHEMA is None, reason="schema file not present")
@pytest.mark.parametrize(("side", "name", "body"), _event_line_cases(), ids=lambda v: str(v)[:60])
def test_event_fields_match_the_schema_line(side: str, name: str, body: str) -> None:
    cls = (CLIENT_EVENTS if side == "client" else SERVER_EVENTS)[name]
    spec = _spec_fields(body)
    fields = {f.encode_name: f for f in msgspec.structs.fields(cls) if f.name != "event_id"}
    assert set(fields) == set(spec), f"{name}: fields differ"
    for key, (required, type_text) in spec.items():
        info = fields[key]
        assert info.required == required, f"{name}.{key}: required should be {required}"
        if type_text.startswith("{"):  # the error event's inline body, compared below
            continue
        assert _strip_unset(info.type) == _expected_type(type_text), f"{name}.{key}: type"


def test_every_event_has_an_optional_string_event_id() -> None:
    for cls in (*CLIENT_EVENT_CLASSES, *SERVER_EVENT_CLASSES):
        (info,) = [f for f in msgspec.structs.fields(cls) if f.name == "event_id"]
        assert not info.required
        assert _strip_unset(info.type) is str


def test_error_event_body_is_the_schemas_plus_the_services_type() -> None:
    fields = {f.name: f for f in msgspec.structs.fields(models.ErrorEventDetails)}
    assert {k: (f.required, _strip_unset(f.type)) for k, f in fields.items()} == {
        "type": (False, str),
        "code": (True, str),
        "message": (True, str),
        "param": (False, str),
        "event_id": (False, str),
    }
    if SCHEMA is not None:
        (body,) = [b for n, b in _event_lines("Server") if n == "error"]
        inline = _spec_fields(body)["error"][1].strip("{} ")
        spec = _spec_fields(inline)
        assert {k: r for k, (r, _) in spec.items()} == {
            k: f.required for k, f in fields.items() if k != "type"
        }


# --- Enumerations -------------------------------------------------------------------------------

ENUMERATIONS: dict[str, list[str]] = {
    "RealtimeItemStatus": ["in_progress", "completed", "incomplete"],
    "RealtimeResponseStatus": ["in_progress", "completed", "cancelled", "incomplete", "failed"],
    "RealtimeModality": ["text", "audio", "animation", "avatar"],
    "RealtimeAudioFormat": ["pcm16", "g711_ulaw", "g711_alaw"],
    "RealtimeOutputAudioFormat": [
        "pcm16",
        "pcm16_8000hz",
        "pcm16_16000hz",
        "g711_ulaw",
        "g711_alaw",
    ],
    "RealtimeAudioTimestampType": ["word"],
    "RealtimeAnimationOutputType": ["blendshapes", "viseme_id"],
}


def test_enumerations_match_the_schema() -> None:
    spec = ENUMERATIONS
    if SCHEMA is not None:
        spec = {
            m["name"]: [v.strip() for v in m["values"].split("|")]
            for m in _ENUM_LINE.finditer(_section("Enumerations"))
        }
        assert spec == ENUMERATIONS
    for name, values in spec.items():
        assert list(get_args(getattr(models, name))) == values, name


def test_inline_enumerations_match_the_schema_models() -> None:
    """Enumerations written inline in the model blocks of the schema."""
    expected = {
        "OpenAIVoiceName": "alloy|ash|ballad|coral|echo|sage|shimmer|verse|marin|cedar",
        "TranscriptionModel": (
            "whisper-1|gpt-4o-transcribe|gpt-4o-mini-transcribe|gpt-4o-transcribe-diarize"
            "|azure-speech"
        ),
        "EOUModel": "semantic_detection_v1|semantic_detection_v1_multilingual",
        "EOUThresholdLevel": "low|medium|high|default",
        "SemanticEagerness": "auto|low|high",
        "ToolChoiceMode": "auto|none|required",
        "ApprovalMode": "never|always",
    }
    for name, values in expected.items():
        if SCHEMA is not None:
            assert values in SCHEMA, f"{values!r} no longer in the schema"
        assert list(get_args(getattr(models, name))) == values.split("|"), name


# --- Models: every class is a documented schema object -----------------------------------------


def _model_classes() -> list[type[Model]]:
    return [
        cls
        for _, cls in inspect.getmembers(models, inspect.isclass)
        if issubclass(cls, Model) and cls is not Model and not cls.__name__.startswith("_")
    ]


def test_every_model_has_a_docstring_and_forbids_unknown_fields() -> None:
    for cls in _model_classes():
        assert cls.__doc__, cls.__name__
        assert cls.__struct_config__.forbid_unknown_fields, cls.__name__


@pytest.mark.parametrize(
    ("alias", "tags"),
    [
        ("RealtimeVoice", ["openai", "azure-standard", "azure-custom", "azure-personal"]),
        (
            "RealtimeTurnDetection",
            ["server_vad", "semantic_vad", "azure_semantic_vad", "azure_semantic_vad_multilingual"],
        ),
        (
            "RealtimeInputAudioNoiseReductionSettings",
            ["near_field", "far_field", "azure_deep_noise_suppression"],
        ),
        ("RealtimeTool", ["function", "mcp"]),
        ("RealtimeContentPart", ["input_text", "text", "input_audio", "audio"]),
        (
            "RealtimeConversationRequestItem",
            ["message", "function_call", "function_call_output", "mcp_approval_response"],
        ),
        (
            "RealtimeConversationResponseItem",
            [
                "message",
                "function_call",
                "function_call_output",
                "mcp_list_tools",
                "mcp_call",
                "mcp_approval_request",
            ],
        ),
    ],
)
def test_union_variants_are_the_schemas(alias: str, tags: list[str]) -> None:
    members = get_args(getattr(models, alias))
    assert [m.__struct_config__.tag for m in members] == tags
    assert all(m.__struct_config__.tag_field == "type" for m in members)


def test_request_session_fields_are_the_schemas_and_all_optional() -> None:
    expected = [
        "model",
        "modalities",
        "animation",
        "voice",
        "instructions",
        "input_audio_sampling_rate",
        "input_audio_format",
        "output_audio_format",
        "input_audio_noise_reduction",
        "input_audio_echo_cancellation",
        "input_audio_transcription",
        "turn_detection",
        "tools",
        "tool_choice",
        "temperature",
        "max_response_output_tokens",
        "avatar",
        "output_audio_timestamp_types",
    ]
    fields = msgspec.structs.fields(models.RealtimeRequestSession)
    assert [f.name for f in fields] == expected
    assert not any(f.required for f in fields)


@pytest.mark.parametrize(
    ("cls", "required", "optional"),
    [
        (
            models.RealtimeResponseSession,
            "object id model modalities input_audio_sampling_rate input_audio_format "
            "output_audio_format temperature max_response_output_tokens",
            "instructions voice turn_detection avatar",
        ),
        (
            models.RealtimeResponse,
            "",
            "id object status status_details output usage conversation_id voice modalities "
            "output_audio_format temperature max_response_output_tokens",
        ),
        (
            models.RealtimeResponseOptions,
            "",
            "modalities instructions voice tools tool_choice temperature "
            "max_response_output_tokens conversation metadata",
        ),
        (
            models.RealtimeUsage,
            "total_tokens input_tokens output_tokens",
            "input_token_details output_token_details",
        ),
        (models.TokenDetails, "", "cached_tokens text_tokens audio_tokens"),
        (models.RealtimeEOUDetection, "model", "threshold_level timeout_ms"),
        (
            models.RealtimeAudioInputTranscriptionSettings,
            "model",
            "language custom_speech phrase_list prompt",
        ),
        (models.RealtimeAnimation, "", "model_name outputs"),
        (models.RealtimeAvatarConfig, "character customized", "ice_servers style video"),
        (models.RealtimeIceServer, "urls", "username credential"),
        (models.RealtimeVideoParams, "", "bitrate codec crop resolution"),
        (models.RealtimeVideoCrop, "top_left bottom_right", ""),
        (models.RealtimeVideoResolution, "width height", ""),
        (models.RealtimeRateLimitsItem, "name limit remaining reset_seconds", ""),
        (models.RealtimeErrorDetails, "type message", "code param event_id"),
        (models.RealtimeResponseStatusDetails, "", "type reason error"),
        (models.OpenAIVoice, "name", ""),
        (
            models.AzureStandardVoice,
            "name",
            "temperature custom_lexicon_url prefer_locales locale style pitch rate volume",
        ),
        (
            models.AzureCustomVoice,
            "name endpoint_id",
            "temperature custom_lexicon_url prefer_locales locale style pitch rate volume",
        ),
        (
            models.AzurePersonalVoice,
            "name model",
            "temperature custom_lexicon_url prefer_locales locale pitch rate volume",
        ),
        (
            models.ServerVAD,
            "",
            "threshold prefix_padding_ms silence_duration_ms end_of_utterance_detection "
            "create_response interrupt_response auto_truncate",
        ),
        (models.SemanticVAD, "", "eagerness create_response interrupt_response"),
        (
            models.AzureSemanticVAD,
            "",
            "threshold prefix_padding_ms silence_duration_ms end_of_utterance_detection "
            "speech_duration_ms remove_filler_words languages create_response "
            "interrupt_response auto_truncate",
        ),
        (
            models.AzureSemanticVADMultilingual,
            "",
            "threshold prefix_padding_ms silence_duration_ms end_of_utterance_detection "
            "speech_duration_ms remove_filler_words languages create_response "
            "interrupt_response auto_truncate",
        ),
        (models.FunctionTool, "name description parameters", ""),
        (
            models.MCPTool,
            "server_label server_url",
            "allowed_tools headers authorization require_approval",
        ),
        (models.MCPApprovalFilter, "", "never always"),
        (models.InputTextContentPart, "text", ""),
        (models.OutputTextContentPart, "text", ""),
        (models.InputAudioContentPart, "", "audio transcript"),
        (models.AudioContentPart, "", "audio transcript"),
        (models.RequestMessageItem, "role content", "id"),
        (models.RequestFunctionCallItem, "name arguments call_id", "id"),
        (models.RequestFunctionCallOutputItem, "call_id output", "id"),
        (models.RequestMCPApprovalResponseItem, "approve approval_request_id", ""),
        (models.ResponseMessageItem, "id object role content status", ""),
        (models.ResponseFunctionCallItem, "id object name arguments call_id status", ""),
        (models.ResponseFunctionCallOutputItem, "id object name output call_id status", ""),
        (models.ResponseMCPListToolsItem, "id server_label", ""),
        (
            models.ResponseMCPCallItem,
            "id server_label name approval_request_id arguments output error",
            "",
        ),
        (models.ResponseMCPApprovalRequestItem, "id server_label name arguments", ""),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:40] or None,
)
def test_model_fields_and_optionality(cls: type[Model], required: str, optional: str) -> None:
    fields = msgspec.structs.fields(cls)
    assert {f.name for f in fields if f.required} == set(required.split())
    assert {f.name for f in fields if not f.required} == set(optional.split())
    if SCHEMA is not None:
        for name in (*required.split(), *optional.split()):
            assert re.search(rf"\b{re.escape(name)}\b", SCHEMA), f"{cls.__name__}.{name}"


def test_only_the_decided_fields_accept_null() -> None:
    """`turn_detection` (no turn detection) and MCPCall's three pending fields; no other."""
    nullable = set()
    for cls in _model_classes():
        for info in msgspec.structs.fields(cls):
            if type(None) in get_args(info.type):
                nullable.add(f"{cls.__name__}.{info.name}")
    assert nullable == {
        "RealtimeRequestSession.turn_detection",
        "RealtimeResponseSession.turn_detection",
        "ResponseMCPCallItem.approval_request_id",
        "ResponseMCPCallItem.output",
        "ResponseMCPCallItem.error",
    }


def test_numbers_keep_ints_and_floats() -> None:
    assert set(get_args(models.Number)) == {int, float}
    assert typing.get_args(models.MaxTokens)[0] is int
