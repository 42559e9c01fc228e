"""One response, streamed as the service streams it.

`ResponseRun` turns a `Plan` into events: `response.created`, `rate_limits.updated`, then per
output item its `output_item.added` / `conversation.item.created`, content parts and paced
deltas (reply audio interleaved with its transcript, word timestamps, visemes, blendshapes;
or text deltas; or function / MCP call arguments), every `.done`, and `response.done` with
usage. A cancel (client `response.cancel`, or speech with `interrupt_response`) cancels the
task; the run catches that and ends the response `cancelled` in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import UNSET
from voicelive.audio import FORMAT_RATES, b64encode, encode_wire
from voicelive.events import (
    ConversationItemCreated,
    ErrorEvent,
    RateLimitsUpdated,
    ResponseAnimationBlendshapesDelta,
    ResponseAnimationBlendshapesDone,
    ResponseAnimationVisemeDelta,
    ResponseAnimationVisemeDone,
    ResponseAudioDelta,
    ResponseAudioDone,
    ResponseAudioTimestampDelta,
    ResponseAudioTimestampDone,
    ResponseAudioTranscriptDelta,
    ResponseAudioTranscriptDone,
    ResponseContentPartAdded,
    ResponseContentPartDone,
    ResponseCreated,
    ResponseDone,
    ResponseFunctionCallArgumentsDelta,
    ResponseFunctionCallArgumentsDone,
    ResponseMCPCallArgumentsDelta,
    ResponseMCPCallArgumentsDone,
    ResponseMCPCallCompleted,
    ResponseMCPCallFailed,
    ResponseMCPCallInProgress,
    ResponseOutputItemAdded,
    ResponseOutputItemDone,
    ResponseTextDelta,
    ResponseTextDone,
)
from voicelive.models import (
    AudioContentPart,
    ErrorEventDetails,
    MaxTokens,
    OutputTextContentPart,
    RealtimeConversationResponseItem,
    RealtimeErrorDetails,
    RealtimeItemStatus,
    RealtimeRateLimitsItem,
    RealtimeResponse,
    RealtimeResponseStatus,
    RealtimeResponseStatusDetails,
    RealtimeUsage,
    ResponseFunctionCallItem,
    ResponseMCPApprovalRequestItem,
    ResponseMCPCallItem,
    ResponseMessageItem,
    TokenDetails,
)

from .animation import blendshape_frames, visemes, word_timings
from .brain import Plan, PlannedCall, fill
from .errors import SessionClosed
from .ids import new_id
from .mcp import MCPError
from .tts import RATE as SPEECH_RATE

_LOGGER = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .session import EmulatorSession


class FaultClose(Exception):
    """A scripted fault ended the connection: stop streaming without a response.done."""


def chunks(text: str, size: int) -> list[str]:
    """`text` cut into pieces of `size` characters."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class ResponseRun:
    """A response in progress; `task` runs it, `cancel()` ends it early."""

    def __init__(
        self,
        session: EmulatorSession,
        plan: Plan,
        *,
        modalities: list[str],
        voice: Any,
        output_format: str,
        temperature: float,
        max_tokens: MaxTokens,
        in_conversation: bool,
        metadata: dict[str, str] | None = None,
    ) -> None:
        self.session = session
        self.plan = plan
        self.id = new_id("resp")
        self.modalities = modalities
        self.voice = voice
        self.output_format = output_format
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.in_conversation = in_conversation
        self.output: list[RealtimeConversationResponseItem] = []
        self.cancel_reason: str | None = None
        self.deltas_sent = 0
        self.output_tokens_text = 0
        self.output_audio_ms = 0.0
        self.function_call_ids: list[str] = []
        self.task: asyncio.Task[None] | None = None
        self._current: ResponseMessageItem | ResponseFunctionCallItem | ResponseMCPCallItem | None
        self._current = None
        self._current_index = 0
        self._fault_done = False

    # --- control ----------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Run the response as a task."""
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"emulator {self.id}")
        return self.task

    def cancel(self, reason: str) -> None:
        """End the response early with `status: cancelled` and this reason."""
        if self.cancel_reason is None and self.task is not None and not self.task.done():
            self.cancel_reason = reason
            self.task.cancel()

    @property
    def active(self) -> bool:
        """True while the response is still streaming."""
        return self.task is not None and not self.task.done()

    # --- the run ----------------------------------------------------------------------------

    def _response(self, status: RealtimeResponseStatus, **extra: Any) -> RealtimeResponse:
        return RealtimeResponse(
            id=self.id,
            object="realtime.response",
            status=status,
            output=list(self.output),
            voice=self.voice,
            modalities=list(self.modalities),
            output_audio_format=self.output_format,
            temperature=self.temperature,
            max_response_output_tokens=self.max_tokens,
            **extra,
        )

    async def _run(self) -> None:
        session = self.session
        try:
            try:
                await session.send(ResponseCreated(response=self._response("in_progress")))
                await session.send(RateLimitsUpdated(rate_limits=self._rate_limits()))
                await self._sleep(self.plan.pace.first_delta_delay_ms / 1000)
                await self._stream_plan()
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if self.cancel_reason is None or task is None:
                    raise
                task.uncancel()
                await self._finish_cancelled()
        except (FaultClose, SessionClosed):
            return
        except Exception:  # a bug here must not leave the client waiting for response.done
            _LOGGER.exception("response %s failed inside the emulator", self.id)
            with contextlib.suppress(SessionClosed):
                await self._fail("emulator_error", "The emulator failed to produce this response.")
        finally:
            session.response_finished(self)

    async def _fail(self, code: str, message: str) -> None:
        """An `error` event (server_error) and `response.done` with status failed."""
        await self.session.send(
            ErrorEvent(error=ErrorEventDetails(type="server_error", code=code, message=message))
        )
        details = RealtimeErrorDetails(type="server_error", code=code, message=message)
        status = RealtimeResponseStatusDetails(type="failed", error=details)
        await self.session.send(
            ResponseDone(response=self._done_response("failed", status_details=status))
        )

    async def _stream_plan(self) -> None:
        plan = self.plan
        for call in plan.approvals:
            await self._approval_request(call)
        mcp_output = ""
        for call in plan.mcp_calls:
            mcp_output = await self._mcp_call(call)
        for call in plan.function_calls:
            await self._function_call(call)
        if plan.reply is not None and not plan.function_calls and not plan.approvals:
            text = fill(plan.reply, text=plan.text, output=mcp_output or plan.output)
            if "audio" in self.modalities:
                await self._audio_message(text)
            else:
                await self._text_message(text)
        await self.session.send(ResponseDone(response=self._done_response("completed")))

    def _done_response(self, status: RealtimeResponseStatus, **extra: Any) -> RealtimeResponse:
        return self._response(status, usage=self._usage(), **extra)

    async def _finish_cancelled(self) -> None:
        current = self._current
        if current is not None:
            finished = _with_status(current, "incomplete")
            self._record_output(finished)
            await self.session.send(
                ResponseOutputItemDone(
                    response_id=self.id, output_index=self._current_index, item=finished
                )
            )
        details = RealtimeResponseStatusDetails(
            type="cancelled", reason=self.cancel_reason or "client_cancelled"
        )
        await self.session.send(
            ResponseDone(response=self._done_response("cancelled", status_details=details))
        )

    # --- pieces -----------------------------------------------------------------------------

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def _rate_limits(self) -> list[RealtimeRateLimitsItem]:
        used = self.session.tokens_used
        return [
            RealtimeRateLimitsItem(name="requests", limit=1000, remaining=999, reset_seconds=60),
            RealtimeRateLimitsItem(
                name="tokens", limit=200000, remaining=max(0, 200000 - used), reset_seconds=60
            ),
        ]

    def _usage(self) -> RealtimeUsage:
        text_in, audio_in = self.session.input_token_estimate()
        text_out = self.output_tokens_text
        audio_out = int(self.output_audio_ms / 50)
        total_in = text_in + audio_in
        total_out = text_out + audio_out
        self.session.tokens_used += total_in + total_out
        return RealtimeUsage(
            total_tokens=total_in + total_out,
            input_tokens=total_in,
            output_tokens=total_out,
            input_token_details=TokenDetails(
                cached_tokens=0, text_tokens=text_in, audio_tokens=audio_in
            ),
            output_token_details=TokenDetails(text_tokens=text_out, audio_tokens=audio_out),
        )

    def _record_output(self, item: RealtimeConversationResponseItem) -> None:
        for index, existing in enumerate(self.output):
            if existing.id == item.id:
                self.output[index] = item
                break
        else:
            self.output.append(item)
        if self.in_conversation:
            self.session.items.replace(item)

    async def _add_output(self, item: RealtimeConversationResponseItem) -> int:
        """`output_item.added` and `conversation.item.created` for a new output item."""
        index = len(self.output)
        self.output.append(item)
        await self.session.send(
            ResponseOutputItemAdded(response_id=self.id, output_index=index, item=item)
        )
        if self.in_conversation:
            previous = self.session.items.add(item)
            await self.session.send(
                ConversationItemCreated(
                    previous_item_id=previous if previous is not None else UNSET, item=item
                )
            )
        return index

    async def _item_done(self, item: RealtimeConversationResponseItem, index: int) -> None:
        self._record_output(item)
        self._current = None
        await self.session.send(
            ResponseOutputItemDone(response_id=self.id, output_index=index, item=item)
        )

    async def _counted_delta(self) -> None:
        """Count a delta and fire the scripted fault when its turn comes."""
        self.deltas_sent += 1
        plan = self.plan
        if plan.fault and not self._fault_done and self.deltas_sent >= plan.fault_after_deltas:
            self._fault_done = True
            await self._fault(plan.fault)

    async def _fault(self, fault: str) -> None:
        session = self.session
        if fault == "malformed_json":
            await session.send_raw('{"type": "response.audio.delta", "response_id": ')
        elif fault == "unknown_event":
            await session.send_raw(
                json.dumps(
                    {
                        "type": "emulator.injected_unknown_event",
                        "event_id": new_id("event"),
                        "detail": "a scripted fault: an event type that the schema lacks",
                    }
                )
            )
        elif fault == "error":
            await self._fail("server_error", "Injected server error.")
            raise FaultClose
        elif fault == "close_mid_response":
            await session.close_socket(1011, "injected fault: connection closed mid-response")
            raise FaultClose
        elif fault == "expire_session":
            await session.send(
                ErrorEvent(
                    error=ErrorEventDetails(
                        type="invalid_request_error",
                        code="session_expired",
                        message="Your session hit the maximum duration of 30 minutes.",
                    )
                )
            )
            await session.close_socket(1000, "session expired")
            raise FaultClose

    async def _approval_request(self, call: PlannedCall) -> None:
        assert call.server is not None
        item = ResponseMCPApprovalRequestItem(
            id=new_id("mcpr"),
            server_label=call.server.server_label,
            name=call.name,
            arguments=call.arguments_json,
        )
        call.approval_request_id = item.id
        self.session.pending_approvals[item.id] = call
        index = await self._add_output(item)
        await self._item_done(item, index)

    async def _mcp_call(self, call: PlannedCall) -> str:
        assert call.server is not None
        args = call.arguments_json
        item = ResponseMCPCallItem(
            id=new_id("mcp"),
            server_label=call.server.server_label,
            name=call.name,
            approval_request_id=call.approval_request_id,
            arguments="",
            output=None,
            error=None,
        )
        self._current = item
        index = self._current_index = await self._add_output(item)
        pace = self.plan.pace
        for piece in chunks(args, pace.text_delta_chars * 4):
            await self.session.send(
                ResponseMCPCallArgumentsDelta(
                    response_id=self.id, item_id=item.id, output_index=index, delta=piece
                )
            )
            await self._counted_delta()
            await self._sleep(pace.delta_interval_ms / 1000)
        await self.session.send(
            ResponseMCPCallArgumentsDone(
                response_id=self.id, item_id=item.id, output_index=index, arguments=args
            )
        )
        await self.session.send(ResponseMCPCallInProgress(item_id=item.id, output_index=index))
        client = self.session.mcp_client(call.server)
        try:
            output = await client.call_tool(call.name, call.arguments)
        except MCPError as exc:
            failed = _replace(
                item, arguments=args, error={"type": "mcp_error", "message": str(exc)}
            )
            await self.session.send(ResponseMCPCallFailed(item_id=item.id, output_index=index))
            await self._item_done(failed, index)
            return f"the tool failed: {exc}"
        done = _replace(item, arguments=args, output=output)
        await self.session.send(ResponseMCPCallCompleted(item_id=item.id, output_index=index))
        await self._item_done(done, index)
        return output

    async def _function_call(self, call: PlannedCall) -> None:
        args = call.arguments_json
        call_id = new_id("call")
        item = ResponseFunctionCallItem(
            id=new_id("item"),
            object="conversation.item",
            name=call.name,
            arguments="",
            call_id=call_id,
            status="in_progress",
        )
        self._current = item
        index = self._current_index = await self._add_output(item)
        self.function_call_ids.append(call_id)
        pace = self.plan.pace
        for piece in chunks(args, pace.text_delta_chars * 4):
            await self.session.send(
                ResponseFunctionCallArgumentsDelta(
                    response_id=self.id,
                    item_id=item.id,
                    output_index=index,
                    call_id=call_id,
                    delta=piece,
                )
            )
            await self._counted_delta()
            await self._sleep(pace.delta_interval_ms / 1000)
        self.output_tokens_text += max(1, len(args) // 4)
        await self.session.send(
            ResponseFunctionCallArgumentsDone(
                response_id=self.id,
                item_id=item.id,
                output_index=index,
                call_id=call_id,
                arguments=args,
            )
        )
        done = ResponseFunctionCallItem(
            id=item.id,
            object="conversation.item",
            name=call.name,
            arguments=args,
            call_id=call_id,
            status="completed",
        )
        await self._item_done(done, index)

    async def _text_message(self, text: str) -> None:
        item_id = new_id("item")
        item = ResponseMessageItem(
            id=item_id,
            object="conversation.item",
            role="assistant",
            content=[],
            status="in_progress",
        )
        self._current = item
        index = self._current_index = await self._add_output(item)
        await self.session.send(
            ResponseContentPartAdded(
                response_id=self.id,
                item_id=item_id,
                output_index=index,
                content_index=0,
                part=OutputTextContentPart(text=""),
            )
        )
        pace = self.plan.pace
        sent = ""
        for piece in chunks(text, pace.text_delta_chars):
            await self.session.send(
                ResponseTextDelta(
                    response_id=self.id,
                    item_id=item_id,
                    output_index=index,
                    content_index=0,
                    delta=piece,
                )
            )
            sent += piece
            self._current = _message(item_id, [OutputTextContentPart(text=sent)], "in_progress")
            await self._counted_delta()
            await self._sleep(pace.delta_interval_ms / 1000)
        self.output_tokens_text += max(1, len(text) // 4)
        await self.session.send(
            ResponseTextDone(
                response_id=self.id, item_id=item_id, output_index=index, content_index=0, text=text
            )
        )
        part = OutputTextContentPart(text=text)
        await self.session.send(
            ResponseContentPartDone(
                response_id=self.id, item_id=item_id, output_index=index, content_index=0, part=part
            )
        )
        await self._item_done(_message(item_id, [part], "completed"), index)

    async def _audio_message(self, text: str) -> None:
        session = self.session
        item_id = new_id("item")
        item = _message(item_id, [], "in_progress")
        self._current = item
        index = self._current_index = await self._add_output(item)
        ids: dict[str, Any] = {"response_id": self.id, "item_id": item_id, "output_index": index}
        await session.send(
            ResponseContentPartAdded(**ids, content_index=0, part=AudioContentPart(transcript=""))
        )
        pcm = await session.synth.synthesize(text, session.espeak_voice())
        wire = encode_wire(pcm, SPEECH_RATE, self.output_format, pcm16_rate=SPEECH_RATE)
        rate = FORMAT_RATES.get(self.output_format, SPEECH_RATE)
        width = 1 if self.output_format.startswith("g711") else 2
        bytes_per_ms = rate * width / 1000
        total_ms = len(wire) / bytes_per_ms
        pace = self.plan.pace
        chunk_bytes = max(width, int(bytes_per_ms * pace.audio_chunk_ms) // width * width)
        n_chunks = max(1, math.ceil(len(wire) / chunk_bytes))
        pieces = chunks(text, pace.text_delta_chars)
        wants_words = "word" in session.timestamp_types()
        animation = session.animation_outputs()
        timings = word_timings(text, total_ms)
        viseme_list = visemes(timings) if "viseme_id" in animation else []
        blend_frame = 0
        words_sent = visemes_sent = pieces_sent = 0
        transcript = ""
        for n in range(n_chunks):
            chunk = wire[n * chunk_bytes : (n + 1) * chunk_bytes]
            chunk_start_ms = n * chunk_bytes / bytes_per_ms
            chunk_end_ms = min(total_ms, (n + 1) * chunk_bytes / bytes_per_ms)
            due = math.ceil(len(pieces) * (n + 1) / n_chunks)
            while pieces_sent < due:
                piece = pieces[pieces_sent]
                pieces_sent += 1
                transcript += piece
                await session.send(
                    ResponseAudioTranscriptDelta(**ids, content_index=0, delta=piece)
                )
                self._current = _message(
                    item_id, [AudioContentPart(transcript=transcript)], "in_progress"
                )
                await self._counted_delta()
            await session.send(ResponseAudioDelta(**ids, content_index=0, delta=b64encode(chunk)))
            session.audio_sent(item_id, chunk_end_ms - chunk_start_ms)
            self.output_audio_ms += chunk_end_ms - chunk_start_ms
            await self._counted_delta()
            while wants_words and words_sent < len(timings):
                word = timings[words_sent]
                if word.offset_ms >= chunk_end_ms:
                    break
                words_sent += 1
                await session.send(
                    ResponseAudioTimestampDelta(
                        **ids,
                        content_index=0,
                        audio_offset_ms=word.offset_ms,
                        audio_duration_ms=word.duration_ms,
                        text=word.text,
                        timestamp_type="word",
                    )
                )
            while visemes_sent < len(viseme_list) and viseme_list[visemes_sent][0] < chunk_end_ms:
                offset, viseme_id = viseme_list[visemes_sent]
                visemes_sent += 1
                await session.send(
                    ResponseAnimationVisemeDelta(
                        **ids, content_index=0, audio_offset_ms=offset, viseme_id=viseme_id
                    )
                )
            if "blendshapes" in animation:
                start = int(chunk_start_ms * SPEECH_RATE / 1000)
                end = int(chunk_end_ms * SPEECH_RATE / 1000)
                frames = blendshape_frames(pcm[start * 2 : end * 2], SPEECH_RATE)
                if frames:
                    await session.send(
                        ResponseAnimationBlendshapesDelta(
                            **ids, content_index=0, frame_index=blend_frame, frames=frames
                        )
                    )
                    blend_frame += len(frames)
            await self._sleep((chunk_end_ms - chunk_start_ms) / 1000 / pace.audio_speed)
        while pieces_sent < len(pieces):  # text longer than the audio allowed for
            transcript += pieces[pieces_sent]
            await session.send(
                ResponseAudioTranscriptDelta(**ids, content_index=0, delta=pieces[pieces_sent])
            )
            pieces_sent += 1
        self.output_tokens_text += max(1, len(text) // 4)
        session.items.audio_ms[item_id] = total_ms
        await session.send(ResponseAudioDone(**ids, content_index=0))
        await session.send(ResponseAudioTranscriptDone(**ids, content_index=0, transcript=text))
        if wants_words:
            await session.send(ResponseAudioTimestampDone(**ids, content_index=0))
        if "viseme_id" in animation:
            await session.send(ResponseAnimationVisemeDone(**ids, content_index=0))
        if "blendshapes" in animation:
            await session.send(ResponseAnimationBlendshapesDone(**ids))
        part = AudioContentPart(transcript=text)
        await session.send(ResponseContentPartDone(**ids, content_index=0, part=part))
        await self._item_done(_message(item_id, [part], "completed"), index)


def _message(item_id: str, content: list[Any], status: RealtimeItemStatus) -> ResponseMessageItem:
    return ResponseMessageItem(
        id=item_id,
        object="conversation.item",
        role="assistant",
        content=content,
        status=status,
    )


def _replace(item: ResponseMCPCallItem, **changes: Any) -> ResponseMCPCallItem:
    return msgspec.structs.replace(item, **changes)


def _with_status(
    item: ResponseMessageItem | ResponseFunctionCallItem | ResponseMCPCallItem,
    status: RealtimeItemStatus,
) -> RealtimeConversationResponseItem:
    if isinstance(item, ResponseMCPCallItem):
        return msgspec.structs.replace(
            item, error=item.error or {"type": "cancelled", "message": "response cancelled"}
        )
    return msgspec.structs.replace(item, status=status)
