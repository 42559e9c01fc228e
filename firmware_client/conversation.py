"""One conversation: from the wake word (or an announcement) to the end of the follow-up window.

The conversation streams mic frames as `input_audio_buffer.append`, plays `response.audio.delta`
at once through the jitter buffer, turns the user talking over a reply into a barge-in
(`conversation.item.truncate` with the milliseconds really played), and decides when it is over.
It talks to a `Channel` and never learns whether that is Azure, the emulator or Home Assistant.

Time inside a conversation is audio time: the follow-up window counts mic audio, not the wall
clock. On a real microphone the two are the same; with a WAV file played faster than real time
the whole conversation simply runs faster, and stays consistent.

Mic frames wait in a bounded backlog while no channel is open (between the wake word and the
session opening, or while reconnecting), so the start of a command said right after the wake word
is not lost; if the backlog overflows, the oldest audio goes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable

from voicelive.audio import Resampler, alaw_encode, b64decode, b64encode, decode_wire, ulaw_encode
from voicelive.codec import AnyServerEvent
from voicelive.errors import ConnectError, ProtocolError
from voicelive.events import (
    ConversationItemTruncate,
    ConversationItemTruncated,
    ErrorEvent,
    InputAudioBufferAppend,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    ResponseAudioDelta,
    ResponseAudioDone,
    ResponseCreated,
    ResponseDone,
    SessionCreated,
    SessionUpdated,
    UnknownEvent,
)

from .audio.playback import PlaybackBuffer, PlaybackTag
from .settings import AudioSettings
from .transport.base import Channel, ChannelClosed, Connector, SessionEndedByHome

_LOGGER = logging.getLogger(__name__)

BACKLOG_MS = 5000  # mic audio kept while no channel is open
MAX_APPEND_MS = 200  # one append carries at most this much backlog
RECONNECT_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)
FIRST_TURN_MS = 5000  # after the wake word, people take a moment to start talking
ANNOUNCE_WAIT_MS = 30000  # an announcement's audio may take a while to be generated
SERVER_QUIET_MS = 30000  # "speaking" or "responding" with no event for this long is stale


class Conversation:
    """The session logic of one conversation."""

    def __init__(
        self,
        *,
        connector: Connector,
        audio: AudioSettings,
        playback: PlaybackBuffer,
        wake_word: str,
        frame_ms: int,
        follow_up_ms: float,
        open_timeout: float = 5.0,
        reconnect_timeout: float = 30.0,
        channel: Channel | None = None,
        announcement: bool = False,
        listen_after: bool = True,
        listen_chime: bytes = b"",
        on_state: Callable[[str], None] | None = None,
    ) -> None:
        self.connector = connector
        self.audio = audio
        self.playback = playback
        self.wake_word = wake_word
        self.frame_ms = frame_ms
        self.follow_up_ms = follow_up_ms
        self.open_timeout = open_timeout
        self.reconnect_timeout = reconnect_timeout
        self.announcement = announcement
        self.listen_after = listen_after
        self.listen_chime = listen_chime
        self._on_state = on_state
        self._channel: Channel | None = channel
        self._preset_channel = channel is not None
        self._backlog: deque[bytes] = deque(maxlen=max(1, BACKLOG_MS // frame_ms))
        self._backlog_ready = asyncio.Event()
        self._ended = asyncio.Event()
        self.end_reason = ""
        self.failed = False
        # Audio-time bookkeeping (ms of mic audio since the conversation began).
        self.clock_ms = 0
        self._idle_since: int | None = 0
        self._streaming = not announcement
        # What the service is doing.
        self._user_speaking = False
        self._heard_speech = False
        self._last_event_ms = 0
        self._responses: set[str] = set()
        self._response_pending = False
        self._replies_done = 0
        self._out_format = audio.output_format
        self._current: PlaybackTag | None = None
        self._audio_done: set[PlaybackTag] = set()
        self._cut_items: set[str] = set()
        self._resampler: Resampler | None = None
        self._resampler_rate = 0
        # Figures that tests and logs read.
        self.frames_sent = 0
        self.truncations: list[ConversationItemTruncate] = []
        self.sessions_opened = 0

    # --- mic side (called on the event loop for every frame) ------------------------------------

    def on_frame(self, frame: bytes) -> None:
        """One mic frame (mono PCM16 at the session's input rate)."""
        self.clock_ms += self.frame_ms
        if self._streaming:
            self._backlog.append(frame)
            self._backlog_ready.set()
        self._check_end()

    def _check_end(self) -> None:
        if self._ended.is_set():
            return
        # What the service said is only trusted while it keeps talking: a turn that never got its
        # response (or its speech_stopped) must not hold a paid session open for ever.
        server_busy = (
            self._user_speaking or self._response_pending or bool(self._responses)
        ) and self.clock_ms - self._last_event_ms < SERVER_QUIET_MS
        busy = server_busy or self.playback.pending_bytes > 0
        if busy:
            self._idle_since = None
            return
        if self._idle_since is None:
            self._idle_since = self.clock_ms
        if self.announcement and not self.listen_after and self._replies_done:
            self.end("announcement played")
        elif self.announcement and self.listen_after and self._replies_done and not self._streaming:
            self._streaming = True  # the announcement was played; now listen for an answer
            self.playback.write(self.listen_chime)
            self._idle_since = self.clock_ms
        elif self.clock_ms - self._idle_since >= self._window_ms():
            self.end("follow-up window closed")

    def _window_ms(self) -> float:
        """How long silence may last: the follow-up window, and longer before the first turn."""
        if self._heard_speech or self._replies_done:
            return self.follow_up_ms
        if self.announcement:
            return max(self.follow_up_ms, ANNOUNCE_WAIT_MS)
        return max(self.follow_up_ms, FIRST_TURN_MS)

    def end(self, reason: str, *, failed: bool = False) -> None:
        """Finish the conversation (idempotent)."""
        if not self._ended.is_set():
            self.end_reason = reason
            self.failed = failed
            self._ended.set()

    @property
    def ended(self) -> bool:
        """True once the conversation decided to stop."""
        return self._ended.is_set()

    # --- the run --------------------------------------------------------------------------------

    async def run(self) -> str:
        """Converse until the end; return the reason. Always closes the channel."""
        sender = asyncio.create_task(self._send_loop(), name="satellite-send")
        receiver = asyncio.create_task(self._receive_loop(), name="satellite-receive")
        ended = asyncio.create_task(self._ended.wait(), name="satellite-end")
        try:
            await asyncio.wait({sender, receiver, ended}, return_when=asyncio.FIRST_COMPLETED)
            for worker in (sender, receiver):
                if worker.done() and not worker.cancelled() and worker.exception() is not None:
                    exc = worker.exception()
                    _LOGGER.error("the conversation failed: %s", exc, exc_info=exc)
                    self.end(f"error: {exc}", failed=True)
        finally:
            for task in (sender, receiver, ended):
                task.cancel()
            for task in (sender, receiver, ended):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self.end("stopped")
            await self._close_channel(self.end_reason)
        return self.end_reason

    async def _close_channel(self, reason: str) -> None:
        channel, self._channel = self._channel, None
        if channel is not None:
            try:
                await channel.close(reason)
            except Exception as exc:
                _LOGGER.debug("closing the channel failed: %s", exc)

    async def _open(self, budget: float) -> bool:
        """Open a channel, retrying with backoff within `budget` seconds."""
        deadline = time.monotonic() + budget
        for attempt in range(1_000_000):
            if self.ended:
                return False
            try:
                channel = await self.connector.open(self.wake_word)
            except ConnectError as exc:
                delay = RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]
                if time.monotonic() + delay > deadline:
                    _LOGGER.warning("cannot open a session: %s", exc)
                    return False
                _LOGGER.info("cannot open a session (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            try:
                await channel.send(self.audio.session_update())
            except ChannelClosed as exc:
                _LOGGER.info("the session closed at once (%s)", exc)
                await asyncio.sleep(RECONNECT_DELAYS[0])
                continue
            self._channel = channel
            self.sessions_opened += 1
            self._state("streaming")
            return True
        return False  # pragma: no cover

    def _state(self, state: str) -> None:
        if self._on_state is not None:
            self._on_state(state)

    async def _receive_loop(self) -> None:
        budget = self.open_timeout
        while not self.ended:
            if self._channel is None:
                if self._preset_channel:
                    self.end("the link was lost", failed=True)
                    return
                self._state("connecting" if budget == self.open_timeout else "reconnecting")
                if not await self._open(budget):
                    self.end("could not reach Voice Live", failed=True)
                    return
                self._backlog_ready.set()
            channel = self._channel
            assert channel is not None
            budget = self.reconnect_timeout
            try:
                while not self.ended:
                    await self._on_event(await channel.recv())
            except SessionEndedByHome as exc:
                self._channel = None  # already over on HA's side: no session_end back
                self.end(f"ended by Home Assistant: {exc.reason}", failed=True)
                return
            except ChannelClosed as exc:
                if self._ended.is_set():
                    return
                _LOGGER.warning("the session dropped mid-conversation (%s); reconnecting", exc)
                self._lost_session()
                if self._channel is channel:
                    self._channel = None

    def _lost_session(self) -> None:
        # The service forgot everything; nothing is speaking or pending any more.
        self._user_speaking = False
        self._responses.clear()
        self._response_pending = False
        self._idle_since = self.clock_ms

    async def _send_loop(self) -> None:
        frames_per_append = max(1, MAX_APPEND_MS // self.frame_ms)
        while True:
            await self._backlog_ready.wait()
            self._backlog_ready.clear()
            while self._backlog and self._channel is not None:
                channel = self._channel
                batch = [self._backlog.popleft()]
                while self._backlog and len(batch) < frames_per_append:
                    batch.append(self._backlog.popleft())
                event = InputAudioBufferAppend(audio=b64encode(self._encode(b"".join(batch))))
                try:
                    await channel.send(event)
                except ChannelClosed:
                    break  # the receiver notices too and reconnects; this audio is lost
                self.frames_sent += len(batch)

    def _encode(self, pcm16: bytes) -> bytes:
        fmt = self.audio.input_format
        if fmt == "g711_ulaw":
            return ulaw_encode(pcm16)
        if fmt == "g711_alaw":
            return alaw_encode(pcm16)
        return pcm16

    # --- server events --------------------------------------------------------------------------

    async def _on_event(self, event: AnyServerEvent) -> None:
        self._last_event_ms = self.clock_ms
        if isinstance(event, ResponseAudioDelta):
            self._on_audio(event)
        elif isinstance(event, InputAudioBufferSpeechStarted):
            self._user_speaking = True
            self._heard_speech = True
            self._idle_since = None
            await self._barge_in()
        elif isinstance(event, InputAudioBufferSpeechStopped):
            self._user_speaking = False
            self._response_pending = True
        elif isinstance(event, ResponseCreated):
            self._response_pending = False
            self._responses.add(event.response.id if isinstance(event.response.id, str) else "")
        elif isinstance(event, ResponseAudioDone):
            self._flush_resampler(PlaybackTag(event.item_id, event.content_index))
        elif isinstance(event, ResponseDone):
            self._response_pending = False
            self._responses.discard(event.response.id if isinstance(event.response.id, str) else "")
            self._replies_done += 1
            if self._current is not None:
                self._flush_resampler(self._current)
        elif isinstance(event, SessionCreated | SessionUpdated):
            self._out_format = event.session.output_audio_format  # type: ignore[assignment]
            if isinstance(event, SessionCreated):
                _LOGGER.info("Voice Live session %s opened", event.session.id)
        elif isinstance(event, ErrorEvent):
            _LOGGER.warning(
                "Voice Live error %s: %s", event.error.code or "", event.error.message or ""
            )
        elif isinstance(event, ConversationItemTruncated):
            _LOGGER.debug("item %s truncated at %d ms", event.item_id, event.audio_end_ms)
        elif isinstance(event, UnknownEvent):
            _LOGGER.debug("ignoring an event of type %s", event.type)
        self._check_end()

    def _on_audio(self, event: ResponseAudioDelta) -> None:
        if event.item_id in self._cut_items:
            return  # audio of a reply that the user already talked over
        tag = PlaybackTag(event.item_id, event.content_index)
        try:
            pcm, rate = decode_wire(b64decode(event.delta), self._out_format)
        except (ValueError, ProtocolError) as exc:
            _LOGGER.warning("skipping undecodable reply audio: %s", exc)
            return
        if tag != self._current or self._resampler is None or self._resampler_rate != rate:
            if self._current is not None and self._current != tag:
                self._flush_resampler(self._current)
            self._current = tag
            self._resampler = Resampler(rate, self.playback.rate)
            self._resampler_rate = rate
        self.playback.write(self._resampler.process(pcm), tag)
        self._idle_since = None

    def _flush_resampler(self, tag: PlaybackTag) -> None:
        self._audio_done.add(tag)
        if tag == self._current and self._resampler is not None:
            if tag.item_id not in self._cut_items:
                self.playback.write(self._resampler.flush(), tag)
            self._resampler = None

    async def _barge_in(self) -> None:
        tag = self._current
        if tag is None or tag.item_id in self._cut_items:
            return
        still_playing = self.playback.pending_bytes > 0 or tag not in self._audio_done
        if not still_playing:
            return
        self.playback.clear()  # the speaker falls silent at its next block
        played = self.playback.played_ms(tag)
        self._cut_items.add(tag.item_id)
        self._resampler = None
        truncate = ConversationItemTruncate(
            item_id=tag.item_id, content_index=tag.content_index, audio_end_ms=played
        )
        self.truncations.append(truncate)
        _LOGGER.info("barge-in: stopped the reply after %d ms of %s", played, tag.item_id)
        channel = self._channel
        if channel is not None:
            with contextlib.suppress(ChannelClosed):
                await channel.send(truncate)


def follow_up_ms(seconds: float) -> float:
    """The follow-up window in ms; 0 or less means none, `inf` never closes."""
    return math.inf if math.isinf(seconds) else max(0.0, seconds * 1000.0)
