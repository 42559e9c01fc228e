"""Realistic example events of every type, client and server, as the wire carries them.

One table that the schema, round-trip, CLI and property tests all draw from. Together the examples
use every model, every union variant and every optional field of the schema at least once (a test
checks that), so a test that walks them walks the whole schema.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

Json = dict[str, Any]

AUDIO_40MS_24K = base64.b64encode(bytes(range(256)) * 7 + bytes(128)).decode()  # 1920 bytes

# --- Component examples -------------------------------------------------------------------------

EOU = {"model": "semantic_detection_v1", "threshold_level": "medium", "timeout_ms": 1000}

VOICE_OPENAI = {"type": "openai", "name": "alloy"}
VOICE_AZURE_STANDARD = {
    "type": "azure-standard",
    "name": "en-US-AvaNeural",
    "temperature": 0.8,
    "custom_lexicon_url": "https://example.blob.core.windows.net/lexicon.xml",
    "prefer_locales": ["en-US", "en-GB"],
    "locale": "en-US",
    "style": "cheerful",
    "pitch": "+5%",
    "rate": "1.1",
    "volume": "loud",
}
VOICE_AZURE_CUSTOM = {
    "type": "azure-custom",
    "name": "HouseVoiceNeural",
    "endpoint_id": "6a2b1c3d-0000-4000-8000-000000000001",
    "temperature": 1,
    "custom_lexicon_url": "https://example.blob.core.windows.net/lexicon.xml",
    "prefer_locales": ["de-DE"],
    "locale": "de-DE",
    "style": "friendly",
    "pitch": "-2st",
    "rate": "medium",
    "volume": "+10%",
}
VOICE_AZURE_PERSONAL = {
    "type": "azure-personal",
    "name": "speaker-profile-1",
    "temperature": 0.5,
    "model": "DragonLatestNeural",
    "custom_lexicon_url": "https://example.blob.core.windows.net/lexicon.xml",
    "prefer_locales": ["fr-FR"],
    "locale": "fr-FR",
    "pitch": "default",
    "rate": "slow",
    "volume": "soft",
}

TD_SERVER_VAD = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 500,
    "end_of_utterance_detection": EOU,
    "create_response": True,
    "interrupt_response": True,
    "auto_truncate": False,
}
TD_SEMANTIC_VAD = {
    "type": "semantic_vad",
    "eagerness": "auto",
    "create_response": True,
    "interrupt_response": False,
}
TD_AZURE_SEMANTIC_VAD = {
    "type": "azure_semantic_vad",
    "threshold": 0.3,
    "prefix_padding_ms": 200,
    "silence_duration_ms": 350,
    "end_of_utterance_detection": {"model": "semantic_detection_v1"},
    "speech_duration_ms": 80,
    "remove_filler_words": True,
    "languages": ["en"],
    "create_response": True,
    "interrupt_response": True,
    "auto_truncate": True,
}
TD_AZURE_SEMANTIC_VAD_MULTILINGUAL = {
    "type": "azure_semantic_vad_multilingual",
    "threshold": 1,
    "prefix_padding_ms": 200,
    "silence_duration_ms": 400,
    "end_of_utterance_detection": {
        "model": "semantic_detection_v1_multilingual",
        "threshold_level": "default",
        "timeout_ms": 2.5,
    },
    "speech_duration_ms": 100,
    "remove_filler_words": False,
    "languages": ["en", "de", "fr"],
    "create_response": False,
    "interrupt_response": True,
    "auto_truncate": False,
}

FUNCTION_TOOL = {
    "type": "function",
    "name": "HassTurnOn",
    "description": "Turns on a device or entity",
    "parameters": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "area": {"type": "string"}},
        "required": ["name"],
    },
}
MCP_TOOL = {
    "type": "mcp",
    "server_label": "docs",
    "server_url": "https://mcp.example.com/sse",
    "allowed_tools": ["search", "fetch"],
    "headers": {"X-Token": "abc"},
    "authorization": "Bearer xyz",
    "require_approval": "never",
}
MCP_TOOL_FILTER = {
    "type": "mcp",
    "server_label": "files",
    "server_url": "https://files.example.com/mcp",
    "require_approval": {"never": ["read"], "always": ["write"]},
}

AVATAR = {
    "ice_servers": [
        {"urls": ["turn:relay.example.com:3478"], "username": "u", "credential": "p"},
        {"urls": ["stun:stun.example.com:3478"]},
    ],
    "character": "lisa",
    "style": "casual-sitting",
    "customized": False,
    "video": {
        "bitrate": 2000000,
        "codec": "h264",
        "crop": {"top_left": [560, 0], "bottom_right": [1360, 1080]},
        "resolution": {"width": 1920, "height": 1080},
    },
}

REQUEST_SESSION_FULL = {
    "model": "gpt-4o",
    "modalities": ["text", "audio", "animation", "avatar"],
    "animation": {"model_name": "default", "outputs": ["blendshapes", "viseme_id"]},
    "voice": VOICE_AZURE_STANDARD,
    "instructions": "You are the voice of a smart home. Be brief.",
    "input_audio_sampling_rate": 24000,
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "input_audio_noise_reduction": {"type": "azure_deep_noise_suppression"},
    "input_audio_echo_cancellation": {"type": "server_echo_cancellation"},
    "input_audio_transcription": {
        "model": "azure-speech",
        "language": "en-US",
        "custom_speech": {"en-US": "endpoint-id"},
        "phrase_list": ["Home Assistant", "Zigbee"],
        "prompt": "smart home commands",
    },
    "turn_detection": TD_AZURE_SEMANTIC_VAD,
    "tools": [FUNCTION_TOOL, MCP_TOOL, MCP_TOOL_FILTER],
    "tool_choice": "auto",
    "temperature": 0.8,
    "max_response_output_tokens": 4096,
    "avatar": AVATAR,
    "output_audio_timestamp_types": ["word"],
}

RESPONSE_SESSION = {
    "object": "realtime.session",
    "id": "sess_AbC123",
    "model": "gpt-4o",
    "modalities": ["text", "audio"],
    "instructions": "You are the voice of a smart home.",
    "voice": VOICE_OPENAI,
    "input_audio_sampling_rate": 24000,
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "turn_detection": TD_SERVER_VAD,
    "temperature": 0.8,
    "max_response_output_tokens": "inf",
    "avatar": {"character": "lisa", "customized": True},
}

ITEM_USER = {
    "id": "item_user1",
    "type": "message",
    "object": "conversation.item",
    "role": "user",
    "content": [{"type": "input_audio", "transcript": "turn on the kitchen light"}],
    "status": "completed",
}
ITEM_ASSISTANT_AUDIO = {
    "id": "item_asst1",
    "type": "message",
    "object": "conversation.item",
    "role": "assistant",
    "content": [{"type": "audio", "transcript": "Done, the kitchen light is on."}],
    "status": "in_progress",
}
ITEM_ASSISTANT_TEXT = {
    "id": "item_asst2",
    "type": "message",
    "object": "conversation.item",
    "role": "assistant",
    "content": [{"type": "text", "text": "It is 21 degrees."}, {"type": "text", "text": "Cosy."}],
    "status": "incomplete",
}
ITEM_SYSTEM = {
    "id": "item_sys1",
    "type": "message",
    "object": "conversation.item",
    "role": "system",
    "content": [{"type": "input_text", "text": "The user is in the kitchen."}],
    "status": "completed",
}
ITEM_FUNCTION_CALL = {
    "id": "item_fc1",
    "type": "function_call",
    "object": "conversation.item",
    "name": "HassTurnOn",
    "arguments": '{"name": "kitchen light"}',
    "call_id": "call_1",
    "status": "completed",
}
ITEM_FUNCTION_CALL_OUTPUT = {
    "id": "item_fco1",
    "type": "function_call_output",
    "object": "conversation.item",
    "name": "HassTurnOn",
    "output": '{"success": true}',
    "call_id": "call_1",
    "status": "completed",
}
ITEM_MCP_LIST_TOOLS = {"id": "item_mcpl", "type": "mcp_list_tools", "server_label": "docs"}
ITEM_MCP_CALL = {
    "id": "item_mcpc",
    "type": "mcp_call",
    "server_label": "docs",
    "name": "search",
    "approval_request_id": None,
    "arguments": '{"q": "voice"}',
    "output": None,
    "error": None,
}
ITEM_MCP_CALL_DONE = {
    "id": "item_mcpc2",
    "type": "mcp_call",
    "server_label": "docs",
    "name": "search",
    "approval_request_id": "item_mcpa",
    "arguments": '{"q": "voice"}',
    "output": "3 results",
    "error": {"message": "partial"},
}
ITEM_MCP_APPROVAL_REQUEST = {
    "id": "item_mcpa",
    "type": "mcp_approval_request",
    "server_label": "files",
    "name": "write",
    "arguments": '{"path": "/tmp/x"}',
}

USAGE = {
    "total_tokens": 420,
    "input_tokens": 300,
    "output_tokens": 120,
    "input_token_details": {"cached_tokens": 0, "text_tokens": 100, "audio_tokens": 200},
    "output_token_details": {"text_tokens": 20, "audio_tokens": 100},
}

RESPONSE_DONE_BODY = {
    "id": "resp_1",
    "object": "realtime.response",
    "status": "completed",
    "output": [ITEM_ASSISTANT_AUDIO, ITEM_FUNCTION_CALL],
    "usage": USAGE,
    "conversation_id": "conv_1",
    "voice": VOICE_AZURE_CUSTOM,
    "modalities": ["text", "audio"],
    "output_audio_format": "pcm16",
    "temperature": 0.8,
    "max_response_output_tokens": "inf",
}
RESPONSE_FAILED_BODY = {
    "id": "resp_2",
    "object": "realtime.response",
    "status": "failed",
    "status_details": {
        "type": "failed",
        "reason": "server_error",
        "error": {
            "type": "server_error",
            "code": "internal",
            "message": "The server had an error.",
            "param": "response",
            "event_id": "evt_9",
        },
    },
    "output": [],
}

# --- Client events ------------------------------------------------------------------------------

CLIENT_EXAMPLES: list[Json] = [
    {"type": "session.update", "event_id": "evt_c1", "session": REQUEST_SESSION_FULL},
    {
        "type": "session.update",
        "session": {
            "voice": VOICE_OPENAI,
            "turn_detection": TD_SERVER_VAD,
            "input_audio_noise_reduction": {"type": "near_field"},
            "input_audio_format": "g711_ulaw",
            "output_audio_format": "pcm16_8000hz",
            "tool_choice": {"type": "function", "name": "HassTurnOn"},
            "max_response_output_tokens": "inf",
            "temperature": 1,
        },
    },
    {
        "type": "session.update",
        "session": {
            "voice": VOICE_AZURE_PERSONAL,
            "turn_detection": TD_SEMANTIC_VAD,
            "input_audio_noise_reduction": {"type": "far_field"},
            "input_audio_transcription": {"model": "whisper-1"},
        },
    },
    {
        "type": "session.update",
        "session": {
            "voice": VOICE_AZURE_CUSTOM,
            "turn_detection": TD_AZURE_SEMANTIC_VAD_MULTILINGUAL,
        },
    },
    {"type": "session.update", "session": {"turn_detection": None, "modalities": ["text"]}},
    {"type": "session.update", "session": {}},
    {"type": "session.avatar.connect", "client_sdp": "v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\n"},
    {"type": "input_audio_buffer.append", "event_id": "evt_a1", "audio": AUDIO_40MS_24K},
    {"type": "input_audio_buffer.commit"},
    {"type": "input_audio_buffer.clear", "event_id": "evt_x"},
    {
        "type": "conversation.item.create",
        "previous_item_id": "item_0",
        "item": {
            "type": "message",
            "role": "user",
            "id": "item_u1",
            "content": [
                {"type": "input_text", "text": "What is the temperature?"},
                {"type": "input_audio", "audio": "AAAA", "transcript": "hello"},
            ],
        },
    },
    {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "system",
            "id": "item_s1",
            "content": [{"type": "input_text", "text": "Answer in English."}],
        },
    },
    {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": "Sure."}],
        },
    },
    {
        "type": "conversation.item.create",
        "item": {
            "type": "function_call",
            "name": "HassTurnOn",
            "arguments": "{}",
            "call_id": "call_9",
            "id": "item_fc9",
        },
    },
    {
        "type": "conversation.item.create",
        "item": {
            "type": "function_call_output",
            "call_id": "call_1",
            "output": '{"success": true}',
            "id": "item_o1",
        },
    },
    {
        "type": "conversation.item.create",
        "item": {
            "type": "mcp_approval_response",
            "approve": True,
            "approval_request_id": "item_mcpa",
        },
    },
    {"type": "conversation.item.retrieve", "item_id": "item_asst1"},
    {
        "type": "conversation.item.truncate",
        "item_id": "item_asst1",
        "content_index": 0,
        "audio_end_ms": 1520,
    },
    {"type": "conversation.item.delete", "item_id": "item_u1"},
    {"type": "response.create"},
    {
        "type": "response.create",
        "event_id": "evt_r1",
        "response": {
            "modalities": ["text", "audio"],
            "instructions": "Say goodbye.",
            "voice": VOICE_OPENAI,
            "tools": [FUNCTION_TOOL],
            "tool_choice": "required",
            "temperature": 0.6,
            "max_response_output_tokens": 200,
            "conversation": "none",
            "metadata": {"source": "automation"},
        },
    },
    {"type": "response.create", "response": {"tool_choice": "none", "conversation": "auto"}},
    {"type": "response.cancel"},
    {"type": "mcp_approval_response", "approve": False, "approval_request_id": "item_mcpa"},
]

# --- Server events ------------------------------------------------------------------------------


def _content(**fields: Any) -> Json:
    base: Json = {
        "response_id": "resp_1",
        "item_id": "item_asst1",
        "output_index": 0,
        "content_index": 0,
    }
    base.update(fields)
    return base


SERVER_EXAMPLES: list[Json] = [
    {
        "type": "error",
        "event_id": "evt_s0",
        "error": {
            "type": "invalid_request_error",
            "code": "invalid_value",
            "message": "Invalid value for 'session.voice'.",
            "param": "session.voice",
            "event_id": "evt_c1",
        },
    },
    {"type": "error", "error": {"code": "server_error", "message": "Try again."}},
    {"type": "session.created", "event_id": "evt_s1", "session": RESPONSE_SESSION},
    {
        "type": "session.updated",
        "event_id": "evt_s2",
        "session": {**RESPONSE_SESSION, "turn_detection": None, "voice": VOICE_AZURE_STANDARD},
    },
    {
        "type": "session.updated",
        "session": {
            k: v
            for k, v in RESPONSE_SESSION.items()
            if k not in ("instructions", "voice", "turn_detection", "avatar")
        },
    },
    {"type": "session.avatar.connecting", "server_sdp": "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\n"},
    {
        "type": "conversation.item.created",
        "event_id": "evt_s3",
        "previous_item_id": "item_sys1",
        "item": ITEM_USER,
    },
    {"type": "conversation.item.created", "item": ITEM_SYSTEM},
    {"type": "conversation.item.created", "item": ITEM_FUNCTION_CALL_OUTPUT},
    {"type": "conversation.item.created", "item": ITEM_MCP_APPROVAL_REQUEST},
    {
        "type": "conversation.item.created",
        "item": {
            **ITEM_USER,
            "content": [{"type": "input_text", "text": "Hi"}, {"type": "input_audio"}],
        },
    },
    {"type": "conversation.item.retrieved", "item": ITEM_ASSISTANT_TEXT},
    {
        "type": "conversation.item.truncated",
        "item_id": "item_asst1",
        "content_index": 0,
        "audio_end_ms": 1520,
    },
    {"type": "conversation.item.deleted", "item_id": "item_u1"},
    {
        "type": "conversation.item.input_audio_transcription.completed",
        "item_id": "item_user1",
        "content_index": 0,
        "transcript": "turn on the kitchen light",
    },
    {
        "type": "conversation.item.input_audio_transcription.delta",
        "item_id": "item_user1",
        "content_index": 0,
        "delta": "turn on",
    },
    {
        "type": "conversation.item.input_audio_transcription.failed",
        "item_id": "item_user1",
        "content_index": 0,
        "error": {"type": "transcription_error", "code": "audio_unintelligible", "message": "?"},
    },
    {
        "type": "input_audio_buffer.committed",
        "previous_item_id": "item_sys1",
        "item_id": "item_user1",
    },
    {"type": "input_audio_buffer.cleared"},
    {
        "type": "input_audio_buffer.speech_started",
        "event_id": "evt_s4",
        "audio_start_ms": 1200,
        "item_id": "item_user1",
    },
    {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 2900, "item_id": "item_user1"},
    {
        "type": "response.created",
        "response": {
            "id": "resp_1",
            "object": "realtime.response",
            "status": "in_progress",
            "output": [],
        },
    },
    {"type": "response.created", "response": {}},
    {"type": "response.done", "event_id": "evt_s5", "response": RESPONSE_DONE_BODY},
    {"type": "response.done", "response": RESPONSE_FAILED_BODY},
    {
        "type": "response.done",
        "response": {
            "id": "resp_3",
            "status": "cancelled",
            "status_details": {"type": "cancelled", "reason": "turn_detected"},
            "output": [ITEM_MCP_LIST_TOOLS, ITEM_MCP_CALL, ITEM_MCP_CALL_DONE],
            "usage": {"total_tokens": 10, "input_tokens": 8, "output_tokens": 2},
        },
    },
    {
        "type": "response.done",
        "response": {"id": "resp_4", "status": "incomplete", "output": [ITEM_ASSISTANT_TEXT]},
    },
    {
        "type": "response.output_item.added",
        "response_id": "resp_1",
        "output_index": 0,
        "item": {**ITEM_ASSISTANT_AUDIO, "content": []},
    },
    {
        "type": "response.output_item.done",
        "response_id": "resp_1",
        "output_index": 0,
        "item": ITEM_ASSISTANT_AUDIO,
    },
    {
        "type": "response.output_item.done",
        "response_id": "resp_1",
        "output_index": 1,
        "item": ITEM_FUNCTION_CALL,
    },
    {
        "type": "response.content_part.added",
        **_content(part={"type": "audio", "transcript": ""}),
    },
    {
        "type": "response.content_part.done",
        **_content(part={"type": "audio", "audio": "AAAA", "transcript": "Done."}),
    },
    {"type": "response.content_part.done", **_content(part={"type": "text", "text": "Done."})},
    {"type": "response.text.delta", **_content(delta="It is ")},
    {"type": "response.text.done", **_content(text="It is 21 degrees.")},
    {"type": "response.audio.delta", "event_id": "evt_s6", **_content(delta=AUDIO_40MS_24K)},
    {"type": "response.audio.done", **_content()},
    {"type": "response.audio_transcript.delta", **_content(delta="Done, the ")},
    {
        "type": "response.audio_transcript.done",
        **_content(transcript="Done, the kitchen light is on."),
    },
    {
        "type": "response.animation_blendshapes.delta",
        **_content(frame_index=3, frames=[[0.0, 0.25, 1], [0.5, 0.125, 0]]),
    },
    {
        "type": "response.animation_blendshapes.done",
        "response_id": "resp_1",
        "item_id": "item_asst1",
        "output_index": 0,
    },
    {
        "type": "response.audio_timestamp.delta",
        **_content(
            audio_offset_ms=450, audio_duration_ms=200, text="kitchen", timestamp_type="word"
        ),
    },
    {"type": "response.audio_timestamp.done", **_content()},
    {"type": "response.animation_viseme.delta", **_content(audio_offset_ms=450, viseme_id=12)},
    {"type": "response.animation_viseme.done", **_content()},
    {
        "type": "response.function_call_arguments.delta",
        "response_id": "resp_1",
        "item_id": "item_fc1",
        "output_index": 1,
        "call_id": "call_1",
        "delta": '{"name": ',
    },
    {
        "type": "response.function_call_arguments.done",
        "response_id": "resp_1",
        "item_id": "item_fc1",
        "output_index": 1,
        "call_id": "call_1",
        "arguments": '{"name": "kitchen light"}',
    },
    {"type": "mcp_list_tools.in_progress", "item_id": "item_mcpl"},
    {"type": "mcp_list_tools.completed", "item_id": "item_mcpl"},
    {"type": "mcp_list_tools.failed", "item_id": "item_mcpl"},
    {
        "type": "response.mcp_call_arguments.delta",
        "response_id": "resp_3",
        "item_id": "item_mcpc",
        "output_index": 1,
        "delta": '{"q": ',
    },
    {
        "type": "response.mcp_call_arguments.done",
        "response_id": "resp_3",
        "item_id": "item_mcpc",
        "output_index": 1,
        "arguments": '{"q": "voice"}',
    },
    {"type": "response.mcp_call.in_progress", "item_id": "item_mcpc", "output_index": 1},
    {"type": "response.mcp_call.completed", "item_id": "item_mcpc", "output_index": 1},
    {"type": "response.mcp_call.failed", "item_id": "item_mcpc", "output_index": 1},
    {
        "type": "rate_limits.updated",
        "rate_limits": [
            {"name": "requests", "limit": 1000, "remaining": 999, "reset_seconds": 60},
            {"name": "tokens", "limit": 50000, "remaining": 49580, "reset_seconds": 1},
        ],
    },
]


def examples(side: str) -> list[Json]:
    """Deep copies of the examples of one side, safe to mutate."""
    return copy.deepcopy(CLIENT_EXAMPLES if side == "client" else SERVER_EXAMPLES)


def example_ids(table: list[Json]) -> list[str]:
    """Stable, readable test ids: the event type and its position in the table."""
    return [f"{example['type']}-{index}" for index, example in enumerate(table)]
