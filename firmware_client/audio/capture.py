"""Mic audio as the session wants it: raw device bytes to mono PCM16 frames at the wire rate.

The device gives whatever rate and channel count the user's hardware has; Voice Live and the
wake word want mono PCM16 at a known rate in fixed frames. The shared `voicelive.audio` helpers do
the work (`to_mono`, the streaming soxr `Resampler`, `FrameBuffer`), so there is one resampler in
the whole product. This runs on the asyncio side, never in the audio callback.
"""

from __future__ import annotations

from voicelive.audio import SAMPLE_WIDTH, FrameBuffer, Resampler, bytes_for_ms, to_mono

DEFAULT_FRAME_MS = 20


class MicConverter:
    """Converts device chunks of any size to fixed mono frames at `rate`."""

    def __init__(
        self, *, device_rate: int, channels: int, rate: int, frame_ms: int = DEFAULT_FRAME_MS
    ) -> None:
        if channels < 1:
            raise ValueError("channels must be at least 1")
        self.device_rate = device_rate
        self.channels = channels
        self.rate = rate
        self.frame_ms = frame_ms
        self.frame_bytes = bytes_for_ms(frame_ms, rate)
        self._resampler = Resampler(device_rate, rate)
        self._frames = FrameBuffer(self.frame_bytes)
        self._partial = b""

    def reset(self) -> None:
        """Start a fresh stream (no filter state, no partial frame from an earlier one)."""
        self._resampler = Resampler(self.device_rate, self.rate)
        self._frames = FrameBuffer(self.frame_bytes)
        self._partial = b""

    def process(self, chunk: bytes) -> list[bytes]:
        """Convert one device chunk; return the frames that are now complete."""
        whole = SAMPLE_WIDTH * self.channels
        if self._partial:
            chunk = self._partial + chunk
        cut = len(chunk) - len(chunk) % whole
        self._partial = chunk[cut:]
        mono = to_mono(chunk[:cut], self.channels)
        return self._frames.push(self._resampler.process(mono))
