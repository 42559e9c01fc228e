"""Every client and server event of Voice Live, and the registries that map `type` to class.

Each event is a tagged `msgspec.Struct`: the tag is the event's `type`, so one decoder picks the
class and validates the fields in one pass. `event_id` is the envelope field that every event may
carry (the service stamps its own on each server event and echoes a client's in errors); the rest
follows the schema's event lines field for field.
"""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, UnsetType

from .models import (
    ErrorEventDetails,
    Model,
    Number,
    RealtimeContentPart,
    RealtimeConversationRequestItem,
    RealtimeConversationResponseItem,
    RealtimeRateLimitsItem,
    RealtimeRequestSession,
    RealtimeResponse,
    RealtimeResponseOptions,
    RealtimeResponseSession,
)


class ClientEvent(Model, tag_field="type", kw_only=True):
    """An event that a client sends to the service."""

    event_id: str | UnsetType = UNSET

    @property
    def type(self) -> str:
        """The event's `type` string."""
        return str(self.__struct_config__.tag)


class ServerEvent(Model, tag_field="type", kw_only=True):
    """An event that the service sends to a client."""

    event_id: str | UnsetType = UNSET

    @property
    def type(self) -> str:
        """The event's `type` string."""
        return str(self.__struct_config__.tag)


class UnknownEvent:
    """A server event that the lenient reader could not type, kept whole so it can be passed on.

    Either its `type` is not in the schema (the service sends `warning` events, for example), or
    it is a known type whose fields do not fit; `problem` then says why.
    """

    __slots__ = ("problem", "raw", "type")

    def __init__(self, raw: dict[str, Any], problem: str | None = None) -> None:
        self.raw = raw
        self.type: str = str(raw.get("type", ""))
        self.problem = problem

    def __repr__(self) -> str:
        extra = f", problem={self.problem!r}" if self.problem else ""
        return f"UnknownEvent(type={self.type!r}{extra})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnknownEvent) and other.raw == self.raw

    __hash__ = None  # type: ignore[assignment]


# --- Client events (12) -------------------------------------------------------------------------


class SessionUpdate(ClientEvent, tag="session.update", kw_only=True):
    """Changes the session's configuration; the service answers `session.updated`."""

    session: RealtimeRequestSession


class SessionAvatarConnect(ClientEvent, tag="session.avatar.connect", kw_only=True):
    """Starts the avatar's WebRTC connection with the client's SDP offer."""

    client_sdp: str


class InputAudioBufferAppend(ClientEvent, tag="input_audio_buffer.append", kw_only=True):
    """Appends base64 audio, in the session's input format, to the input buffer."""

    audio: str


class InputAudioBufferCommit(ClientEvent, tag="input_audio_buffer.commit", kw_only=True):
    """Turns the input buffer into a user message (needed when turn detection is off)."""


class InputAudioBufferClear(ClientEvent, tag="input_audio_buffer.clear", kw_only=True):
    """Discards the input buffer."""


class ConversationItemCreate(ClientEvent, tag="conversation.item.create", kw_only=True):
    """Adds an item (message, function output, approval) to the conversation."""

    previous_item_id: str | UnsetType = UNSET
    item: RealtimeConversationRequestItem


class ConversationItemRetrieve(ClientEvent, tag="conversation.item.retrieve", kw_only=True):
    """Asks for an item of the conversation as the service stores it."""

    item_id: str


class ConversationItemTruncate(ClientEvent, tag="conversation.item.truncate", kw_only=True):
    """Cuts an assistant audio item at what the user really heard (after a barge-in)."""

    item_id: str
    content_index: int
    audio_end_ms: int


class ConversationItemDelete(ClientEvent, tag="conversation.item.delete", kw_only=True):
    """Removes an item from the conversation."""

    item_id: str


class ResponseCreate(ClientEvent, tag="response.create", kw_only=True):
    """Asks the model for a response, optionally with per-response options."""

    response: RealtimeResponseOptions | UnsetType = UNSET


class ResponseCancel(ClientEvent, tag="response.cancel", kw_only=True):
    """Cancels the response in progress."""


class MCPApprovalResponse(ClientEvent, tag="mcp_approval_response", kw_only=True):
    """Approves or denies an MCP tool call that the service asked about."""

    approve: bool
    approval_request_id: str


# --- Server events (44) -------------------------------------------------------------------------


class ErrorEvent(ServerEvent, tag="error", kw_only=True):
    """The service refused something; the session stays open unless it closes the socket."""

    error: ErrorEventDetails


class SessionCreated(ServerEvent, tag="session.created", kw_only=True):
    """The first event of every connection: the session with the service's defaults."""

    session: RealtimeResponseSession


class SessionUpdated(ServerEvent, tag="session.updated", kw_only=True):
    """The effective session after a `session.update`."""

    session: RealtimeResponseSession


class SessionAvatarConnecting(ServerEvent, tag="session.avatar.connecting", kw_only=True):
    """The service's SDP answer for the avatar's WebRTC connection."""

    server_sdp: str


class ConversationItemCreated(ServerEvent, tag="conversation.item.created", kw_only=True):
    """An item joined the conversation (from the client, the buffer or a response)."""

    previous_item_id: str | UnsetType = UNSET
    item: RealtimeConversationResponseItem


class ConversationItemRetrieved(ServerEvent, tag="conversation.item.retrieved", kw_only=True):
    """The answer to `conversation.item.retrieve`."""

    item: RealtimeConversationResponseItem


class ConversationItemTruncated(ServerEvent, tag="conversation.item.truncated", kw_only=True):
    """An assistant audio item was cut at `audio_end_ms`."""

    item_id: str
    content_index: int
    audio_end_ms: int


class ConversationItemDeleted(ServerEvent, tag="conversation.item.deleted", kw_only=True):
    """An item left the conversation."""

    item_id: str


class InputAudioTranscriptionCompleted(
    ServerEvent, tag="conversation.item.input_audio_transcription.completed", kw_only=True
):
    """The transcript of a user audio item."""

    item_id: str
    content_index: int
    transcript: str


class InputAudioTranscriptionDelta(
    ServerEvent, tag="conversation.item.input_audio_transcription.delta", kw_only=True
):
    """A piece of a user audio item's transcript, while it is being recognised."""

    item_id: str
    content_index: int
    delta: str


class InputAudioTranscriptionFailed(
    ServerEvent, tag="conversation.item.input_audio_transcription.failed", kw_only=True
):
    """The user audio item could not be transcribed."""

    item_id: str
    content_index: int
    error: dict[str, Any]


class InputAudioBufferCommitted(ServerEvent, tag="input_audio_buffer.committed", kw_only=True):
    """The input buffer became the user item `item_id`."""

    previous_item_id: str
    item_id: str


class InputAudioBufferCleared(ServerEvent, tag="input_audio_buffer.cleared", kw_only=True):
    """The input buffer was emptied."""


class InputAudioBufferSpeechStarted(
    ServerEvent, tag="input_audio_buffer.speech_started", kw_only=True
):
    """VAD heard speech start at `audio_start_ms` of the input stream (the barge-in signal)."""

    audio_start_ms: int
    item_id: str


class InputAudioBufferSpeechStopped(
    ServerEvent, tag="input_audio_buffer.speech_stopped", kw_only=True
):
    """VAD heard speech end at `audio_end_ms` of the input stream."""

    audio_end_ms: int
    item_id: str


class ResponseCreated(ServerEvent, tag="response.created", kw_only=True):
    """A response started."""

    response: RealtimeResponse


class ResponseDone(ServerEvent, tag="response.done", kw_only=True):
    """A response ended: completed, cancelled, incomplete or failed, with usage."""

    response: RealtimeResponse


class ResponseOutputItemAdded(ServerEvent, tag="response.output_item.added", kw_only=True):
    """A response started an output item (a message or a function call)."""

    response_id: str
    output_index: int
    item: RealtimeConversationResponseItem


class ResponseOutputItemDone(ServerEvent, tag="response.output_item.done", kw_only=True):
    """A response finished an output item."""

    response_id: str
    output_index: int
    item: RealtimeConversationResponseItem


class ResponseContentPartAdded(ServerEvent, tag="response.content_part.added", kw_only=True):
    """An output item started a content part (text or audio)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: RealtimeContentPart


class ResponseContentPartDone(ServerEvent, tag="response.content_part.done", kw_only=True):
    """An output item finished a content part."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: RealtimeContentPart


class ResponseTextDelta(ServerEvent, tag="response.text.delta", kw_only=True):
    """A piece of reply text (text modality)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseTextDone(ServerEvent, tag="response.text.done", kw_only=True):
    """The whole reply text."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    text: str


class ResponseAudioDelta(ServerEvent, tag="response.audio.delta", kw_only=True):
    """A chunk of reply audio, base64, in the session's output format."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseAudioDone(ServerEvent, tag="response.audio.done", kw_only=True):
    """The reply audio is complete."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int


class ResponseAudioTranscriptDelta(
    ServerEvent, tag="response.audio_transcript.delta", kw_only=True
):
    """A piece of the transcript of the reply audio."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseAudioTranscriptDone(ServerEvent, tag="response.audio_transcript.done", kw_only=True):
    """The whole transcript of the reply audio."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    transcript: str


class ResponseAnimationBlendshapesDelta(
    ServerEvent, tag="response.animation_blendshapes.delta", kw_only=True
):
    """Face blendshape frames that go with the reply audio."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    frame_index: int
    frames: list[list[Number]]


class ResponseAnimationBlendshapesDone(
    ServerEvent, tag="response.animation_blendshapes.done", kw_only=True
):
    """No more blendshape frames for this item."""

    response_id: str
    item_id: str
    output_index: int


class ResponseAudioTimestampDelta(ServerEvent, tag="response.audio_timestamp.delta", kw_only=True):
    """Where a word of the reply falls in the reply audio."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    audio_offset_ms: int
    audio_duration_ms: int
    text: str
    timestamp_type: str


class ResponseAudioTimestampDone(ServerEvent, tag="response.audio_timestamp.done", kw_only=True):
    """No more word timestamps for this content part."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int


class ResponseAnimationVisemeDelta(
    ServerEvent, tag="response.animation_viseme.delta", kw_only=True
):
    """A mouth shape (viseme id) at an offset of the reply audio."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    audio_offset_ms: int
    viseme_id: int


class ResponseAnimationVisemeDone(ServerEvent, tag="response.animation_viseme.done", kw_only=True):
    """No more visemes for this content part."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int


class ResponseFunctionCallArgumentsDelta(
    ServerEvent, tag="response.function_call_arguments.delta", kw_only=True
):
    """A piece of a function call's JSON arguments."""

    response_id: str
    item_id: str
    output_index: int
    call_id: str
    delta: str


class ResponseFunctionCallArgumentsDone(
    ServerEvent, tag="response.function_call_arguments.done", kw_only=True
):
    """A function call's complete arguments: the client runs the function now."""

    response_id: str
    item_id: str
    output_index: int
    call_id: str
    arguments: str


class MCPListToolsInProgress(ServerEvent, tag="mcp_list_tools.in_progress", kw_only=True):
    """The service is listing an MCP server's tools."""

    item_id: str


class MCPListToolsCompleted(ServerEvent, tag="mcp_list_tools.completed", kw_only=True):
    """The MCP server's tools are listed."""

    item_id: str


class MCPListToolsFailed(ServerEvent, tag="mcp_list_tools.failed", kw_only=True):
    """The MCP server could not be listed."""

    item_id: str


class ResponseMCPCallArgumentsDelta(
    ServerEvent, tag="response.mcp_call_arguments.delta", kw_only=True
):
    """A piece of an MCP call's JSON arguments."""

    response_id: str
    item_id: str
    output_index: int
    delta: str


class ResponseMCPCallArgumentsDone(
    ServerEvent, tag="response.mcp_call_arguments.done", kw_only=True
):
    """An MCP call's complete arguments."""

    response_id: str
    item_id: str
    output_index: int
    arguments: str


class ResponseMCPCallInProgress(ServerEvent, tag="response.mcp_call.in_progress", kw_only=True):
    """The service is calling an MCP tool."""

    item_id: str
    output_index: int


class ResponseMCPCallCompleted(ServerEvent, tag="response.mcp_call.completed", kw_only=True):
    """An MCP tool call returned."""

    item_id: str
    output_index: int


class ResponseMCPCallFailed(ServerEvent, tag="response.mcp_call.failed", kw_only=True):
    """An MCP tool call failed."""

    item_id: str
    output_index: int


class RateLimitsUpdated(ServerEvent, tag="rate_limits.updated", kw_only=True):
    """The rate limits after a response started."""

    rate_limits: list[RealtimeRateLimitsItem]


# --- Registries ---------------------------------------------------------------------------------

CLIENT_EVENT_CLASSES: tuple[type[ClientEvent], ...] = (
    SessionUpdate,
    SessionAvatarConnect,
    InputAudioBufferAppend,
    InputAudioBufferCommit,
    InputAudioBufferClear,
    ConversationItemCreate,
    ConversationItemRetrieve,
    ConversationItemTruncate,
    ConversationItemDelete,
    ResponseCreate,
    ResponseCancel,
    MCPApprovalResponse,
)

SERVER_EVENT_CLASSES: tuple[type[ServerEvent], ...] = (
    ErrorEvent,
    SessionCreated,
    SessionUpdated,
    SessionAvatarConnecting,
    ConversationItemCreated,
    ConversationItemRetrieved,
    ConversationItemTruncated,
    ConversationItemDeleted,
    InputAudioTranscriptionCompleted,
    InputAudioTranscriptionDelta,
    InputAudioTranscriptionFailed,
    InputAudioBufferCommitted,
    InputAudioBufferCleared,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    ResponseCreated,
    ResponseDone,
    ResponseOutputItemAdded,
    ResponseOutputItemDone,
    ResponseContentPartAdded,
    ResponseContentPartDone,
    ResponseTextDelta,
    ResponseTextDone,
    ResponseAudioDelta,
    ResponseAudioDone,
    ResponseAudioTranscriptDelta,
    ResponseAudioTranscriptDone,
    ResponseAnimationBlendshapesDelta,
    ResponseAnimationBlendshapesDone,
    ResponseAudioTimestampDelta,
    ResponseAudioTimestampDone,
    ResponseAnimationVisemeDelta,
    ResponseAnimationVisemeDone,
    ResponseFunctionCallArgumentsDelta,
    ResponseFunctionCallArgumentsDone,
    MCPListToolsInProgress,
    MCPListToolsCompleted,
    MCPListToolsFailed,
    ResponseMCPCallArgumentsDelta,
    ResponseMCPCallArgumentsDone,
    ResponseMCPCallInProgress,
    ResponseMCPCallCompleted,
    ResponseMCPCallFailed,
    RateLimitsUpdated,
)

#: The one place that maps a client event's `type` string to its class.
CLIENT_EVENTS: dict[str, type[ClientEvent]] = {
    str(cls.__struct_config__.tag): cls for cls in CLIENT_EVENT_CLASSES
}
#: The one place that maps a server event's `type` string to its class.
SERVER_EVENTS: dict[str, type[ServerEvent]] = {
    str(cls.__struct_config__.tag): cls for cls in SERVER_EVENT_CLASSES
}
