"""The component models, unions and enumerations of the Voice Live schema.

Names follow `spec/voice-live-schema.md` so that a reader can hold one beside the other. Every model
is a `msgspec.Struct`: decoding validates types, enumerations and union tags in C, and a field the
schema marks optional defaults to `UNSET`, so an absent field stays absent when we encode again.
`None` is accepted only where the schema (or the service's documented behaviour, such as
`turn_detection: null`) allows it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType


class Model(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, dict=True):
    """Base of every schema object.

    `forbid_unknown_fields` makes the strict decoder refuse fields that the schema lacks; the
    lenient reader (see `codec`) keeps them aside instead. `dict=True` gives each instance a
    `__dict__` where the lenient reader parks such unknown fields so that they survive a re-encode.
    """


class _TagRequired(Model, tag_field="type", tag="", kw_only=True, forbid_unknown_fields=False):
    """Never valid; it makes the decoder demand the `type` of a model that stands alone.

    msgspec checks a tag only to choose among the members of a union, so a tagged model that is
    the only object type of its field (echo cancellation, a forced tool choice) would decode with
    its `type` missing, where the schema requires it. Put beside that model in the field's type,
    this placeholder makes the field a union, so a missing `type` is refused; and it refuses
    itself (whatever other fields come with it), so `"type": ""` is as invalid as any other
    unknown tag.
    """

    def __post_init__(self) -> None:
        raise ValueError("Invalid value '' (at type)")


# --- Enumerations -------------------------------------------------------------------------------

RealtimeItemStatus = Literal["in_progress", "completed", "incomplete"]
RealtimeResponseStatus = Literal["in_progress", "completed", "cancelled", "incomplete", "failed"]
RealtimeModality = Literal["text", "audio", "animation", "avatar"]
RealtimeAudioFormat = Literal["pcm16", "g711_ulaw", "g711_alaw"]
RealtimeOutputAudioFormat = Literal[
    "pcm16", "pcm16_8000hz", "pcm16_16000hz", "g711_ulaw", "g711_alaw"
]
RealtimeAudioTimestampType = Literal["word"]
RealtimeAnimationOutputType = Literal["blendshapes", "viseme_id"]
OpenAIVoiceName = Literal[
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"
]
TranscriptionModel = Literal[
    "whisper-1",
    "gpt-4o-transcribe",
    "gpt-4o-mini-transcribe",
    "gpt-4o-transcribe-diarize",
    "azure-speech",
]
EOUModel = Literal["semantic_detection_v1", "semantic_detection_v1_multilingual"]
EOUThresholdLevel = Literal["low", "medium", "high", "default"]
SemanticEagerness = Literal["auto", "low", "high"]
ToolChoiceMode = Literal["auto", "none", "required"]
ApprovalMode = Literal["never", "always"]
MaxTokens = int | Literal["inf"]
# A JSON number: ints stay ints and floats stay floats, so a round trip keeps every value exact.
Number = int | float


# --- Voices -------------------------------------------------------------------------------------


class OpenAIVoice(Model, tag_field="type", tag="openai", kw_only=True):
    """One of OpenAI's built-in voices."""

    name: OpenAIVoiceName


class AzureStandardVoice(Model, tag_field="type", tag="azure-standard", kw_only=True):
    """An Azure neural voice by name, such as `en-US-AvaNeural`, with optional prosody."""

    name: str
    temperature: Number | UnsetType = UNSET
    custom_lexicon_url: str | UnsetType = UNSET
    prefer_locales: list[str] | UnsetType = UNSET
    locale: str | UnsetType = UNSET
    style: str | UnsetType = UNSET
    pitch: str | UnsetType = UNSET
    rate: str | UnsetType = UNSET
    volume: str | UnsetType = UNSET


class AzureCustomVoice(Model, tag_field="type", tag="azure-custom", kw_only=True):
    """A custom neural voice deployed to an Azure Speech endpoint."""

    name: str
    endpoint_id: str
    temperature: Number | UnsetType = UNSET
    custom_lexicon_url: str | UnsetType = UNSET
    prefer_locales: list[str] | UnsetType = UNSET
    locale: str | UnsetType = UNSET
    style: str | UnsetType = UNSET
    pitch: str | UnsetType = UNSET
    rate: str | UnsetType = UNSET
    volume: str | UnsetType = UNSET


class AzurePersonalVoice(Model, tag_field="type", tag="azure-personal", kw_only=True):
    """A personal voice (speaker profile) rendered by one of Azure's personal voice models."""

    name: str
    temperature: Number | UnsetType = UNSET
    model: str
    custom_lexicon_url: str | UnsetType = UNSET
    prefer_locales: list[str] | UnsetType = UNSET
    locale: str | UnsetType = UNSET
    pitch: str | UnsetType = UNSET
    rate: str | UnsetType = UNSET
    volume: str | UnsetType = UNSET


RealtimeVoice = OpenAIVoice | AzureStandardVoice | AzureCustomVoice | AzurePersonalVoice


# --- Turn detection -----------------------------------------------------------------------------


class RealtimeEOUDetection(Model, kw_only=True):
    """End-of-utterance detection: a semantic model that decides when the user has finished."""

    model: EOUModel
    threshold_level: EOUThresholdLevel | UnsetType = UNSET
    timeout_ms: Number | UnsetType = UNSET


class ServerVAD(Model, tag_field="type", tag="server_vad", kw_only=True):
    """Voice activity detection on the audio energy, ending a turn after a silence."""

    threshold: Number | UnsetType = UNSET
    prefix_padding_ms: int | UnsetType = UNSET
    silence_duration_ms: int | UnsetType = UNSET
    end_of_utterance_detection: RealtimeEOUDetection | UnsetType = UNSET
    create_response: bool | UnsetType = UNSET
    interrupt_response: bool | UnsetType = UNSET
    auto_truncate: bool | UnsetType = UNSET


class SemanticVAD(Model, tag_field="type", tag="semantic_vad", kw_only=True):
    """OpenAI's semantic turn detection."""

    eagerness: SemanticEagerness | UnsetType = UNSET
    create_response: bool | UnsetType = UNSET
    interrupt_response: bool | UnsetType = UNSET


class AzureSemanticVAD(Model, tag_field="type", tag="azure_semantic_vad", kw_only=True):
    """Azure's semantic VAD (English)."""

    threshold: Number | UnsetType = UNSET
    prefix_padding_ms: int | UnsetType = UNSET
    silence_duration_ms: int | UnsetType = UNSET
    end_of_utterance_detection: RealtimeEOUDetection | UnsetType = UNSET
    speech_duration_ms: int | UnsetType = UNSET
    remove_filler_words: bool | UnsetType = UNSET
    languages: list[str] | UnsetType = UNSET
    create_response: bool | UnsetType = UNSET
    interrupt_response: bool | UnsetType = UNSET
    auto_truncate: bool | UnsetType = UNSET


class AzureSemanticVADMultilingual(
    Model, tag_field="type", tag="azure_semantic_vad_multilingual", kw_only=True
):
    """Azure's semantic VAD for several languages."""

    threshold: Number | UnsetType = UNSET
    prefix_padding_ms: int | UnsetType = UNSET
    silence_duration_ms: int | UnsetType = UNSET
    end_of_utterance_detection: RealtimeEOUDetection | UnsetType = UNSET
    speech_duration_ms: int | UnsetType = UNSET
    remove_filler_words: bool | UnsetType = UNSET
    languages: list[str] | UnsetType = UNSET
    create_response: bool | UnsetType = UNSET
    interrupt_response: bool | UnsetType = UNSET
    auto_truncate: bool | UnsetType = UNSET


RealtimeTurnDetection = ServerVAD | SemanticVAD | AzureSemanticVAD | AzureSemanticVADMultilingual


# --- Audio input settings -----------------------------------------------------------------------


class RealtimeAudioInputTranscriptionSettings(Model, kw_only=True):
    """Transcription of the user's audio, reported as input_audio_transcription events."""

    model: TranscriptionModel
    language: str | UnsetType = UNSET
    custom_speech: dict[str, Any] | UnsetType = UNSET
    phrase_list: list[str] | UnsetType = UNSET
    prompt: str | UnsetType = UNSET


class NearFieldNoiseReduction(Model, tag_field="type", tag="near_field", kw_only=True):
    """OpenAI noise reduction tuned for a close microphone (headset)."""


class FarFieldNoiseReduction(Model, tag_field="type", tag="far_field", kw_only=True):
    """OpenAI noise reduction tuned for a room microphone."""


class AzureDeepNoiseSuppression(
    Model, tag_field="type", tag="azure_deep_noise_suppression", kw_only=True
):
    """Azure's deep noise suppression, applied on the service before VAD and recognition."""


RealtimeInputAudioNoiseReductionSettings = (
    NearFieldNoiseReduction | FarFieldNoiseReduction | AzureDeepNoiseSuppression
)


class ServerEchoCancellation(Model, tag_field="type", tag="server_echo_cancellation", kw_only=True):
    """Echo cancellation on the service, so the assistant does not hear itself from the speaker."""


RealtimeInputAudioEchoCancellationSettings = ServerEchoCancellation
_EchoCancellationField = ServerEchoCancellation | _TagRequired


# --- Animation and avatar -----------------------------------------------------------------------


class RealtimeAnimation(Model, kw_only=True):
    """Which animation streams (blendshapes, visemes) accompany the reply audio."""

    model_name: str | UnsetType = UNSET
    outputs: list[RealtimeAnimationOutputType] | UnsetType = UNSET


class RealtimeIceServer(Model, kw_only=True):
    """A STUN/TURN server for the avatar's WebRTC connection."""

    urls: list[str]
    username: str | UnsetType = UNSET
    credential: str | UnsetType = UNSET


# An `[x, y]` pixel position. A list of exactly two (rather than a tuple) so that `to_dict` gives
# back the JSON array as a list, equal to what was parsed.
Point = Annotated[list[int], msgspec.Meta(min_length=2, max_length=2)]


class RealtimeVideoCrop(Model, kw_only=True):
    """A crop rectangle of the avatar video, in pixels."""

    top_left: Point
    bottom_right: Point


class RealtimeVideoResolution(Model, kw_only=True):
    """The avatar video's size in pixels."""

    width: int
    height: int


class RealtimeVideoParams(Model, kw_only=True):
    """Encoding parameters of the avatar video."""

    bitrate: int | UnsetType = UNSET
    codec: str | UnsetType = UNSET
    crop: RealtimeVideoCrop | UnsetType = UNSET
    resolution: RealtimeVideoResolution | UnsetType = UNSET


class RealtimeAvatarConfig(Model, kw_only=True):
    """A talking avatar that renders the reply as video over WebRTC."""

    ice_servers: list[RealtimeIceServer] | UnsetType = UNSET
    character: str
    style: str | UnsetType = UNSET
    customized: bool
    video: RealtimeVideoParams | UnsetType = UNSET


# --- Tools --------------------------------------------------------------------------------------


class FunctionTool(Model, tag_field="type", tag="function", kw_only=True):
    """A function that the client executes; `parameters` is a JSON Schema object."""

    name: str
    description: str
    parameters: dict[str, Any]


class MCPApprovalFilter(Model, kw_only=True):
    """Per-tool approval: tools in `never` run at once, tools in `always` ask first."""

    never: list[str] | UnsetType = UNSET
    always: list[str] | UnsetType = UNSET


class MCPTool(Model, tag_field="type", tag="mcp", kw_only=True):
    """A remote MCP server whose tools the service calls itself."""

    server_label: str
    server_url: str
    allowed_tools: list[str] | UnsetType = UNSET
    headers: dict[str, str] | UnsetType = UNSET
    authorization: str | UnsetType = UNSET
    require_approval: ApprovalMode | MCPApprovalFilter | UnsetType = UNSET


RealtimeTool = FunctionTool | MCPTool


class ToolChoiceFunction(Model, tag_field="type", tag="function", kw_only=True):
    """Forces the model to call the named function."""

    name: str


RealtimeToolChoice = ToolChoiceMode | ToolChoiceFunction | _TagRequired


# --- Sessions -----------------------------------------------------------------------------------


class RealtimeRequestSession(Model, kw_only=True):
    """What a client asks for in `session.update`; every field is optional and merges."""

    model: str | UnsetType = UNSET
    modalities: list[RealtimeModality] | UnsetType = UNSET
    animation: RealtimeAnimation | UnsetType = UNSET
    voice: RealtimeVoice | UnsetType = UNSET
    instructions: str | UnsetType = UNSET
    input_audio_sampling_rate: int | UnsetType = UNSET
    input_audio_format: RealtimeAudioFormat | UnsetType = UNSET
    output_audio_format: RealtimeOutputAudioFormat | UnsetType = UNSET
    input_audio_noise_reduction: RealtimeInputAudioNoiseReductionSettings | UnsetType = UNSET
    input_audio_echo_cancellation: _EchoCancellationField | UnsetType = UNSET
    input_audio_transcription: RealtimeAudioInputTranscriptionSettings | UnsetType = UNSET
    # null is meaningful here: the service reads it as "no turn detection".
    turn_detection: RealtimeTurnDetection | None | UnsetType = UNSET
    tools: list[RealtimeTool] | UnsetType = UNSET
    tool_choice: RealtimeToolChoice | UnsetType = UNSET
    temperature: Number | UnsetType = UNSET
    max_response_output_tokens: MaxTokens | UnsetType = UNSET
    avatar: RealtimeAvatarConfig | UnsetType = UNSET
    output_audio_timestamp_types: list[RealtimeAudioTimestampType] | UnsetType = UNSET


class RealtimeResponseSession(Model, kw_only=True):
    """The effective session, as `session.created` and `session.updated` report it."""

    object: Literal["realtime.session"]
    id: str
    model: str
    modalities: list[str]
    instructions: str | UnsetType = UNSET
    voice: RealtimeVoice | UnsetType = UNSET
    input_audio_sampling_rate: int
    input_audio_format: str
    output_audio_format: str
    turn_detection: RealtimeTurnDetection | None | UnsetType = UNSET
    temperature: Number
    max_response_output_tokens: MaxTokens
    avatar: RealtimeAvatarConfig | UnsetType = UNSET


# --- Content parts ------------------------------------------------------------------------------


class InputTextContentPart(Model, tag_field="type", tag="input_text", kw_only=True):
    """Text that the user or the system wrote."""

    text: str


class OutputTextContentPart(Model, tag_field="type", tag="text", kw_only=True):
    """Text that the assistant produced."""

    text: str


class InputAudioContentPart(Model, tag_field="type", tag="input_audio", kw_only=True):
    """User audio (base64) and/or its transcript."""

    audio: str | UnsetType = UNSET
    transcript: str | UnsetType = UNSET


class AudioContentPart(Model, tag_field="type", tag="audio", kw_only=True):
    """Assistant audio: in a response part only the transcript, in an item also the audio.

    The schema's OutputAudio (`audio` given) and ResponseAudio (`audio` absent) share the tag
    `audio`, so one class with `audio` optional carries both.
    """

    audio: str | UnsetType = UNSET
    transcript: str | UnsetType = UNSET


RealtimeContentPart = (
    InputTextContentPart | OutputTextContentPart | InputAudioContentPart | AudioContentPart
)

# Which content parts a message of each role may carry. The schema differs by direction: an
# assistant message that a client adds is text only, while the service reports assistant audio.
# (The schema lists only input_text for a reported user message; the service reports a spoken
# turn as an input_audio part with its transcript, so that is accepted too.)
_REQUEST_CONTENT: dict[str, tuple[type[Model], ...]] = {
    "system": (InputTextContentPart,),
    "user": (InputTextContentPart, InputAudioContentPart),
    "assistant": (OutputTextContentPart,),
}
_RESPONSE_CONTENT: dict[str, tuple[type[Model], ...]] = {
    "system": (InputTextContentPart,),
    "user": (InputTextContentPart, InputAudioContentPart),
    "assistant": (OutputTextContentPart, AudioContentPart),
}


def _check_role_content(
    allowed_by_role: dict[str, tuple[type[Model], ...]],
    role: str,
    content: list[RealtimeContentPart],
) -> None:
    """Raise if a message holds a content part that its role may not carry.

    The message ends with `(at content[i].type)`, a path relative to the message, which the codec
    appends to the error's JSON path.
    """
    allowed = allowed_by_role[role]
    for index, part in enumerate(content):
        if not isinstance(part, allowed):
            kinds = ", ".join(repr(k.__struct_config__.tag) for k in allowed)
            article = "an" if role == "assistant" else "a"
            raise ValueError(
                f"{article} {role} message takes content of type {kinds}, not "
                f"{part.__struct_config__.tag!r} (at content[{index}].type)"
            )


def _check_one_kind(content: list[RealtimeContentPart]) -> None:
    """Raise if an assistant message mixes text and audio parts (the schema has one kind)."""
    for index, part in enumerate(content[1:], start=1):
        if type(part) is not type(content[0]):
            raise ValueError(
                f"an assistant message holds either text or audio parts, not both "
                f"(at content[{index}].type)"
            )


# --- Conversation items: what a client sends ----------------------------------------------------


class RequestMessageItem(Model, tag_field="type", tag="message", kw_only=True):
    """A system, user or assistant message that the client adds to the conversation.

    The three roles share the tag `message`; the role decides which content parts are allowed,
    and (as the schema has it) an assistant message carries no `id`.
    """

    role: Literal["system", "user", "assistant"]
    content: list[RealtimeContentPart]
    id: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        _check_role_content(_REQUEST_CONTENT, self.role, self.content)
        if self.role == "assistant" and self.id is not UNSET:
            raise ValueError("an assistant message item takes no `id` (at id)")


class RequestFunctionCallItem(Model, tag_field="type", tag="function_call", kw_only=True):
    """A function call, replayed into the conversation by the client."""

    name: str
    arguments: str
    call_id: str
    id: str | UnsetType = UNSET


class RequestFunctionCallOutputItem(
    Model, tag_field="type", tag="function_call_output", kw_only=True
):
    """The result of a function call that the client executed."""

    call_id: str
    output: str
    id: str | UnsetType = UNSET


class RequestMCPApprovalResponseItem(
    Model, tag_field="type", tag="mcp_approval_response", kw_only=True
):
    """The client's answer to an `mcp_approval_request` item."""

    approve: bool
    approval_request_id: str


RealtimeConversationRequestItem = (
    RequestMessageItem
    | RequestFunctionCallItem
    | RequestFunctionCallOutputItem
    | RequestMCPApprovalResponseItem
)


# --- Conversation items: what the service reports ----------------------------------------------


class ResponseMessageItem(Model, tag_field="type", tag="message", kw_only=True):
    """A message as the service stores it (UserMessage, AssistantMessage or SystemMessage)."""

    id: str
    object: Literal["conversation.item"]
    role: Literal["system", "user", "assistant"]
    content: list[RealtimeContentPart]
    status: RealtimeItemStatus

    def __post_init__(self) -> None:
        _check_role_content(_RESPONSE_CONTENT, self.role, self.content)
        if self.role == "assistant":
            _check_one_kind(self.content)


class ResponseFunctionCallItem(Model, tag_field="type", tag="function_call", kw_only=True):
    """A call of a client function, with its JSON arguments."""

    id: str
    object: Literal["conversation.item"]
    name: str
    arguments: str
    call_id: str
    status: RealtimeItemStatus


class ResponseFunctionCallOutputItem(
    Model, tag_field="type", tag="function_call_output", kw_only=True
):
    """A function result as stored in the conversation."""

    id: str
    object: Literal["conversation.item"]
    name: str
    output: str
    call_id: str
    status: RealtimeItemStatus


class ResponseMCPListToolsItem(Model, tag_field="type", tag="mcp_list_tools", kw_only=True):
    """The listing of an MCP server's tools, made when the session gains an `mcp` tool."""

    id: str
    server_label: str


class ResponseMCPCallItem(Model, tag_field="type", tag="mcp_call", kw_only=True):
    """A call of an MCP tool that the service made; output or error once it ends.

    The schema names these fields without types; `approval_request_id` and `output` are strings,
    `error` an object, and all three are null while they do not apply, as the service sends them.
    """

    id: str
    server_label: str
    name: str
    approval_request_id: str | None
    arguments: str
    output: str | None
    error: dict[str, Any] | None


class ResponseMCPApprovalRequestItem(
    Model, tag_field="type", tag="mcp_approval_request", kw_only=True
):
    """The service asks the client whether it may call an MCP tool with these arguments."""

    id: str
    server_label: str
    name: str
    arguments: str


RealtimeConversationResponseItem = (
    ResponseMessageItem
    | ResponseFunctionCallItem
    | ResponseFunctionCallOutputItem
    | ResponseMCPListToolsItem
    | ResponseMCPCallItem
    | ResponseMCPApprovalRequestItem
)


# --- Responses ----------------------------------------------------------------------------------


class TokenDetails(Model, kw_only=True):
    """Token counts split by kind."""

    cached_tokens: int | UnsetType = UNSET
    text_tokens: int | UnsetType = UNSET
    audio_tokens: int | UnsetType = UNSET


class RealtimeUsage(Model, kw_only=True):
    """Tokens that a response used."""

    total_tokens: int
    input_tokens: int
    output_tokens: int
    input_token_details: TokenDetails | UnsetType = UNSET
    output_token_details: TokenDetails | UnsetType = UNSET


class RealtimeErrorDetails(Model, kw_only=True):
    """An error, in an `error` event or in a failed response's status details."""

    type: str
    code: str | UnsetType = UNSET
    message: str
    param: str | UnsetType = UNSET
    event_id: str | UnsetType = UNSET


class ErrorEventDetails(Model, kw_only=True):
    """The body of an `error` event.

    The schema's event line gives `code`, `message`, `param?` and `event_id?`; the service also
    sends the error's `type` (for example `invalid_request_error`), as RealtimeErrorDetails has it.
    """

    type: str | UnsetType = UNSET
    code: str
    message: str
    param: str | UnsetType = UNSET
    event_id: str | UnsetType = UNSET


class RealtimeResponseStatusDetails(Model, kw_only=True):
    """Why a response is not `completed`: for example `cancelled` with reason `turn_detected`."""

    type: str | UnsetType = UNSET
    reason: str | UnsetType = UNSET
    error: RealtimeErrorDetails | UnsetType = UNSET


class RealtimeResponse(Model, kw_only=True):
    """A response of the model, as `response.created` and `response.done` report it."""

    id: str | UnsetType = UNSET
    object: Literal["realtime.response"] | UnsetType = UNSET
    status: RealtimeResponseStatus | UnsetType = UNSET
    status_details: RealtimeResponseStatusDetails | UnsetType = UNSET
    output: list[RealtimeConversationResponseItem] | UnsetType = UNSET
    usage: RealtimeUsage | UnsetType = UNSET
    conversation_id: str | UnsetType = UNSET
    voice: RealtimeVoice | UnsetType = UNSET
    modalities: list[str] | UnsetType = UNSET
    output_audio_format: str | UnsetType = UNSET
    temperature: Number | UnsetType = UNSET
    max_response_output_tokens: MaxTokens | UnsetType = UNSET


class RealtimeResponseOptions(Model, kw_only=True):
    """Per-response overrides that a client passes in `response.create`."""

    modalities: list[Literal["text", "audio"]] | UnsetType = UNSET
    instructions: str | UnsetType = UNSET
    voice: RealtimeVoice | UnsetType = UNSET
    tools: list[RealtimeTool] | UnsetType = UNSET
    tool_choice: RealtimeToolChoice | UnsetType = UNSET
    temperature: Number | UnsetType = UNSET
    max_response_output_tokens: MaxTokens | UnsetType = UNSET
    conversation: Literal["auto", "none"] | UnsetType = UNSET
    metadata: dict[str, str] | UnsetType = UNSET


class RealtimeRateLimitsItem(Model, kw_only=True):
    """One rate limit and what is left of it."""

    name: str
    limit: int
    remaining: int
    reset_seconds: int
