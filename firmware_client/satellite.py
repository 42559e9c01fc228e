"""The satellite between conversations: idle listening for the wake word, mute, chimes.

Mic chunks arrive on the event loop (from the audio backend). While idle they are converted to
the wake word model's 16 kHz and fed to the local detector (nothing leaves the device); during a
conversation they are converted to the session's rate and handed to the `Conversation`. Each
path converts straight from the device, so a 16 kHz mic costs no resampling at all while idle.
Requests from home (announce, mute) arrive through the connector. State changes are logged at INFO.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import math
from collections.abc import Callable

from . import chimes
from .audio.capture import MicConverter
from .audio.playback import PlaybackBuffer
from .conversation import RECONNECT_DELAYS, Conversation, follow_up_ms
from .settings import AudioSettings
from .transport.base import AnnounceRequest, Connector, MuteRequest
from .wakeword import NO_WAKE_WORD, WakeWordDetector

_LOGGER = logging.getLogger(__name__)


class State(enum.StrEnum):
    """What the satellite is doing."""

    IDLE = "idle"
    MUTED = "muted"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"
    ANNOUNCING = "announcing"


class Satellite:
    """Wake word, conversations and home requests, on one event loop."""

    def __init__(
        self,
        *,
        connector: Connector,
        audio: AudioSettings,
        playback: PlaybackBuffer,
        converter: MicConverter,
        detector: WakeWordDetector | None,
        follow_up_seconds: float = 8.0,
        chimes_on: bool = True,
        open_timeout: float = 5.0,
        reconnect_timeout: float = 30.0,
    ) -> None:
        if converter.rate != audio.capture_rate:
            raise ValueError("the mic converter must produce frames at the session's input rate")
        self.connector = connector
        self.audio = audio
        self.playback = playback
        self.converter = converter
        self.detector = detector
        self.wake_converter = (
            MicConverter(
                device_rate=converter.device_rate,
                channels=converter.channels,
                rate=detector.rate,
                frame_ms=converter.frame_ms,
            )
            if detector is not None
            else None
        )
        self.wake_word = detector.name if detector is not None else NO_WAKE_WORD
        # Without a wake word the satellite is always listening: the session stays open.
        self.follow_up_ms = math.inf if detector is None else follow_up_ms(follow_up_seconds)
        self.chimes_on = chimes_on
        self.open_timeout = open_timeout
        self.reconnect_timeout = reconnect_timeout
        self.state = State.IDLE
        self.muted = False
        self.conversation: Conversation | None = None
        self.history: list[Conversation] = []
        self.wakes = 0
        self.frames_heard = 0
        self._failures = 0
        self._rearm_at_ms = 0
        self._task: asyncio.Task[None] | None = None
        self._requests_task: asyncio.Task[None] | None = None
        self.state_listeners: list[Callable[[State], None]] = []
        #: False stops new conversations from starting (a WAV run that is winding down).
        self.accept_wakes = True
        self.idle = asyncio.Event()
        self.idle.set()

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving requests from home (the audio backend feeds `on_mic` itself)."""
        self._requests_task = asyncio.create_task(self._request_loop(), name="satellite-requests")
        _LOGGER.info(
            "satellite ready: wake word %s, input %s at %d Hz",
            self.wake_word,
            self.audio.input_format,
            self.audio.input_rate,
        )

    async def stop(self) -> None:
        """End any conversation and stop."""
        for task in (self._task, self._requests_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._requests_task = None

    def _set_state(self, state: State) -> None:
        if state != self.state:
            _LOGGER.info("state: %s -> %s", self.state.value, state.value)
            self.state = state
            for listener in list(self.state_listeners):
                listener(state)

    # --- mic ------------------------------------------------------------------------------------

    def on_mic(self, chunk: bytes) -> None:
        """Raw device audio, on the event loop (the backend schedules this)."""
        if self.conversation is None and self.wake_converter is not None:
            self._listen_for_wake(self.wake_converter.process(chunk))
        else:
            for frame in self.converter.process(chunk):
                self._on_frame(frame)

    def _listen_for_wake(self, frames: list[bytes]) -> None:
        detector = self.detector
        assert detector is not None
        for frame in frames:
            self.frames_heard += 1
            if self.muted or not self.accept_wakes:
                continue
            if detector.process(frame):
                _LOGGER.info("wake word %s heard", self.wake_word)
                self.converter.reset()  # the session's audio starts right after the wake word
                self._begin(None)
                return

    def _on_frame(self, frame: bytes) -> None:
        self.frames_heard += 1
        if self.muted:
            return
        conversation = self.conversation
        if conversation is not None:
            conversation.on_frame(frame)
            return
        if not self.accept_wakes or self.detector is not None:
            return  # a chunk that straddled the end of a conversation
        # Always listening: a session opens at once (after a backoff when opening failed).
        if self.frames_heard * self.converter.frame_ms >= self._rearm_at_ms:
            self._begin(frame)

    def _begin(self, first_frame: bytes | None) -> None:
        self.wakes += 1
        if self.chimes_on:
            self.playback.write(chimes.wake_chime(self.playback.rate))
        conversation = self._new_conversation()
        if first_frame is not None:
            conversation.on_frame(first_frame)
        self._run(conversation)

    def _new_conversation(self, **kwargs: object) -> Conversation:
        return Conversation(
            connector=self.connector,
            audio=self.audio,
            playback=self.playback,
            wake_word=self.wake_word,
            frame_ms=self.converter.frame_ms,
            follow_up_ms=self.follow_up_ms,
            open_timeout=self.open_timeout,
            reconnect_timeout=self.reconnect_timeout,
            on_state=self._on_conversation_state,
            **kwargs,  # type: ignore[arg-type]
        )

    def _on_conversation_state(self, state: str) -> None:
        if self.conversation is not None and not self.conversation.announcement:
            self._set_state(State(state))

    def _run(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.history.append(conversation)
        self.idle.clear()
        self._set_state(State.ANNOUNCING if conversation.announcement else State.CONNECTING)
        self._task = asyncio.create_task(self._converse(conversation), name="satellite-talk")

    async def _converse(self, conversation: Conversation) -> None:
        try:
            reason = await conversation.run()
        finally:
            self.conversation = None
            self.playback.forget()
            if self.detector is not None:
                self.detector.reset()
            if self.wake_converter is not None:
                self.wake_converter.reset()
        _LOGGER.info("conversation over: %s", reason)
        if conversation.failed:
            self._failures += 1
            if self.chimes_on and not conversation.announcement:
                self.playback.write(chimes.error_chime(self.playback.rate))
        else:
            self._failures = 0
            if self.chimes_on and not conversation.announcement:
                self.playback.write(chimes.end_chime(self.playback.rate))
        # Without a wake word the satellite re-opens at once; after failures it backs off.
        delay = 0.0
        if self._failures:
            delay = RECONNECT_DELAYS[min(self._failures, len(RECONNECT_DELAYS)) - 1]
        self._rearm_at_ms = int(self.frames_heard * self.converter.frame_ms + delay * 1000)
        self._set_state(State.MUTED if self.muted else State.IDLE)
        self.idle.set()

    # --- home -----------------------------------------------------------------------------------

    async def _request_loop(self) -> None:
        while True:
            request = await self.connector.requests.get()
            if isinstance(request, MuteRequest):
                await self.set_muted(request.muted)
            elif isinstance(request, AnnounceRequest):
                self._announce(request)

    def _announce(self, request: AnnounceRequest) -> None:
        if self.conversation is not None:
            _LOGGER.info("announcement during a conversation: played in that conversation")
            return
        _LOGGER.info("announcement: %s", request.text)
        self._run(
            self._new_conversation(
                channel=request.channel,
                announcement=True,
                listen_after=request.listen,
                listen_chime=chimes.wake_chime(self.playback.rate) if self.chimes_on else b"",
            )
        )

    async def set_muted(self, muted: bool) -> None:
        """Mute or unmute the mic (a muted satellite hears nothing, not even its wake word)."""
        if muted == self.muted:
            await self.connector.notify_muted(muted)
            return
        self.muted = muted
        _LOGGER.info("microphone %s", "muted" if muted else "unmuted")
        if muted and self.conversation is not None:
            self.conversation.end("muted")
        elif self.conversation is None:
            self._set_state(State.MUTED if muted else State.IDLE)
        await self.connector.notify_muted(muted)
