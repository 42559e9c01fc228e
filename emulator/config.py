"""The session configuration: the service's defaults, `session.update` merging, and its checks.

The emulator keeps the whole requested configuration (a `RealtimeRequestSession` with every
field the client set, merged update by update) and derives from it the effective
`RealtimeResponseSession` that `session.created` and `session.updated` report.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from msgspec import UNSET
from voicelive.models import (
    AzureSemanticVAD,
    AzureSemanticVADMultilingual,
    AzureStandardVoice,
    FunctionTool,
    MCPTool,
    RealtimeRequestSession,
    RealtimeResponseSession,
    RealtimeTool,
    RealtimeTurnDetection,
    SemanticVAD,
    ServerVAD,
)

from .errors import RequestError

DEFAULT_MODEL = "gpt-realtime"
DEFAULT_VOICE = AzureStandardVoice(name="en-US-AvaNeural")
DEFAULT_THRESHOLD = 0.5
DEFAULT_PREFIX_PADDING_MS = 300
DEFAULT_SILENCE_MS = 500
INPUT_RATES = (8000, 16000, 24000)


def default_config(model: str) -> RealtimeRequestSession:
    """What a fresh session has before any `session.update`: the service's defaults."""
    return RealtimeRequestSession(
        model=model,
        modalities=["text", "audio"],
        voice=DEFAULT_VOICE,
        instructions="",
        input_audio_sampling_rate=24000,
        input_audio_format="pcm16",
        output_audio_format="pcm16",
        turn_detection=ServerVAD(
            threshold=DEFAULT_THRESHOLD,
            prefix_padding_ms=DEFAULT_PREFIX_PADDING_MS,
            silence_duration_ms=DEFAULT_SILENCE_MS,
        ),
        tools=[],
        tool_choice="auto",
        temperature=0.8,
        max_response_output_tokens="inf",
    )


def merge(config: RealtimeRequestSession, update: RealtimeRequestSession) -> RealtimeRequestSession:
    """`config` with every field that `update` sets (an explicit null stays: it disables VAD)."""
    changes = {
        field: getattr(update, field)
        for field in update.__struct_fields__
        if getattr(update, field) is not UNSET
    }
    check(update)
    return msgspec.structs.replace(config, **changes)


def check(update: RealtimeRequestSession) -> None:
    """Refuse values that fit the schema's types but not the service's ranges."""
    if update.input_audio_sampling_rate is not UNSET and (
        update.input_audio_sampling_rate not in INPUT_RATES
    ):
        raise RequestError(
            "invalid_value",
            f"input_audio_sampling_rate must be one of {list(INPUT_RATES)}, "
            f"not {update.input_audio_sampling_rate}",
            "session.input_audio_sampling_rate",
        )
    if update.temperature is not UNSET and not 0.0 <= update.temperature <= 2.0:
        raise RequestError(
            "invalid_value",
            f"temperature must be between 0 and 2, not {update.temperature}",
            "session.temperature",
        )
    tokens = update.max_response_output_tokens
    if isinstance(tokens, int) and not 1 <= tokens <= 4096:
        raise RequestError(
            "invalid_value",
            f"max_response_output_tokens must be between 1 and 4096 or 'inf', not {tokens}",
            "session.max_response_output_tokens",
        )
    td = update.turn_detection
    if isinstance(td, ServerVAD | AzureSemanticVAD | AzureSemanticVADMultilingual):
        if td.threshold is not UNSET and not 0.0 <= td.threshold <= 1.0:
            raise RequestError(
                "invalid_value",
                f"threshold must be between 0 and 1, not {td.threshold}",
                "session.turn_detection.threshold",
            )
        for name in ("prefix_padding_ms", "silence_duration_ms"):
            value = getattr(td, name)
            if value is not UNSET and value < 0:
                raise RequestError(
                    "invalid_value",
                    f"{name} cannot be negative",
                    f"session.turn_detection.{name}",
                )
    if update.tools is not UNSET:
        check_tools(update.tools, "session.tools")


def check_tools(tools: list[RealtimeTool], param: str) -> None:
    """Function names and MCP server labels must be unique; parameters must be a schema object."""
    seen: set[str] = set()
    for index, tool in enumerate(tools):
        key = tool.name if isinstance(tool, FunctionTool) else f"mcp:{tool.server_label}"
        if key in seen:
            raise RequestError("invalid_value", f"duplicate tool {key!r}", f"{param}[{index}]")
        seen.add(key)
        if isinstance(tool, FunctionTool) and tool.parameters.get("type", "object") != "object":
            raise RequestError(
                "invalid_value",
                "a function's parameters must be a JSON Schema of type 'object'",
                f"{param}[{index}].parameters",
            )
        if isinstance(tool, MCPTool) and not tool.server_url.startswith(("http://", "https://")):
            raise RequestError(
                "invalid_value",
                "server_url must be an http(s) URL",
                f"{param}[{index}].server_url",
            )


def effective(session_id: str, config: RealtimeRequestSession) -> RealtimeResponseSession:
    """The `RealtimeResponseSession` that reports `config`."""
    assert config.model is not UNSET
    assert config.modalities is not UNSET
    assert config.input_audio_sampling_rate is not UNSET
    assert config.input_audio_format is not UNSET
    assert config.output_audio_format is not UNSET
    assert config.temperature is not UNSET
    assert config.max_response_output_tokens is not UNSET
    return RealtimeResponseSession(
        object="realtime.session",
        id=session_id,
        model=config.model,
        modalities=list(config.modalities),
        instructions=config.instructions,
        voice=config.voice,
        input_audio_sampling_rate=config.input_audio_sampling_rate,
        input_audio_format=config.input_audio_format,
        output_audio_format=config.output_audio_format,
        turn_detection=config.turn_detection,
        temperature=config.temperature,
        max_response_output_tokens=config.max_response_output_tokens,
        avatar=config.avatar,
    )


@dataclass(frozen=True, slots=True)
class VadSettings:
    """Turn detection reduced to what the VAD needs; every type gets the energy VAD."""

    threshold: float
    prefix_padding_ms: int
    silence_duration_ms: int
    create_response: bool
    interrupt_response: bool
    auto_truncate: bool


_EAGERNESS_SILENCE = {"low": 800, "auto": DEFAULT_SILENCE_MS, "high": 300}


def vad_settings(td: RealtimeTurnDetection | None) -> VadSettings | None:
    """The VAD parameters of a turn detection setting, with the service's defaults."""
    if td is None:
        return None

    def pick[T](value: T | msgspec.UnsetType, default: T) -> T:
        return default if isinstance(value, msgspec.UnsetType) else value

    if isinstance(td, SemanticVAD):
        eagerness = pick(td.eagerness, "auto")
        return VadSettings(
            threshold=DEFAULT_THRESHOLD,
            prefix_padding_ms=DEFAULT_PREFIX_PADDING_MS,
            silence_duration_ms=_EAGERNESS_SILENCE[eagerness],
            create_response=pick(td.create_response, True),
            interrupt_response=pick(td.interrupt_response, True),
            auto_truncate=False,
        )
    return VadSettings(
        threshold=float(pick(td.threshold, DEFAULT_THRESHOLD)),
        prefix_padding_ms=pick(td.prefix_padding_ms, DEFAULT_PREFIX_PADDING_MS),
        silence_duration_ms=pick(td.silence_duration_ms, DEFAULT_SILENCE_MS),
        create_response=pick(td.create_response, True),
        interrupt_response=pick(td.interrupt_response, True),
        auto_truncate=pick(td.auto_truncate, False),
    )
