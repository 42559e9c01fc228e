"""Constants of the Azure Voice Live integration: config keys, option keys and defaults."""

from __future__ import annotations

import logging
from typing import Any, Final

DOMAIN: Final = "azure_voice_live"
LOGGER = logging.getLogger(__package__)

# --- Config entry data (the connection) ---------------------------------------------------------
CONF_ENDPOINT: Final = "endpoint"
CONF_TARGET: Final = "target"  # "model" or "agent"
CONF_MODEL: Final = "model"
CONF_AGENT_NAME: Final = "agent_name"
CONF_AGENT_PROJECT: Final = "agent_project"
CONF_AGENT_VERSION: Final = "agent_version"
CONF_API_VERSION: Final = "api_version"

TARGET_MODEL: Final = "model"
TARGET_AGENT: Final = "agent"
DEFAULT_MODEL: Final = "gpt-realtime"
DEFAULT_API_VERSION: Final = "2025-10-01"
SUGGESTED_MODELS: Final = [
    "gpt-realtime",
    "gpt-realtime-mini",
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "phi4-mm-realtime",
    "phi4-mini",
]

# --- Options (the agent) ------------------------------------------------------------------------
CONF_PROMPT: Final = "prompt"
# CONF_LLM_HASS_API ("llm_hass_api") comes from homeassistant.const.
CONF_SERVICES: Final = "services"
CONF_TOOL_CHOICE: Final = "tool_choice"
CONF_MCP_SERVERS: Final = "mcp_servers"

# Sections of the options form; each one is a nested dict in the options.
SECTION_VOICE: Final = "voice"
SECTION_RESPONSE: Final = "response"
SECTION_TURN_DETECTION: Final = "turn_detection"
SECTION_AUDIO: Final = "audio"

# voice section
CONF_VOICE_TYPE: Final = "type"
CONF_VOICE_NAME: Final = "name"
CONF_VOICE_LOCALE: Final = "locale"
CONF_VOICE_STYLE: Final = "style"
CONF_VOICE_RATE: Final = "rate"
CONF_VOICE_PITCH: Final = "pitch"
CONF_VOICE_VOLUME: Final = "volume"
CONF_VOICE_TEMPERATURE: Final = "temperature"
CONF_VOICE_ENDPOINT_ID: Final = "endpoint_id"
CONF_VOICE_MODEL: Final = "model"

VOICE_OPENAI: Final = "openai"
VOICE_AZURE_STANDARD: Final = "azure-standard"
VOICE_AZURE_CUSTOM: Final = "azure-custom"
VOICE_AZURE_PERSONAL: Final = "azure-personal"
VOICE_TYPES: Final = [VOICE_AZURE_STANDARD, VOICE_OPENAI, VOICE_AZURE_CUSTOM, VOICE_AZURE_PERSONAL]
OPENAI_VOICES: Final = [
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
]
DEFAULT_VOICE_TYPE: Final = VOICE_AZURE_STANDARD
DEFAULT_VOICE_NAME: Final = "en-US-Ava:DragonHDLatestNeural"

# response section
CONF_MODALITIES: Final = "modalities"
CONF_TEMPERATURE: Final = "temperature"
CONF_MAX_TOKENS: Final = "max_response_output_tokens"
DEFAULT_MODALITIES: Final = ["text", "audio"]
DEFAULT_MAX_TOKENS: Final = "inf"

# turn detection section
CONF_TD_TYPE: Final = "type"
CONF_TD_THRESHOLD: Final = "threshold"
CONF_TD_PREFIX_PADDING_MS: Final = "prefix_padding_ms"
CONF_TD_SILENCE_DURATION_MS: Final = "silence_duration_ms"
CONF_TD_SPEECH_DURATION_MS: Final = "speech_duration_ms"
CONF_TD_REMOVE_FILLER_WORDS: Final = "remove_filler_words"
CONF_TD_LANGUAGES: Final = "languages"
CONF_TD_EAGERNESS: Final = "eagerness"
CONF_TD_CREATE_RESPONSE: Final = "create_response"
CONF_TD_INTERRUPT_RESPONSE: Final = "interrupt_response"
CONF_TD_AUTO_TRUNCATE: Final = "auto_truncate"
CONF_TD_EOU_MODEL: Final = "eou_model"
CONF_TD_EOU_THRESHOLD_LEVEL: Final = "eou_threshold_level"
CONF_TD_EOU_TIMEOUT_MS: Final = "eou_timeout_ms"

TD_NONE: Final = "none"
TD_SERVER_VAD: Final = "server_vad"
TD_SEMANTIC_VAD: Final = "semantic_vad"
TD_AZURE_SEMANTIC_VAD: Final = "azure_semantic_vad"
TD_AZURE_SEMANTIC_VAD_MULTILINGUAL: Final = "azure_semantic_vad_multilingual"
TD_TYPES: Final = [
    TD_SERVER_VAD,
    TD_SEMANTIC_VAD,
    TD_AZURE_SEMANTIC_VAD,
    TD_AZURE_SEMANTIC_VAD_MULTILINGUAL,
    TD_NONE,
]
DEFAULT_TD_TYPE: Final = TD_AZURE_SEMANTIC_VAD
EOU_NONE: Final = "none"
EOU_MODELS: Final = [EOU_NONE, "semantic_detection_v1", "semantic_detection_v1_multilingual"]
EOU_THRESHOLD_LEVELS: Final = ["default", "low", "medium", "high"]
EAGERNESS_LEVELS: Final = ["auto", "low", "high"]

# audio section
CONF_NOISE_REDUCTION: Final = "noise_reduction"
CONF_ECHO_CANCELLATION: Final = "echo_cancellation"
CONF_INPUT_AUDIO_FORMAT: Final = "input_audio_format"
CONF_INPUT_SAMPLING_RATE: Final = "input_audio_sampling_rate"
CONF_OUTPUT_AUDIO_FORMAT: Final = "output_audio_format"
CONF_TRANSCRIPTION_MODEL: Final = "transcription_model"
CONF_TRANSCRIPTION_LANGUAGE: Final = "transcription_language"
CONF_PHRASE_LIST: Final = "phrase_list"
CONF_WORD_TIMESTAMPS: Final = "word_timestamps"

NOISE_REDUCTION_NONE: Final = "none"
NOISE_REDUCTION_TYPES: Final = [
    "azure_deep_noise_suppression",
    "near_field",
    "far_field",
    NOISE_REDUCTION_NONE,
]
DEFAULT_NOISE_REDUCTION: Final = "azure_deep_noise_suppression"
ECHO_CANCELLATION_NONE: Final = "none"
ECHO_CANCELLATION_TYPES: Final = ["server_echo_cancellation", ECHO_CANCELLATION_NONE]
DEFAULT_ECHO_CANCELLATION: Final = "server_echo_cancellation"
INPUT_AUDIO_FORMATS: Final = ["pcm16", "g711_ulaw", "g711_alaw"]
OUTPUT_AUDIO_FORMATS: Final = ["pcm16", "pcm16_8000hz", "pcm16_16000hz", "g711_ulaw", "g711_alaw"]
INPUT_SAMPLING_RATES: Final = ["24000", "16000"]
DEFAULT_AUDIO_FORMAT: Final = "pcm16"
TRANSCRIPTION_NONE: Final = "none"
TRANSCRIPTION_MODELS: Final = [
    "azure-speech",
    "whisper-1",
    "gpt-4o-transcribe",
    "gpt-4o-mini-transcribe",
    "gpt-4o-transcribe-diarize",
    TRANSCRIPTION_NONE,
]
DEFAULT_TRANSCRIPTION_MODEL: Final = "azure-speech"

TOOL_CHOICES: Final = ["auto", "none", "required"]
DEFAULT_TOOL_CHOICE: Final = "auto"

# MCP server entries (a list of dicts in options[CONF_MCP_SERVERS])
CONF_MCP_LABEL: Final = "server_label"
CONF_MCP_URL: Final = "server_url"
CONF_MCP_ALLOWED_TOOLS: Final = "allowed_tools"
CONF_MCP_HEADERS: Final = "headers"
CONF_MCP_REQUIRE_APPROVAL: Final = "require_approval"
CONF_MCP_APPROVED_TOOLS: Final = "approved_tools"
MCP_APPROVAL_MODES: Final = ["always", "never"]

# --- Runtime ------------------------------------------------------------------------------------
# A text conversation's Voice Live session stays open this long after its last turn.
IDLE_TIMEOUT: Final = 300.0
# Function-call rounds the model may chain within one user turn before we stop it.
MAX_TOOL_ROUNDS: Final = 10
# Longest wait for one reply event before a text turn gives up.
TURN_TIMEOUT: Final = 60.0
# Longest wait for session.created / session.updated.
SESSION_TIMEOUT: Final = 15.0

# --- Satellites ---------------------------------------------------------------------------------
# A config entry is either a Voice Live agent (the default) or a Pi satellite that uses one.
CONF_KIND: Final = "kind"
KIND_AGENT: Final = "agent"
KIND_SATELLITE: Final = "satellite"
CONF_HOST: Final = "host"
CONF_PORT: Final = "port"
CONF_SATELLITE_ID: Final = "satellite_id"
CONF_PAIRING_KEY: Final = "pairing_key"
CONF_AGENT_ENTRY_ID: Final = "agent_entry_id"


def entry_kind(entry: Any) -> str:
    """`satellite` for a satellite entry, `agent` for every other (older entries have no kind)."""
    return str(entry.data.get(CONF_KIND, KIND_AGENT))
