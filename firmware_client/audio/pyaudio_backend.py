"""Real devices through PyAudio (PortAudio) in callback mode.

PortAudio calls us on its own audio thread for every block. Those callbacks do nothing that can
block: the mic callback copies the block and schedules it onto the event loop with
`loop.call_soon_threadsafe`, and the speaker callback copies from the thread-safe
`PlaybackBuffer` (silence when it is empty, so playback starts the moment audio arrives). All
conversion, wake word detection and networking happens on the asyncio side.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import numpy as np
from voicelive.audio import SAMPLE_WIDTH

from .backend import MicSink
from .playback import PlaybackBuffer

_LOGGER = logging.getLogger(__name__)

DEFAULT_BLOCK_MS = 20


def _pyaudio() -> Any:
    import pyaudio

    return pyaudio


class PyAudioBackend:
    """Mic capture and speaker playback on PortAudio devices."""

    def __init__(
        self,
        *,
        input_device: int | None = None,
        output_device: int | None = None,
        mic_rate: int = 16000,
        mic_channels: int = 1,
        speaker_rate: int = 48000,
        speaker_channels: int = 1,
        block_ms: int = DEFAULT_BLOCK_MS,
        capture: bool = True,
        play: bool = True,
    ) -> None:
        self.input_device = input_device
        self.output_device = output_device
        self.mic_rate = mic_rate
        self.mic_channels = mic_channels
        self.speaker_channels = speaker_channels
        self.block_ms = block_ms
        self.capture = capture
        self.play = play
        self.playback = PlaybackBuffer(speaker_rate)
        self.overflows = 0
        self.underruns = 0
        self.mic_blocks = 0
        self.speaker_blocks = 0
        self._pa: Any = None
        self._streams: list[Any] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sink: MicSink | None = None
        # PortAudio's constants, looked up once so that the callbacks do no imports.
        self._continue = 0
        self._complete = 1
        self._overflow_flag = 0
        self._underflow_flag = 0

    async def start(self, sink: MicSink) -> None:
        """Open and start the streams (PortAudio's setup runs off the event loop)."""
        self._loop = asyncio.get_running_loop()
        self._sink = sink
        await self._loop.run_in_executor(None, self._open)

    def _open(self) -> None:
        pyaudio = _pyaudio()
        self._continue, self._complete = pyaudio.paContinue, pyaudio.paComplete
        self._overflow_flag = pyaudio.paInputOverflow
        self._underflow_flag = pyaudio.paOutputUnderflow
        self._pa = pyaudio.PyAudio()
        try:
            if self.capture:
                self._streams.append(
                    self._pa.open(
                        format=pyaudio.paInt16,
                        channels=self.mic_channels,
                        rate=self.mic_rate,
                        input=True,
                        input_device_index=self.input_device,
                        frames_per_buffer=self.mic_rate * self.block_ms // 1000,
                        stream_callback=self._on_mic,
                    )
                )
            if self.play:
                rate = self.playback.rate
                self._streams.append(
                    self._pa.open(
                        format=pyaudio.paInt16,
                        channels=self.speaker_channels,
                        rate=rate,
                        output=True,
                        output_device_index=self.output_device,
                        frames_per_buffer=rate * self.block_ms // 1000,
                        stream_callback=self._on_speaker,
                    )
                )
            for stream in self._streams:
                stream.start_stream()
        except BaseException:
            self._close()
            raise
        _LOGGER.info(
            "audio started: mic %s Hz x%d (device %s), speaker %s Hz x%d (device %s)",
            self.mic_rate,
            self.mic_channels,
            "default" if self.input_device is None else self.input_device,
            self.playback.rate,
            self.speaker_channels,
            "default" if self.output_device is None else self.output_device,
        )

    # --- PortAudio's thread ---------------------------------------------------------------------

    def _on_mic(
        self, in_data: bytes | None, frame_count: int, time_info: Any, status: int
    ) -> tuple[None, int]:
        if status & self._overflow_flag:
            self.overflows += 1
        loop, sink = self._loop, self._sink
        if in_data and loop is not None and sink is not None:
            self.mic_blocks += 1
            try:
                loop.call_soon_threadsafe(sink, bytes(in_data))
            except RuntimeError:  # the loop is closing; nothing to deliver to
                return None, self._complete
        return None, self._continue

    def _on_speaker(
        self, in_data: bytes | None, frame_count: int, time_info: Any, status: int
    ) -> tuple[bytes, int]:
        if status & self._underflow_flag:
            self.underruns += 1
        self.speaker_blocks += 1
        mono = bytearray(frame_count * SAMPLE_WIDTH)
        self.playback.read_into(mono)
        if self.speaker_channels == 1:
            return bytes(mono), self._continue
        samples = np.frombuffer(mono, dtype="<i2")
        return np.repeat(samples, self.speaker_channels).tobytes(), self._continue

    # --- teardown -------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop the streams and terminate PortAudio. Safe to call twice."""
        if self._pa is None:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._close)

    def _close(self) -> None:
        for stream in self._streams:
            try:
                stream.stop_stream()
                stream.close()
            except OSError as exc:  # pragma: no cover - depends on the device
                _LOGGER.warning("closing an audio stream failed: %s", exc)
        self._streams.clear()
        if self._pa is not None:
            self._pa.terminate()
            self._pa = None
