"""`build_session`: options to `session.update`, held by snapshots; bad options fail clearly."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from syrupy.assertion import SnapshotAssertion

from custom_components.azure_voice_live.session_config import build_session
from custom_components.azure_voice_live.voicelive import ProtocolError
from custom_components.azure_voice_live.voicelive.models import FunctionTool, MCPTool

TOOLS = [
    FunctionTool(
        name="light_turn_on",
        description="Turn on lights.",
        parameters={"type": "object", "properties": {"entity_id": {"type": "array"}}},
    ),
    MCPTool(server_label="docs", server_url="https://example.com/mcp", require_approval="never"),
]

OPTION_SETS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "defaults": ({}, {}),
    "openai_semantic_vad_text": (
        {
            "tool_choice": "required",
            "voice": {"type": "openai", "name": "cedar"},
            "response": {
                "modalities": ["text"],
                "temperature": 0.7,
                "max_response_output_tokens": "inf",
            },
            "turn_detection": {
                "type": "semantic_vad",
                "eagerness": "high",
                "create_response": True,
                "interrupt_response": False,
                "threshold": 0.9,  # not a semantic_vad field: left out
                "eou_model": "semantic_detection_v1",  # not for semantic_vad: left out
            },
            "audio": {"transcription_model": "none", "noise_reduction": "near_field"},
        },
        {"tools": TOOLS},
    ),
    "azure_standard_multilingual_everything": (
        {
            "voice": {
                "type": "azure-standard",
                "name": "de-DE-SeraphinaMultilingualNeural",
                "locale": "de-DE",
                "style": "cheerful",
                "rate": "1.1",
                "pitch": "+5%",
                "volume": "loud",
                "temperature": 0.8,
            },
            "response": {"max_response_output_tokens": "1024"},
            "turn_detection": {
                "type": "azure_semantic_vad_multilingual",
                "threshold": 0.3,
                "prefix_padding_ms": 200.0,
                "silence_duration_ms": 350.0,
                "speech_duration_ms": 80.0,
                "remove_filler_words": True,
                "languages": ["en", "de"],
                "create_response": True,
                "interrupt_response": True,
                "auto_truncate": True,
                "eou_model": "semantic_detection_v1_multilingual",
                "eou_threshold_level": "low",
                "eou_timeout_ms": 1500,
            },
            "audio": {
                "input_audio_format": "g711_ulaw",
                "output_audio_format": "g711_alaw",
                "transcription_model": "azure-speech",
                "transcription_language": "de-DE",
                "phrase_list": ["Home Assistant", "Wohnzimmer", ""],
                "word_timestamps": True,
            },
        },
        {"instructions": "Sprich Deutsch."},
    ),
    "azure_custom_server_vad": (
        {
            "voice": {"type": "azure-custom", "name": "MyVoice", "endpoint_id": "abc-123"},
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 500,
                "languages": ["en"],  # not a server_vad field: left out
                "auto_truncate": False,
            },
            "audio": {"echo_cancellation": "none"},
        },
        {},
    ),
    "azure_personal_no_turn_detection": (
        {
            "voice": {"type": "azure-personal", "name": "speaker-profile-1", "locale": "en-GB"},
            "turn_detection": {"type": "none"},
            "audio": {"input_audio_sampling_rate": "16000"},
        },
        {},
    ),
    "satellite_audio_overrides": (
        {"audio": {"noise_reduction": "far_field", "input_audio_format": "g711_alaw"}},
        {
            "audio_overrides": {
                "input_audio_format": "pcm16",
                "input_audio_sampling_rate": 16000,
                "noise_reduction": "none",
                "echo_cancellation": "server_echo_cancellation",
            }
        },
    ),
}


@pytest.mark.parametrize("name", list(OPTION_SETS))
def test_snapshots(name: str, snapshot: SnapshotAssertion) -> None:
    """The exact session for representative option sets."""
    options, kwargs = OPTION_SETS[name]
    session = build_session(options, **kwargs)
    assert msgspec.to_builtins(session) == snapshot


def test_turn_detection_none_is_null() -> None:
    """`none` sends `turn_detection: null` (the service's "no turn detection")."""
    session = build_session({"turn_detection": {"type": "none"}})
    assert msgspec.json.encode(session).find(b'"turn_detection":null') >= 0


def test_text_modality_override() -> None:
    """The text conversation asks for text only, whatever the options say."""
    session = build_session({"response": {"modalities": ["text", "audio"]}}, modalities=["text"])
    assert session.modalities == ["text"]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"voice": {"type": "robot"}}, ValueError),
        ({"turn_detection": {"type": "psychic"}}, ValueError),
        ({"audio": {"noise_reduction": "silence"}}, ValueError),
        ({"audio": {"echo_cancellation": "client"}}, ValueError),
        ({"voice": {"type": "openai", "name": "robot"}}, ProtocolError),
        ({"audio": {"output_audio_format": "mp3"}}, ProtocolError),
        ({"response": {"max_response_output_tokens": "lots"}}, ValueError),
    ],
)
def test_bad_options_fail_clearly(options: dict[str, Any], error: type[Exception]) -> None:
    """A bad option raises before anything is sent; a schema error names its path."""
    with pytest.raises(error) as info:
        build_session(options)
    if isinstance(info.value, ProtocolError):
        assert info.value.path.startswith("session.")
