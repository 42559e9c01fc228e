"""One emulated Voice Live session: a WebSocket from `session.created` to the close.

Every inbound frame is parsed strictly with `voicelive.parse_strict_client_event`; a bad one is
answered with an `error` event and the session goes on. Every outbound event is a
`voicelive.events` class encoded with `serialize_event(validate=True)`, so whatever the emulator
sends is valid under the strict schema (only scripted faults send anything else). The session
owns the configuration, the VAD over the incoming audio, the conversation's items, and at most
one response in progress (`response.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
import msgspec
from aiohttp import web
from msgspec import UNSET
from voicelive import ProtocolError, parse_strict_client_event, serialize_event
from voicelive.audio import b64decode, decode_wire
from voicelive.events import (
    ClientEvent,
    ConversationItemCreate,
    ConversationItemCreated,
    ConversationItemDelete,
    ConversationItemDeleted,
    ConversationItemRetrieve,
    ConversationItemRetrieved,
    ConversationItemTruncate,
    ConversationItemTruncated,
    ErrorEvent,
    InputAudioBufferAppend,
    InputAudioBufferClear,
    InputAudioBufferCleared,
    InputAudioBufferCommit,
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioTranscriptionCompleted,
    InputAudioTranscriptionDelta,
    InputAudioTranscriptionFailed,
    MCPApprovalResponse,
    MCPListToolsCompleted,
    MCPListToolsFailed,
    MCPListToolsInProgress,
    ResponseAudioDelta,
    ResponseCancel,
    ResponseCreate,
    ServerEvent,
    SessionAvatarConnect,
    SessionAvatarConnecting,
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
)
from voicelive.models import (
    AudioContentPart,
    ErrorEventDetails,
    InputAudioContentPart,
    InputTextContentPart,
    MCPTool,
    OutputTextContentPart,
    RealtimeConversationResponseItem,
    RealtimeRequestSession,
    RealtimeResponseOptions,
    RealtimeResponseSession,
    RequestFunctionCallItem,
    RequestFunctionCallOutputItem,
    RequestMCPApprovalResponseItem,
    RequestMessageItem,
    ResponseFunctionCallItem,
    ResponseFunctionCallOutputItem,
    ResponseMCPListToolsItem,
    ResponseMessageItem,
)

from . import config as cfg
from .brain import Context, PlannedCall, decide
from .errors import INVALID_REQUEST, RequestError, SessionClosed, from_protocol_error
from .ids import new_id
from .items import ItemStore
from .mcp import MCPClient, MCPError, MCPToolInfo
from .response import ResponseRun, chunks
from .scenario import Rule, Scenario
from .sdp import answer_sdp
from .tts import SpeechSynthesizer
from .vad import VAD_KINDS, EnergyVad

if TYPE_CHECKING:
    from .server import Emulator

_LOGGER = logging.getLogger(__name__)
MIN_COMMIT_MS = 100


class EventLog(list[Any]):
    """A list of events that forgets its oldest half when it passes `limit` (flat memory)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.dropped = 0

    def append(self, event: Any) -> None:
        super().append(event)
        if len(self) > self.limit:
            cut = len(self) // 2
            del self[:cut]
            self.dropped += cut


@dataclass(slots=True)
class MCPServerState:
    """What the session knows of one `mcp` tool: its client, listing and listed tools."""

    tool: MCPTool
    client: MCPClient
    item_id: str
    tools: list[MCPToolInfo] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    failed: bool = False


@dataclass(slots=True)
class Playback:
    """Where real-time playback of the latest assistant audio would be (for auto_truncate)."""

    item_id: str
    started: float
    sent_ms: float = 0.0

    def played_ms(self) -> float:
        return min(self.sent_ms, (time.monotonic() - self.started) * 1000.0)


def _raw_event_id(text: str | bytes) -> str | None:
    """The `event_id` of a frame that failed strict parsing, to echo in the error."""
    try:
        raw = msgspec.json.decode(text)
    except (msgspec.DecodeError, UnicodeError, RecursionError):
        return None
    if isinstance(raw, dict) and isinstance(raw.get("event_id"), str):
        return str(raw["event_id"])
    return None


class EmulatorSession:
    """One client's session; see the module docstring."""

    def __init__(
        self,
        emulator: Emulator,
        ws: web.WebSocketResponse,
        request: web.Request,
        *,
        model: str,
    ) -> None:
        self.emulator = emulator
        self.ws = ws
        self.transport = request.transport
        self.query: dict[str, str] = dict(request.query)
        self.headers: dict[str, str] = dict(request.headers)
        self.id = new_id("sess")
        self.config: RealtimeRequestSession = cfg.default_config(model)
        self.items = ItemStore()
        self.received: EventLog = EventLog(emulator.log_limit)
        self.sent: EventLog = EventLog(emulator.log_limit)
        self.closed = False
        self.tokens_used: int = 0
        self.active_response: ResponseRun | None = None
        self.responses: int = 0
        self.pending_followup: Rule | None = None
        self.pending_approvals: dict[str, PlannedCall] = {}
        self._approved: list[PlannedCall] = []
        self._denied: list[PlannedCall] = []
        self._function_outputs: list[str] = []
        self._user_texts: dict[str, str] = {}
        self._utterance_index = 0
        self._mcp: dict[str, MCPServerState] = {}
        self._send_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._playback: Playback | None = None
        self._text_tokens_in = 0
        self._audio_ms_in = 0.0
        # input audio: only positions are kept, never the audio itself (flat memory)
        self._stream_ms = 0.0
        self._buffer_start_ms = 0.0
        self._speech_item: str | None = None
        self._speech_start_ms = 0
        self._vad: EnergyVad | None = None
        self._vad_offset_ms = 0.0
        self._reset_vad()

    # --- public views -----------------------------------------------------------------------

    @property
    def state(self) -> RealtimeResponseSession:
        """The effective session, as `session.updated` reports it."""
        return cfg.effective(self.id, self.config)

    @property
    def buffer_ms(self) -> float:
        """Milliseconds of audio in the input buffer (since the last commit or clear)."""
        return self._stream_ms - self._buffer_start_ms

    @property
    def scenario(self) -> Scenario:
        """The emulator's current scenario (swappable at any time)."""
        return self.emulator.scenario

    @property
    def synth(self) -> SpeechSynthesizer:
        """The emulator's shared speech synthesizer."""
        return self.emulator.synth

    # --- the connection ---------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the socket until it closes."""
        try:
            await self.send(SessionCreated(session=self.state))
            async for msg in self.ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    await self.handle_text(msg.data)
                elif msg.type is aiohttp.WSMsgType.BINARY:
                    await self.send_error(
                        RequestError(
                            "invalid_json", "Binary frames are not supported; send JSON text."
                        ),
                        None,
                    )
        except SessionClosed:
            pass
        except (ConnectionResetError, aiohttp.ClientConnectionError):
            _LOGGER.debug("session %s: connection lost", self.id)
        finally:
            await self._shutdown()

    async def _shutdown(self) -> None:
        self.closed = True
        run = self.active_response
        if run is not None and run.task is not None and not run.task.done():
            run.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await run.task
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if not self.ws.closed:
            with contextlib.suppress(Exception):
                await self.ws.close()

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def send(self, event: ServerEvent) -> None:
        """Validate, encode and send a server event (stamped with a fresh `event_id`)."""
        if event.event_id is UNSET:
            event.event_id = new_id("event")
        data = serialize_event(event, validate=True).decode()
        await self._send_text(data)
        if self.emulator.record and (
            self.emulator.record_audio or not isinstance(event, ResponseAudioDelta)
        ):
            self.sent.append(event)

    async def send_raw(self, text: str) -> None:
        """Send a frame as is (scripted faults only)."""
        await self._send_text(text)

    async def _send_text(self, data: str) -> None:
        if self.ws.closed or self.closed:
            raise SessionClosed
        async with self._send_lock:
            try:
                await self.ws.send_str(data)
            except (ConnectionResetError, RuntimeError, aiohttp.ClientConnectionError) as exc:
                raise SessionClosed from exc

    async def send_error(self, err: RequestError, event_id: str | None) -> None:
        """The `error` event for a refused client event; the session stays open."""
        details = ErrorEventDetails(
            type=INVALID_REQUEST,
            code=err.code,
            message=err.message,
            param=err.param if err.param else UNSET,
            event_id=event_id if event_id else UNSET,
        )
        await self.send(ErrorEvent(error=details))

    async def close_socket(self, code: int, reason: str) -> None:
        """Close the WebSocket with a close frame."""
        self.closed = True
        if not self.ws.closed:
            with contextlib.suppress(Exception):
                await self.ws.close(code=code, message=reason.encode())

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (a network failure)."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    # --- dispatch ---------------------------------------------------------------------------

    async def handle_text(self, text: str) -> None:
        """Parse one frame strictly and act on it."""
        try:
            event = parse_strict_client_event(text)
        except ProtocolError as exc:
            await self.send_error(from_protocol_error(exc), _raw_event_id(text))
            return
        if self.emulator.record and (
            self.emulator.record_audio or not isinstance(event, InputAudioBufferAppend)
        ):
            self.received.append(event)
        handler = self._handlers.get(type(event))
        try:
            if handler is None:  # pragma: no cover - every client event has a handler
                raise RequestError("unknown_event_type", f"unsupported event {event.type}", "type")
            await handler(self, event)
        except RequestError as err:
            await self.send_error(err, event.event_id if event.event_id is not UNSET else None)

    async def _session_update(self, event: SessionUpdate) -> None:
        old = self.config
        self.config = cfg.merge(old, event.session)
        if (
            old.input_audio_format != self.config.input_audio_format
            or old.input_audio_sampling_rate != self.config.input_audio_sampling_rate
            or old.turn_detection != self.config.turn_detection
        ):
            self._reset_vad()
        await self.send(SessionUpdated(session=self.state))
        await self._sync_mcp()

    async def _avatar_connect(self, event: SessionAvatarConnect) -> None:
        await self.send(SessionAvatarConnecting(server_sdp=answer_sdp(event.client_sdp)))

    # --- input audio ------------------------------------------------------------------------

    def _input_rate(self) -> int:
        fmt = self.config.input_audio_format
        if fmt in ("g711_ulaw", "g711_alaw"):
            return 8000
        rate = self.config.input_audio_sampling_rate
        return rate if isinstance(rate, int) else 24000

    def _reset_vad(self) -> None:
        settings = cfg.vad_settings(self.config.turn_detection or None)
        if settings is None:
            self._vad = None
            return
        if self._vad is not None and self._vad.rate == self._input_rate():
            self._vad.configure(
                threshold=settings.threshold,
                prefix_padding_ms=settings.prefix_padding_ms,
                silence_duration_ms=settings.silence_duration_ms,
            )
            return
        self._vad = VAD_KINDS[self.emulator.vad](
            self._input_rate(),
            threshold=settings.threshold,
            prefix_padding_ms=settings.prefix_padding_ms,
            silence_duration_ms=settings.silence_duration_ms,
        )
        self._vad_offset_ms = self._stream_ms
        self._speech_item = None

    async def _append(self, event: InputAudioBufferAppend) -> None:
        try:
            data = b64decode(event.audio)
        except ValueError as exc:
            raise RequestError("invalid_value", str(exc), "audio") from None
        fmt = self.config.input_audio_format
        rate = self._input_rate()
        pcm, _ = decode_wire(data, str(fmt), pcm16_rate=rate)
        if len(pcm) % 2:
            raise RequestError("invalid_value", "PCM16 audio must have an even length", "audio")
        self._stream_ms += len(pcm) / 2 / rate * 1000.0
        if self._vad is None:
            return
        settings = cfg.vad_settings(self.config.turn_detection or None)
        assert settings is not None
        for vad_event in self._vad.process(pcm):
            at = int(vad_event.ms + self._vad_offset_ms)
            if vad_event.kind == "start":
                await self._speech_started(max(at, int(self._buffer_start_ms)), settings)
            elif self._speech_item is not None:
                await self._speech_stopped(at, settings)

    async def _speech_started(self, at_ms: int, settings: cfg.VadSettings) -> None:
        self._speech_item = new_id("item")
        self._speech_start_ms = at_ms
        await self.send(
            InputAudioBufferSpeechStarted(audio_start_ms=at_ms, item_id=self._speech_item)
        )
        run = self.active_response
        if settings.interrupt_response and run is not None and run.active:
            run.cancel("turn_detected")
            if run.task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await run.task
        if settings.auto_truncate and settings.interrupt_response:
            await self._auto_truncate()

    async def _speech_stopped(self, at_ms: int, settings: cfg.VadSettings) -> None:
        item_id = self._speech_item
        assert item_id is not None
        self._speech_item = None
        await self.send(InputAudioBufferSpeechStopped(audio_end_ms=at_ms, item_id=item_id))
        await self._commit(item_id, at_ms - self._speech_start_ms, end_ms=at_ms)
        if settings.create_response and not (self.active_response and self.active_response.active):
            await self._start_response(None)

    async def _commit_event(self, event: InputAudioBufferCommit) -> None:
        duration = self.buffer_ms
        if duration < MIN_COMMIT_MS:
            raise RequestError(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"{MIN_COMMIT_MS}ms of audio, but buffer only has {duration:.2f}ms of audio.",
            )
        item_id = self._speech_item or new_id("item")
        self._speech_item = None
        if self._vad is not None:
            self._vad.reset()
        await self._commit(item_id, duration, end_ms=self._stream_ms)

    async def _commit(self, item_id: str, duration_ms: float, *, end_ms: float) -> None:
        self._buffer_start_ms = end_ms
        self._audio_ms_in += duration_ms
        scripted = self._next_transcript(duration_ms)
        text = scripted or ""
        self._user_texts[item_id] = text
        previous = self.items.last_id
        await self.send(InputAudioBufferCommitted(previous_item_id=previous or "", item_id=item_id))
        item = ResponseMessageItem(
            id=item_id,
            object="conversation.item",
            role="user",
            content=[InputAudioContentPart()],
            status="completed",
        )
        self.items.add(item)
        await self.send(
            ConversationItemCreated(
                previous_item_id=previous if previous is not None else UNSET, item=item
            )
        )
        if self.config.input_audio_transcription is not UNSET and scripted is None:
            await self.send(
                InputAudioTranscriptionFailed(
                    item_id=item_id,
                    content_index=0,
                    error={
                        "type": "transcription_error",
                        "code": "audio_unintelligible",
                        "message": "The audio could not be transcribed.",
                    },
                )
            )
        elif self.config.input_audio_transcription is not UNSET:
            for piece in chunks(text, self.scenario.pace.text_delta_chars * 2):
                await self.send(
                    InputAudioTranscriptionDelta(item_id=item_id, content_index=0, delta=piece)
                )
            await self.send(
                InputAudioTranscriptionCompleted(item_id=item_id, content_index=0, transcript=text)
            )
            self.items.replace(
                msgspec.structs.replace(item, content=[InputAudioContentPart(transcript=text)])
            )

    def _next_transcript(self, duration_ms: float) -> str | None:
        """The scripted transcript of the next utterance (None: it cannot be transcribed)."""
        utterances = self.scenario.utterances
        if self._utterance_index < len(utterances):
            text = utterances[self._utterance_index]
            self._utterance_index += 1
            return text
        return f"[{duration_ms / 1000:.1f} seconds of speech]"

    async def _clear(self, event: InputAudioBufferClear) -> None:
        self._buffer_start_ms = self._stream_ms
        self._speech_item = None
        if self._vad is not None:
            self._vad.reset()
        await self.send(InputAudioBufferCleared())

    # --- playback and truncation ------------------------------------------------------------

    def audio_sent(self, item_id: str, ms: float) -> None:
        """Note reply audio sent, so that auto_truncate knows how far playback would be."""
        if self._playback is None or self._playback.item_id != item_id:
            self._playback = Playback(item_id, time.monotonic())
        self._playback.sent_ms += ms
        self.items.audio_ms[item_id] = self.items.audio_ms.get(item_id, 0.0) + ms

    async def _auto_truncate(self) -> None:
        playback = self._playback
        if playback is None or playback.item_id not in self.items:
            return
        played = playback.played_ms()
        if played >= playback.sent_ms - 1:
            return  # playback already finished: nothing was cut off
        self._playback = None
        await self._truncate_item(playback.item_id, 0, int(played))

    async def _truncate_item(self, item_id: str, content_index: int, audio_end_ms: int) -> None:
        item = self.items.get(item_id)
        if item is None:
            raise RequestError("item_not_found", f"Item with id '{item_id}' not found.", "item_id")
        if not isinstance(item, ResponseMessageItem) or item.role != "assistant":
            raise RequestError(
                "invalid_value", "Only assistant message items can be truncated.", "item_id"
            )
        if not 0 <= content_index < max(1, len(item.content)) or (
            item.content and not isinstance(item.content[content_index], AudioContentPart)
        ):
            raise RequestError(
                "invalid_value",
                f"content_index {content_index} is not an audio content part of this item.",
                "content_index",
            )
        audio_ms = self.items.audio_ms.get(item_id, 0.0)
        if audio_end_ms < 0 or audio_end_ms > audio_ms + 0.5:
            raise RequestError(
                "invalid_audio_end_ms",
                f"audio_end_ms {audio_end_ms} is past the end of the item's audio "
                f"({int(audio_ms)} ms).",
                "audio_end_ms",
            )
        if item.content:
            part = item.content[content_index]
            assert isinstance(part, AudioContentPart)
            transcript = part.transcript if isinstance(part.transcript, str) else ""
            keep = int(len(transcript) * audio_end_ms / audio_ms) if audio_ms else 0
            content = list(item.content)
            content[content_index] = AudioContentPart(transcript=transcript[:keep])
            self.items.replace(msgspec.structs.replace(item, content=content))
        self.items.audio_ms[item_id] = float(audio_end_ms)
        await self.send(
            ConversationItemTruncated(
                item_id=item_id, content_index=content_index, audio_end_ms=audio_end_ms
            )
        )

    # --- conversation items -----------------------------------------------------------------

    async def _item_create(self, event: ConversationItemCreate) -> None:
        request = event.item
        previous = event.previous_item_id if event.previous_item_id is not UNSET else None
        if previous and previous not in self.items:
            raise RequestError(
                "item_not_found",
                f"previous_item_id '{previous}' does not exist.",
                "previous_item_id",
            )
        if isinstance(request, RequestMCPApprovalResponseItem):
            self._answer_approval(request.approval_request_id, request.approve, "item")
            return
        item_id = request.id if not isinstance(request.id, type(UNSET)) else new_id("item")
        if not isinstance(item_id, str):  # pragma: no cover - narrowed above
            item_id = new_id("item")
        if item_id in self.items:
            raise RequestError("invalid_value", f"Item id '{item_id}' already exists.", "item.id")
        item: RealtimeConversationResponseItem
        if isinstance(request, RequestMessageItem):
            item = self._message_item(item_id, request)
        elif isinstance(request, RequestFunctionCallItem):
            item = ResponseFunctionCallItem(
                id=item_id,
                object="conversation.item",
                name=request.name,
                arguments=request.arguments,
                call_id=request.call_id,
                status="completed",
            )
        else:
            assert isinstance(request, RequestFunctionCallOutputItem)
            name = next(
                (
                    i.name
                    for i in self.items
                    if isinstance(i, ResponseFunctionCallItem) and i.call_id == request.call_id
                ),
                "",
            )
            item = ResponseFunctionCallOutputItem(
                id=item_id,
                object="conversation.item",
                name=name,
                output=request.output,
                call_id=request.call_id,
                status="completed",
            )
            self._function_outputs.append(request.output)
        before = self.items.add(item, previous)
        await self.send(
            ConversationItemCreated(
                previous_item_id=before if before is not None else UNSET, item=item
            )
        )

    def _message_item(self, item_id: str, request: RequestMessageItem) -> ResponseMessageItem:
        content: list[Any] = []
        for index, part in enumerate(request.content):
            if isinstance(part, InputAudioContentPart):
                audio_ms = 0.0
                if isinstance(part.audio, str):
                    try:
                        audio = b64decode(part.audio)
                    except ValueError as exc:
                        raise RequestError(
                            "invalid_value", str(exc), f"item.content[{index}].audio"
                        ) from None
                    pcm, rate = decode_wire(
                        audio, str(self.config.input_audio_format), pcm16_rate=self._input_rate()
                    )
                    audio_ms = len(pcm) / 2 / rate * 1000.0
                    self._audio_ms_in += audio_ms
                transcript = part.transcript if isinstance(part.transcript, str) else None
                if transcript is None and request.role == "user":
                    transcript = self._next_transcript(audio_ms)
                content.append(
                    InputAudioContentPart(transcript=transcript if transcript else UNSET)
                )
                if request.role == "user" and transcript:
                    self._user_texts[item_id] = transcript
            else:
                content.append(part)
                if isinstance(part, InputTextContentPart | OutputTextContentPart):
                    self._text_tokens_in += max(1, len(part.text) // 4)
        return ResponseMessageItem(
            id=item_id,
            object="conversation.item",
            role=request.role,
            content=content,
            status="completed",
        )

    def _get_item(self, item_id: str) -> RealtimeConversationResponseItem:
        item = self.items.get(item_id)
        if item is None:
            raise RequestError("item_not_found", f"Item with id '{item_id}' not found.", "item_id")
        return item

    async def _item_retrieve(self, event: ConversationItemRetrieve) -> None:
        await self.send(ConversationItemRetrieved(item=self._get_item(event.item_id)))

    async def _item_delete(self, event: ConversationItemDelete) -> None:
        self._get_item(event.item_id)
        self.items.delete(event.item_id)
        self._user_texts.pop(event.item_id, None)
        await self.send(ConversationItemDeleted(item_id=event.item_id))

    async def _item_truncate(self, event: ConversationItemTruncate) -> None:
        await self._truncate_item(event.item_id, event.content_index, event.audio_end_ms)

    # --- MCP --------------------------------------------------------------------------------

    def mcp_client(self, tool: MCPTool) -> MCPClient:
        """The MCP client of a session tool (made when the tool first appears)."""
        state = self._mcp.get(tool.server_label)
        if state is None:
            state = MCPServerState(tool, _make_client(tool), new_id("mcpl"))
            self._mcp[tool.server_label] = state
        return state.client

    async def _sync_mcp(self) -> None:
        tools = self.config.tools if self.config.tools is not UNSET else []
        for tool in tools:
            if not isinstance(tool, MCPTool):
                continue
            state = self._mcp.get(tool.server_label)
            if state is not None and state.tool == tool:
                continue
            state = MCPServerState(tool, _make_client(tool), new_id("mcpl"))
            self._mcp[tool.server_label] = state
            item = ResponseMCPListToolsItem(id=state.item_id, server_label=tool.server_label)
            previous = self.items.add(item)
            await self.send(
                ConversationItemCreated(
                    previous_item_id=previous if previous is not None else UNSET, item=item
                )
            )
            await self.send(MCPListToolsInProgress(item_id=item.id))
            state.task = self._spawn(self._list_mcp(state), f"mcp list {tool.server_label}")

    async def _list_mcp(self, state: MCPServerState) -> None:
        try:
            state.tools = await state.client.list_tools()
        except MCPError as exc:
            _LOGGER.info("MCP server %s could not be listed: %s", state.tool.server_label, exc)
            state.failed = True
            with contextlib.suppress(SessionClosed):
                await self.send(MCPListToolsFailed(item_id=state.item_id))
            return
        with contextlib.suppress(SessionClosed):
            await self.send(MCPListToolsCompleted(item_id=state.item_id))

    def _answer_approval(self, request_id: str, approve: bool, form: str) -> None:
        call = self.pending_approvals.pop(request_id, None)
        if call is None:
            param = "approval_request_id" if form == "event" else "item.approval_request_id"
            raise RequestError(
                "item_not_found",
                f"No pending MCP approval request with id '{request_id}'.",
                param,
            )
        (self._approved if approve else self._denied).append(call)

    async def _approval_event(self, event: MCPApprovalResponse) -> None:
        self._answer_approval(event.approval_request_id, event.approve, "event")

    # --- responses --------------------------------------------------------------------------

    async def _response_create(self, event: ResponseCreate) -> None:
        if self.active_response is not None and self.active_response.active:
            raise RequestError(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{self.active_response.id}. Wait until the response is finished before "
                "creating a new one.",
            )
        options = event.response if event.response is not UNSET else None
        if options is not None and options.tools is not UNSET:
            cfg.check_tools(options.tools, "response.tools")
        await self._start_response(options)

    async def _response_cancel(self, event: ResponseCancel) -> None:
        run = self.active_response
        if run is None or not run.active:
            raise RequestError(
                "response_cancel_not_active",
                "Cancellation failed: no active response found.",
            )
        run.cancel("client_cancelled")
        if run.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await run.task

    def _user_text(self) -> str:
        for item in reversed(list(self.items)):
            if isinstance(item, ResponseMessageItem) and item.role == "user":
                if item.id in self._user_texts:
                    return self._user_texts[item.id]
                texts = [
                    p.text if isinstance(p, InputTextContentPart) else str(p.transcript or "")
                    for p in item.content
                    if isinstance(p, InputTextContentPart | InputAudioContentPart)
                ]
                return " ".join(t for t in texts if t)
        return ""

    async def _start_response(self, options: RealtimeResponseOptions | None) -> None:
        config = self.config

        def pick(name: str) -> Any:
            if options is not None and getattr(options, name) is not UNSET:
                return getattr(options, name)
            return getattr(config, name)

        tools = pick("tools")
        tools = [] if tools is UNSET else list(tools)
        for state in list(self._mcp.values()):
            if state.task is not None and not state.task.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await state.task
        ctx = Context(
            scenario=self.scenario,
            user_text=self._user_text(),
            tools=tools,
            tool_choice=pick("tool_choice") if pick("tool_choice") is not UNSET else "auto",
            mcp_tools={label: state.tools for label, state in self._mcp.items()},
            function_outputs=self._function_outputs,
            pending_followup=self.pending_followup,
            approved=self._approved,
            denied=self._denied,
        )
        plan = decide(ctx)
        self._function_outputs, self._approved, self._denied = [], [], []
        self.pending_followup = plan.followup
        modalities = [m for m in pick("modalities") if m in ("text", "audio")] or ["text"]
        in_conversation = not (options is not None and options.conversation == "none")
        run = ResponseRun(
            self,
            plan,
            modalities=modalities,
            voice=pick("voice"),
            output_format=str(config.output_audio_format),
            temperature=float(pick("temperature")),
            max_tokens=pick("max_response_output_tokens"),
            in_conversation=in_conversation,
        )
        self.active_response = run
        self.responses += 1
        run.start()

    def response_finished(self, run: ResponseRun) -> None:
        """Called by a response's task when it ends, however it ends."""
        if self.active_response is run:
            self.active_response = None

    def input_token_estimate(self) -> tuple[int, int]:
        """(text, audio) input tokens of the conversation so far, roughly as the service counts."""
        return self._text_tokens_in, int(self._audio_ms_in / 50)

    def timestamp_types(self) -> list[str]:
        """The session's `output_audio_timestamp_types`."""
        types = self.config.output_audio_timestamp_types
        return [] if types is UNSET else list(types)

    def animation_outputs(self) -> list[str]:
        """The session's `animation.outputs`."""
        animation = self.config.animation
        if animation is UNSET or animation.outputs is UNSET:
            return []
        return list(animation.outputs)

    def espeak_voice(self) -> str:
        """An espeak-ng voice for the session's voice: its locale's language, else en-us."""
        voice = self.config.voice
        locale = getattr(voice, "locale", UNSET)
        if isinstance(locale, str) and locale:
            return locale.lower()
        name = getattr(voice, "name", "")
        parts = str(name).split("-")
        if len(parts) >= 3 and len(parts[0]) == 2:
            return f"{parts[0]}-{parts[1]}".lower()
        return "en-us"

    _handlers: dict[type[ClientEvent], Any] = {
        SessionUpdate: _session_update,
        SessionAvatarConnect: _avatar_connect,
        InputAudioBufferAppend: _append,
        InputAudioBufferCommit: _commit_event,
        InputAudioBufferClear: _clear,
        ConversationItemCreate: _item_create,
        ConversationItemRetrieve: _item_retrieve,
        ConversationItemTruncate: _item_truncate,
        ConversationItemDelete: _item_delete,
        ResponseCreate: _response_create,
        ResponseCancel: _response_cancel,
        MCPApprovalResponse: _approval_event,
    }


def _make_client(tool: MCPTool) -> MCPClient:
    headers = dict(tool.headers) if tool.headers is not UNSET else {}
    if tool.authorization is not UNSET:
        headers.setdefault("Authorization", f"Bearer {tool.authorization}")
    return MCPClient(url=tool.server_url, headers=headers)
