"""The speaker's jitter buffer: reply audio goes in from asyncio, the audio thread takes it out.

Playback starts as soon as the first bytes arrive (there is no pre-fill wait: Voice Live sends
audio faster than real time, so the buffer fills ahead of the speaker by itself). Every segment
carries a tag (the reply item and content index, or None for a chime), and the buffer counts how
many samples of each tag were really handed to the speaker: that count, not what was received, is
what barge-in reports to the service in `conversation.item.truncate`.

All methods are thread-safe and never block for long: the audio callback only takes a lock that
is held for a few list operations.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import NamedTuple

from voicelive.audio import SAMPLE_WIDTH


class PlaybackTag(NamedTuple):
    """Which reply audio a segment belongs to."""

    item_id: str
    content_index: int


class PlaybackBuffer:
    """A FIFO of mono PCM16 at the speaker's rate, with per-tag counts of played samples."""

    def __init__(self, rate: int) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._lock = threading.Lock()
        self._segments: deque[tuple[memoryview, PlaybackTag | None]] = deque()
        self._pending = 0
        self._played: dict[PlaybackTag, int] = {}
        self._queued: dict[PlaybackTag, int] = {}
        self._total_played = 0

    def write(self, pcm16: bytes, tag: PlaybackTag | None = None) -> None:
        """Queue audio for the speaker."""
        if len(pcm16) % SAMPLE_WIDTH:
            raise ValueError("PCM16 audio must have an even number of bytes")
        if not pcm16:
            return
        with self._lock:
            self._segments.append((memoryview(pcm16), tag))
            self._pending += len(pcm16)
            if tag is not None:
                self._queued[tag] = self._queued.get(tag, 0) + len(pcm16)

    def read_into(self, out: bytearray | memoryview, offset: int = 0) -> int:
        """Fill `out[offset:]` with queued audio, silence for the rest; return the audio bytes.

        Called from the audio thread for every device block.
        """
        view = memoryview(out)[offset:]
        want = len(view)
        got = 0
        with self._lock:
            while got < want and self._segments:
                segment, tag = self._segments[0]
                take = min(len(segment), want - got)
                view[got : got + take] = segment[:take]
                got += take
                if take == len(segment):
                    self._segments.popleft()
                else:
                    self._segments[0] = (segment[take:], tag)
                if tag is not None:
                    self._played[tag] = self._played.get(tag, 0) + take
            self._pending -= got
            self._total_played += got
        if got < want:
            view[got:] = bytes(want - got)
        return got

    def read(self, nbytes: int) -> bytes:
        """`nbytes` for the speaker: queued audio first, then silence."""
        out = bytearray(nbytes)
        self.read_into(out)
        return bytes(out)

    def clear(self) -> int:
        """Drop everything not yet played (barge-in); return how many bytes were dropped."""
        with self._lock:
            dropped = self._pending
            self._segments.clear()
            self._pending = 0
        return dropped

    @property
    def pending_bytes(self) -> int:
        """Bytes queued but not yet handed to the speaker."""
        with self._lock:
            return self._pending

    @property
    def total_played_bytes(self) -> int:
        """All audio bytes ever handed to the speaker (chimes included)."""
        with self._lock:
            return self._total_played

    def played_ms(self, tag: PlaybackTag) -> int:
        """Milliseconds of `tag`'s audio that were handed to the speaker."""
        with self._lock:
            played = self._played.get(tag, 0)
        return played * 1000 // (self.rate * SAMPLE_WIDTH)

    def queued_ms(self, tag: PlaybackTag) -> int:
        """Milliseconds of `tag`'s audio that were queued (played or not)."""
        with self._lock:
            queued = self._queued.get(tag, 0)
        return queued * 1000 // (self.rate * SAMPLE_WIDTH)

    def forget(self) -> None:
        """Drop the per-tag counts (at the end of a session)."""
        with self._lock:
            self._played.clear()
            self._queued.clear()
