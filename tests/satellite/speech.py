"""Test audio made on the spot with espeak-ng: a synthetic voice, never a recording of a person.

espeak-ng's rendering of "okay nabu" (voice en-us, 140 words a minute) passes the okay_nabu
model's cutoff (mean probability about 0.99 against 0.85), so these files exercise the real wake
word model end to end.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from functools import cache
from pathlib import Path

import numpy as np
from voicelive.audio import resample

RATE = 16000
ESPEAK = shutil.which("espeak-ng")


@cache
def say(text: str, voice: str = "en-us", speed: int = 140) -> bytes:
    """PCM16 mono at 16 kHz of espeak-ng saying `text`."""
    if ESPEAK is None:  # pragma: no cover - the dev setup installs it
        raise RuntimeError("espeak-ng is not installed")
    wav = subprocess.run(
        [ESPEAK, "-v", voice, "-s", str(speed), "--stdout", text],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    # espeak writes a streaming header with bogus sizes; read the format, then take the rest.
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
    pcm = wav[44:]
    pcm = pcm[: len(pcm) - len(pcm) % 2]
    return resample(pcm, rate, RATE)


def silence(seconds: float) -> bytes:
    """Digital silence at 16 kHz."""
    return bytes(int(RATE * seconds) * 2)


def loud(pcm: bytes, gain: float) -> bytes:
    """`pcm` scaled by `gain` (clipped)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) * gain
    return np.clip(samples, -32768, 32767).astype("<i2").tobytes()


def write_wav(path: Path, pcm: bytes, rate: int = RATE, channels: int = 1) -> Path:
    """Write PCM16 audio as a WAV file."""
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(pcm)
    return path


def read_wav(path: Path) -> tuple[bytes, int]:
    """PCM16 bytes and rate of a mono WAV."""
    with wave.open(str(path), "rb") as reader:
        return reader.readframes(reader.getnframes()), reader.getframerate()


def speech_spans(pcm: bytes, rate: int, *, min_dbfs: float = -45.0) -> list[tuple[int, int]]:
    """Where `pcm` is loud, as (start_ms, end_ms) spans of 10 ms frames (gaps < 300 ms merged)."""
    frame = rate // 100
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    n = len(samples) // frame
    if not n:
        return []
    power = np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-9
    active = 10 * np.log10(power / 32768.0**2) > min_dbfs
    spans: list[tuple[int, int]] = []
    for i in np.flatnonzero(active):
        ms = int(i) * 10
        if spans and ms - spans[-1][1] < 300:
            spans[-1] = (spans[-1][0], ms + 10)
        else:
            spans.append((ms, ms + 10))
    return spans
