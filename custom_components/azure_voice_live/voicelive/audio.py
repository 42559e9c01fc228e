"""Audio helpers that every Voice Live peer needs: PCM16 framing, base64, G.711, resampling.

Voice Live carries audio as base64 in JSON: PCM16 little-endian mono (24 kHz unless the session
says otherwise), or G.711 mu-law / A-law at 8 kHz. Resampling uses soxr (a well-kept C library with
aarch64 wheels), imported only when used: it has no musllinux wheels, and the Home Assistant
component, which must install on Home Assistant OS, never resamples. G.711 uses `audioop` (the
standard library's, or the audioop-lts port that Home Assistant also ships for Python 3.13).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np

try:  # Python <= 3.12 ships audioop; 3.13 takes the audioop-lts port under the same name.
    import audioop
except ImportError:  # pragma: no cover - audioop-lts is a dependency
    raise

SAMPLE_WIDTH = 2  # bytes per PCM16 sample
DEFAULT_RATE = 24000
SUPPORTED_RATES = (8000, 16000, 24000)

AudioFormat = Literal["pcm16", "pcm16_8000hz", "pcm16_16000hz", "g711_ulaw", "g711_alaw"]

#: Sample rate of each wire format; `pcm16` is the session's rate (24 kHz by default).
FORMAT_RATES: dict[str, int] = {
    "pcm16": DEFAULT_RATE,
    "pcm16_8000hz": 8000,
    "pcm16_16000hz": 16000,
    "g711_ulaw": 8000,
    "g711_alaw": 8000,
}


# --- base64 -------------------------------------------------------------------------------------


def b64encode(data: bytes) -> str:
    """Audio bytes as the base64 text that Voice Live events carry."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Base64 text from an event as audio bytes; raises ValueError for anything not base64."""
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:  # binascii.Error, or a non-ASCII character in the text
        raise ValueError(f"audio is not valid base64: {exc}") from None


# --- durations and framing ----------------------------------------------------------------------


def duration_ms(
    num_bytes: int, rate: int, *, sample_width: int = SAMPLE_WIDTH, channels: int = 1
) -> float:
    """How many milliseconds `num_bytes` of audio last."""
    return num_bytes * 1000.0 / (rate * sample_width * channels)


def bytes_for_ms(
    ms: float, rate: int, *, sample_width: int = SAMPLE_WIDTH, channels: int = 1
) -> int:
    """How many bytes `ms` milliseconds of audio take, rounded down to whole frames."""
    frame = sample_width * channels
    return int(ms * rate / 1000.0) * frame


def wire_duration_ms(num_bytes: int, fmt: str, rate: int = DEFAULT_RATE) -> float:
    """Duration of audio in a wire format (G.711 has one byte per sample)."""
    if fmt.startswith("g711"):
        return duration_ms(num_bytes, 8000, sample_width=1)
    return duration_ms(num_bytes, rate if fmt == "pcm16" else FORMAT_RATES[fmt])


def split_frames(data: bytes, frame_bytes: int) -> Iterator[bytes]:
    """Cut audio into frames of `frame_bytes`; the last one may be shorter."""
    if frame_bytes <= 0:
        raise ValueError("frame size must be positive")
    for start in range(0, len(data), frame_bytes):
        yield data[start : start + frame_bytes]


class FrameBuffer:
    """Collects audio of any chunk size and hands it out in frames of one fixed size.

    A mic callback delivers whatever the device gives; Voice Live, VAD and wake word models want
    fixed frames. Nothing is lost: what does not fill a frame waits for the next `push`.
    """

    def __init__(self, frame_bytes: int) -> None:
        if frame_bytes <= 0 or frame_bytes % SAMPLE_WIDTH:
            raise ValueError("frame size must be a positive number of PCM16 samples")
        self.frame_bytes = frame_bytes
        self._pending = bytearray()

    def push(self, data: bytes) -> list[bytes]:
        """Add audio; return every frame that is now complete."""
        self._pending += data
        count = len(self._pending) // self.frame_bytes
        if not count:
            return []
        cut = count * self.frame_bytes
        chunk = bytes(self._pending[:cut])
        del self._pending[:cut]
        return [chunk[i : i + self.frame_bytes] for i in range(0, cut, self.frame_bytes)]

    def flush(self) -> bytes:
        """Return and forget what is left (less than a frame)."""
        rest = bytes(self._pending)
        self._pending.clear()
        return rest

    def __len__(self) -> int:
        return len(self._pending)


# --- G.711 --------------------------------------------------------------------------------------


def ulaw_encode(pcm16: bytes) -> bytes:
    """PCM16 to G.711 mu-law (one byte per sample)."""
    return audioop.lin2ulaw(pcm16, SAMPLE_WIDTH)


def ulaw_decode(ulaw: bytes) -> bytes:
    """G.711 mu-law to PCM16."""
    return audioop.ulaw2lin(ulaw, SAMPLE_WIDTH)


def alaw_encode(pcm16: bytes) -> bytes:
    """PCM16 to G.711 A-law (one byte per sample)."""
    return audioop.lin2alaw(pcm16, SAMPLE_WIDTH)


def alaw_decode(alaw: bytes) -> bytes:
    """G.711 A-law to PCM16."""
    return audioop.alaw2lin(alaw, SAMPLE_WIDTH)


# --- Resampling and channels --------------------------------------------------------------------


def _check_rate(rate: int) -> None:
    if rate <= 0:
        raise ValueError(f"sample rate must be positive, not {rate}")


def _soxr() -> Any:
    """soxr, imported on first use.

    Only the satellite and the emulator resample; the Home Assistant component never does, so it
    must not need soxr, which has no musllinux wheels (Home Assistant OS and its containers).
    """
    import soxr

    return soxr


def resample(pcm16: bytes, from_rate: int, to_rate: int) -> bytes:
    """Resample a whole PCM16 mono clip (soxr, high quality)."""
    _check_rate(from_rate)
    _check_rate(to_rate)
    if from_rate == to_rate or not pcm16:
        return pcm16
    samples = np.frombuffer(pcm16, dtype="<i2")
    out = _soxr().resample(samples, from_rate, to_rate, quality="HQ")
    return np.asarray(out, dtype="<i2").tobytes()


class Resampler:
    """Streaming PCM16 mono resampler for audio that arrives in chunks (a mic, a stream).

    soxr keeps the filter state between chunks, so frame edges make no clicks; call `flush` at the
    end of a stream to get the samples that the filter still holds.
    """

    def __init__(self, from_rate: int, to_rate: int) -> None:
        _check_rate(from_rate)
        _check_rate(to_rate)
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._stream = (
            _soxr().ResampleStream(from_rate, to_rate, 1, dtype="int16", quality="HQ")
            if from_rate != to_rate
            else None
        )

    def process(self, pcm16: bytes) -> bytes:
        """Resample one chunk; the output may be a few samples shorter or longer than exact."""
        if self._stream is None:
            return pcm16
        samples = np.frombuffer(pcm16, dtype="<i2")
        return np.asarray(self._stream.resample_chunk(samples), dtype="<i2").tobytes()

    def flush(self) -> bytes:
        """The samples still inside the filter, at the end of a stream."""
        if self._stream is None:
            return b""
        tail = self._stream.resample_chunk(np.zeros(0, dtype="<i2"), last=True)
        return np.asarray(tail, dtype="<i2").tobytes()


def to_mono(pcm16: bytes, channels: int) -> bytes:
    """Mix interleaved PCM16 down to mono by averaging the channels."""
    if channels == 1:
        return pcm16
    if channels < 1:
        raise ValueError("channels must be at least 1")
    samples = np.frombuffer(pcm16, dtype="<i2")
    usable = len(samples) - len(samples) % channels
    frames = samples[:usable].reshape(-1, channels).astype(np.int32)
    mixed: bytes = frames.mean(axis=1).round().astype("<i2").tobytes()
    return mixed


def rms_dbfs(pcm16: bytes) -> float:
    """Loudness of PCM16 audio in dB relative to full scale (-inf for silence)."""
    if not pcm16:
        return float("-inf")
    samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float64)
    rms = float(np.sqrt(np.mean(samples * samples)))
    return 20.0 * float(np.log10(rms / 32768.0)) if rms > 0 else float("-inf")


# --- Wire formats -------------------------------------------------------------------------------


def encode_wire(pcm16: bytes, rate: int, fmt: str, *, pcm16_rate: int = DEFAULT_RATE) -> bytes:
    """PCM16 at `rate` to the bytes of a Voice Live audio format.

    `pcm16_rate` is the rate that plain `pcm16` means in this session (its
    `input_audio_sampling_rate`, 24 kHz unless set).
    """
    target = pcm16_rate if fmt == "pcm16" else FORMAT_RATES.get(fmt)
    if target is None:
        raise ValueError(f"unknown audio format {fmt!r}")
    pcm = resample(pcm16, rate, target)
    if fmt == "g711_ulaw":
        return ulaw_encode(pcm)
    if fmt == "g711_alaw":
        return alaw_encode(pcm)
    return pcm


def decode_wire(data: bytes, fmt: str, *, pcm16_rate: int = DEFAULT_RATE) -> tuple[bytes, int]:
    """Bytes of a Voice Live audio format to (PCM16, its rate)."""
    if fmt == "g711_ulaw":
        return ulaw_decode(data), 8000
    if fmt == "g711_alaw":
        return alaw_decode(data), 8000
    if fmt == "pcm16":
        return data, pcm16_rate
    if fmt in FORMAT_RATES:
        return data, FORMAT_RATES[fmt]
    raise ValueError(f"unknown audio format {fmt!r}")
