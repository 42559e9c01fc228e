"""From the integration's options to the `session.update` payload: one pure function.

Everything the user sets in the options flow lands in the `RealtimeRequestSession` here, and
nowhere else, so that the text conversation, the config flow's validation and the satellite bridge
all ask Voice Live for exactly the same session. The result is validated strictly against the
schema before it is returned, so a bad option fails here with a clear `ProtocolError` and never
as an `error` event from the service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from msgspec import UNSET

from .const import (
    CONF_ECHO_CANCELLATION,
    CONF_INPUT_AUDIO_FORMAT,
    CONF_INPUT_SAMPLING_RATE,
    CONF_MAX_TOKENS,
    CONF_MODALITIES,
    CONF_NOISE_REDUCTION,
    CONF_OUTPUT_AUDIO_FORMAT,
    CONF_PHRASE_LIST,
    CONF_TD_AUTO_TRUNCATE,
    CONF_TD_CREATE_RESPONSE,
    CONF_TD_EAGERNESS,
    CONF_TD_EOU_MODEL,
    CONF_TD_EOU_THRESHOLD_LEVEL,
    CONF_TD_EOU_TIMEOUT_MS,
    CONF_TD_INTERRUPT_RESPONSE,
    CONF_TD_LANGUAGES,
    CONF_TD_PREFIX_PADDING_MS,
    CONF_TD_REMOVE_FILLER_WORDS,
    CONF_TD_SILENCE_DURATION_MS,
    CONF_TD_SPEECH_DURATION_MS,
    CONF_TD_THRESHOLD,
    CONF_TD_TYPE,
    CONF_TEMPERATURE,
    CONF_TOOL_CHOICE,
    CONF_TRANSCRIPTION_LANGUAGE,
    CONF_TRANSCRIPTION_MODEL,
    CONF_VOICE_ENDPOINT_ID,
    CONF_VOICE_LOCALE,
    CONF_VOICE_MODEL,
    CONF_VOICE_NAME,
    CONF_VOICE_PITCH,
    CONF_VOICE_RATE,
    CONF_VOICE_STYLE,
    CONF_VOICE_TEMPERATURE,
    CONF_VOICE_TYPE,
    CONF_VOICE_VOLUME,
    CONF_WORD_TIMESTAMPS,
    DEFAULT_ECHO_CANCELLATION,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MODALITIES,
    DEFAULT_NOISE_REDUCTION,
    DEFAULT_TD_TYPE,
    DEFAULT_TOOL_CHOICE,
    DEFAULT_TRANSCRIPTION_MODEL,
    DEFAULT_VOICE_NAME,
    DEFAULT_VOICE_TYPE,
    ECHO_CANCELLATION_NONE,
    EOU_NONE,
    NOISE_REDUCTION_NONE,
    SECTION_AUDIO,
    SECTION_RESPONSE,
    SECTION_TURN_DETECTION,
    SECTION_VOICE,
    TD_AZURE_SEMANTIC_VAD,
    TD_AZURE_SEMANTIC_VAD_MULTILINGUAL,
    TD_NONE,
    TD_SEMANTIC_VAD,
    TD_SERVER_VAD,
    TRANSCRIPTION_NONE,
    VOICE_AZURE_CUSTOM,
    VOICE_AZURE_PERSONAL,
    VOICE_AZURE_STANDARD,
    VOICE_OPENAI,
)
from .voicelive import validate_event
from .voicelive.events import SessionUpdate
from .voicelive.models import (
    AzureCustomVoice,
    AzureDeepNoiseSuppression,
    AzurePersonalVoice,
    AzureSemanticVAD,
    AzureSemanticVADMultilingual,
    AzureStandardVoice,
    FarFieldNoiseReduction,
    NearFieldNoiseReduction,
    OpenAIVoice,
    RealtimeAudioInputTranscriptionSettings,
    RealtimeEOUDetection,
    RealtimeInputAudioNoiseReductionSettings,
    RealtimeRequestSession,
    RealtimeTool,
    RealtimeTurnDetection,
    RealtimeVoice,
    SemanticVAD,
    ServerEchoCancellation,
    ServerVAD,
)

_NOISE_REDUCTION: dict[str, type[RealtimeInputAudioNoiseReductionSettings]] = {
    "azure_deep_noise_suppression": AzureDeepNoiseSuppression,
    "near_field": NearFieldNoiseReduction,
    "far_field": FarFieldNoiseReduction,
}

# Which turn-detection parameters each type takes (the schema's fields, by option key).
_VAD_COMMON = (
    CONF_TD_THRESHOLD,
    CONF_TD_PREFIX_PADDING_MS,
    CONF_TD_SILENCE_DURATION_MS,
    CONF_TD_CREATE_RESPONSE,
    CONF_TD_INTERRUPT_RESPONSE,
    CONF_TD_AUTO_TRUNCATE,
)
_AZURE_VAD = (*_VAD_COMMON, CONF_TD_SPEECH_DURATION_MS, CONF_TD_REMOVE_FILLER_WORDS)
_TD_FIELDS: dict[str, tuple[type[RealtimeTurnDetection], tuple[str, ...], bool]] = {
    # kind -> (class, plain parameters, whether it takes end_of_utterance_detection + languages)
    TD_SERVER_VAD: (ServerVAD, _VAD_COMMON, True),
    TD_SEMANTIC_VAD: (
        SemanticVAD,
        (CONF_TD_EAGERNESS, CONF_TD_CREATE_RESPONSE, CONF_TD_INTERRUPT_RESPONSE),
        False,
    ),
    TD_AZURE_SEMANTIC_VAD: (AzureSemanticVAD, _AZURE_VAD, True),
    TD_AZURE_SEMANTIC_VAD_MULTILINGUAL: (AzureSemanticVADMultilingual, _AZURE_VAD, True),
}
_INT_FIELDS = {
    CONF_TD_PREFIX_PADDING_MS,
    CONF_TD_SILENCE_DURATION_MS,
    CONF_TD_SPEECH_DURATION_MS,
}


def build_session(
    options: Mapping[str, Any],
    tools: Sequence[RealtimeTool] = (),
    *,
    instructions: str | None = None,
    modalities: Sequence[str] | None = None,
    audio_overrides: Mapping[str, Any] | None = None,
) -> RealtimeRequestSession:
    """Build the validated `RealtimeRequestSession` for these options and tools.

    `instructions` is the already rendered instruction template (the caller renders it for each
    session, since it may use the time or the user's name). `modalities` overrides the option
    (the text conversation asks for `["text"]`). `audio_overrides` takes the keys of the audio
    section (input and output format, sampling rate, noise reduction, echo cancellation) and wins
    over the options: the satellite bridge passes what the satellite really sends and plays.
    """
    response = options.get(SECTION_RESPONSE, {})
    audio = {**options.get(SECTION_AUDIO, {}), **(audio_overrides or {})}
    session = RealtimeRequestSession(
        modalities=cast(
            "Any", list(modalities or response.get(CONF_MODALITIES, DEFAULT_MODALITIES))
        ),
        voice=_voice(options.get(SECTION_VOICE, {})),
        turn_detection=_turn_detection(options.get(SECTION_TURN_DETECTION, {})),
        tool_choice=cast("Any", options.get(CONF_TOOL_CHOICE, DEFAULT_TOOL_CHOICE)),
        max_response_output_tokens=_max_tokens(response.get(CONF_MAX_TOKENS, DEFAULT_MAX_TOKENS)),
    )
    if instructions:
        session.instructions = instructions
    if (temperature := response.get(CONF_TEMPERATURE)) is not None:
        session.temperature = temperature
    if tools:
        session.tools = list(tools)
    _apply_audio(session, audio)
    validate_event(SessionUpdate(session=session))
    return session


def _max_tokens(value: Any) -> int | Any:
    """An integer number of tokens, or "inf"."""
    text = str(value).strip().lower()
    if text in ("inf", "infinite", ""):
        return "inf"
    number = float(text)  # ValueError for anything that is not a number
    if number < 1 or not number.is_integer():
        raise ValueError(f"max response output tokens: a whole number or inf, not {value!r}")
    return int(number)


def _voice(voice: Mapping[str, Any]) -> RealtimeVoice:
    kind = voice.get(CONF_VOICE_TYPE, DEFAULT_VOICE_TYPE)
    name = voice.get(CONF_VOICE_NAME) or ("alloy" if kind == VOICE_OPENAI else DEFAULT_VOICE_NAME)
    if kind == VOICE_OPENAI:
        return OpenAIVoice(name=cast("Any", name))
    prosody: dict[str, Any] = {
        key: voice[key]
        for key in (
            CONF_VOICE_LOCALE,
            CONF_VOICE_RATE,
            CONF_VOICE_PITCH,
            CONF_VOICE_VOLUME,
            CONF_VOICE_TEMPERATURE,
        )
        if voice.get(key) not in (None, "")
    }
    style = voice.get(CONF_VOICE_STYLE) or UNSET
    if kind == VOICE_AZURE_STANDARD:
        return AzureStandardVoice(name=name, style=style, **prosody)
    if kind == VOICE_AZURE_CUSTOM:
        return AzureCustomVoice(
            name=name, endpoint_id=voice.get(CONF_VOICE_ENDPOINT_ID, ""), style=style, **prosody
        )
    if kind == VOICE_AZURE_PERSONAL:
        return AzurePersonalVoice(
            name=name, model=voice.get(CONF_VOICE_MODEL) or "DragonLatestNeural", **prosody
        )
    raise ValueError(f"unknown voice type {kind!r}")


def _turn_detection(options: Mapping[str, Any]) -> RealtimeTurnDetection | None:
    kind = options.get(CONF_TD_TYPE, DEFAULT_TD_TYPE)
    if kind == TD_NONE:
        return None
    if kind not in _TD_FIELDS:
        raise ValueError(f"unknown turn detection type {kind!r}")
    cls, fields, takes_eou = _TD_FIELDS[kind]
    params: dict[str, Any] = {}
    for key in fields:
        value = options.get(key)
        if value is None or value == "":
            continue
        params[key] = int(value) if key in _INT_FIELDS else value
    if takes_eou:
        eou_model = options.get(CONF_TD_EOU_MODEL, EOU_NONE)
        if eou_model and eou_model != EOU_NONE:
            eou = RealtimeEOUDetection(model=eou_model)
            if level := options.get(CONF_TD_EOU_THRESHOLD_LEVEL):
                eou.threshold_level = level
            if (timeout := options.get(CONF_TD_EOU_TIMEOUT_MS)) is not None:
                eou.timeout_ms = timeout
            params["end_of_utterance_detection"] = eou
        if kind != TD_SERVER_VAD and (languages := options.get(CONF_TD_LANGUAGES)):
            params["languages"] = list(languages)
    return cls(**params)


def _apply_audio(session: RealtimeRequestSession, audio: Mapping[str, Any]) -> None:
    noise = audio.get(CONF_NOISE_REDUCTION, DEFAULT_NOISE_REDUCTION)
    if noise and noise != NOISE_REDUCTION_NONE:
        if noise not in _NOISE_REDUCTION:
            raise ValueError(f"unknown noise reduction {noise!r}")
        session.input_audio_noise_reduction = _NOISE_REDUCTION[noise]()
    echo = audio.get(CONF_ECHO_CANCELLATION, DEFAULT_ECHO_CANCELLATION)
    if echo and echo != ECHO_CANCELLATION_NONE:
        if echo != DEFAULT_ECHO_CANCELLATION:
            raise ValueError(f"unknown echo cancellation {echo!r}")
        session.input_audio_echo_cancellation = ServerEchoCancellation()
    if fmt := audio.get(CONF_INPUT_AUDIO_FORMAT):
        session.input_audio_format = fmt
    if rate := audio.get(CONF_INPUT_SAMPLING_RATE):
        session.input_audio_sampling_rate = int(rate)
    if fmt := audio.get(CONF_OUTPUT_AUDIO_FORMAT):
        session.output_audio_format = fmt
    model = audio.get(CONF_TRANSCRIPTION_MODEL, DEFAULT_TRANSCRIPTION_MODEL)
    if model and model != TRANSCRIPTION_NONE:
        transcription = RealtimeAudioInputTranscriptionSettings(model=model)
        if language := audio.get(CONF_TRANSCRIPTION_LANGUAGE):
            transcription.language = language
        if phrases := [p for p in audio.get(CONF_PHRASE_LIST, []) if p]:
            transcription.phrase_list = phrases
        session.input_audio_transcription = transcription
    if audio.get(CONF_WORD_TIMESTAMPS):
        session.output_audio_timestamp_types = ["word"]
