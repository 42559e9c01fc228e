"""A WAV file as the microphone and another as the speaker: for tests, demos and benchmarks.

The backend behaves like a duplex sound card: one clock ticks in frames, and on every tick it
reads one frame of "mic" from the input file and writes one frame of "speaker" from the playback
buffer to the output file. Mic and speaker therefore share one timeline, exactly as on a real
device, and the output file shows what a listener in the room would have heard and when.

The clock runs in real time (`speed=1`) or faster (`speed=20` plays 20 seconds of audio in one
wall-clock second). When the input file ends, the mic keeps giving silence, as a real one would;
`mic_finished` is set so that a caller can stop once the satellite is idle again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import wave
from pathlib import Path

from voicelive.audio import SAMPLE_WIDTH

from .backend import MicSink
from .playback import PlaybackBuffer

_LOGGER = logging.getLogger(__name__)

DEFAULT_TICK_MS = 20


class WavBackend:
    """Mic from a WAV file (PCM16, any rate and channel count), speaker to a mono WAV file."""

    def __init__(
        self,
        mic_path: Path | None,
        speaker_path: Path | None,
        *,
        speaker_rate: int = 24000,
        speed: float = 1.0,
        tick_ms: int = DEFAULT_TICK_MS,
        mic_rate: int = 16000,
        lead_in_ms: int = 0,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.tick_ms = tick_ms
        self.lead_in_ms = lead_in_ms
        self.playback = PlaybackBuffer(speaker_rate)
        self.mic_finished = asyncio.Event()
        self._mic_path = mic_path
        self._speaker_path = speaker_path
        self._mic: wave.Wave_read | None = None
        self._speaker: wave.Wave_write | None = None
        self._task: asyncio.Task[None] | None = None
        self.mic_rate = mic_rate
        self.mic_channels = 1
        self.ticks = 0
        if mic_path is not None:
            with wave.open(str(mic_path), "rb") as probe:
                if probe.getsampwidth() != SAMPLE_WIDTH:
                    raise ValueError(f"{mic_path}: the mic WAV must be 16-bit PCM")
                self.mic_rate = probe.getframerate()
                self.mic_channels = probe.getnchannels()

    async def start(self, sink: MicSink) -> None:
        """Open the files and start the clock."""
        if self._mic_path is not None:
            self._mic = wave.open(str(self._mic_path), "rb")  # noqa: SIM115 - closed in stop()
        else:
            self.mic_finished.set()
        if self._speaker_path is not None:
            self._speaker = wave.open(str(self._speaker_path), "wb")  # noqa: SIM115
            self._speaker.setnchannels(1)
            self._speaker.setsampwidth(SAMPLE_WIDTH)
            self._speaker.setframerate(self.playback.rate)
        self._task = asyncio.create_task(self._run(sink), name="wav-audio-clock")

    async def _run(self, sink: MicSink) -> None:
        loop = asyncio.get_running_loop()
        mic_samples = self.mic_rate * self.tick_ms // 1000
        mic_bytes = mic_samples * SAMPLE_WIDTH * self.mic_channels
        speaker_bytes = self.playback.rate * self.tick_ms // 1000 * SAMPLE_WIDTH
        silence = bytes(mic_bytes)
        lead_in_ticks = self.lead_in_ms // self.tick_ms
        started = loop.time()
        while True:
            if self.ticks < lead_in_ticks:
                chunk = silence
            else:
                chunk = self._read_mic(mic_samples)
                if len(chunk) < mic_bytes:
                    chunk += bytes(mic_bytes - len(chunk))
            sink(chunk)
            out = self.playback.read(speaker_bytes)
            if self._speaker is not None:
                self._speaker.writeframesraw(out)
            self.ticks += 1
            if math.isinf(self.speed):
                await asyncio.sleep(0)
                continue
            due = started + self.ticks * self.tick_ms / 1000.0 / self.speed
            await asyncio.sleep(max(0.0, due - loop.time()))

    def _read_mic(self, samples: int) -> bytes:
        if self._mic is None:
            return b""
        data = self._mic.readframes(samples)
        if len(data) < samples * SAMPLE_WIDTH * self.mic_channels:
            self._mic.close()
            self._mic = None
            if not self.mic_finished.is_set():
                _LOGGER.info("the mic WAV file has ended; the mic gives silence from now on")
                self.mic_finished.set()
        return data

    @property
    def elapsed_ms(self) -> int:
        """Audio time since start (the clock's ticks)."""
        return self.ticks * self.tick_ms

    async def stop(self) -> None:
        """Stop the clock and close the files."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._mic is not None:
            self._mic.close()
            self._mic = None
        if self._speaker is not None:
            self._speaker.close()
            self._speaker = None
