"""Word timestamps, visemes and blendshapes that accompany the reply audio.

espeak-ng gives no alignment, so words are spread over the audio in proportion to their length;
viseme ids (Azure's 0..21 set) follow the letters of each word, and blendshape frames (60 per
second, 55 weights each, as Azure sends them) open the jaw with the loudness of the audio. These
are plausible, well-formed streams for clients to consume, not lip-sync quality.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLENDSHAPE_FPS = 60
BLENDSHAPE_COUNT = 55
JAW_OPEN = 24  # index of JawOpen in Azure's 55 ARKit-style blendshape weights

# Azure viseme ids for English, approximated per letter.
_VISEME_BY_LETTER = {
    **dict.fromkeys("a", 2),
    **dict.fromkeys("e", 4),
    **dict.fromkeys("iy", 6),
    **dict.fromkeys("o", 8),
    **dict.fromkeys("uw", 7),
    **dict.fromkeys("bmp", 21),
    **dict.fromkeys("fv", 18),
    **dict.fromkeys("td", 19),
    **dict.fromkeys("nl", 14),
    **dict.fromkeys("sz", 15),
    **dict.fromkeys("kgqxc", 20),
    **dict.fromkeys("h", 12),
    **dict.fromkeys("r", 13),
    **dict.fromkeys("j", 16),
}


@dataclass(frozen=True, slots=True)
class WordTiming:
    """Where one word of the reply falls in its audio."""

    text: str
    offset_ms: int
    duration_ms: int


def word_timings(text: str, duration_ms: float) -> list[WordTiming]:
    """Spread the words of `text` over `duration_ms` in proportion to their length."""
    words = text.split()
    if not words or duration_ms <= 0:
        return []
    weights = [len(w) + 2 for w in words]
    scale = duration_ms / sum(weights)
    out: list[WordTiming] = []
    at = 0.0
    for word, weight in zip(words, weights, strict=True):
        length = weight * scale
        out.append(WordTiming(word, int(at), max(1, int(length * 0.85))))
        at += length
    return out


def visemes(timings: list[WordTiming]) -> list[tuple[int, int]]:
    """(audio_offset_ms, viseme_id) pairs: a mouth shape per letter, silence after each word."""
    out: list[tuple[int, int]] = []
    for timing in timings:
        letters = [c for c in timing.text.lower() if c.isalpha()] or ["."]
        step = timing.duration_ms / len(letters)
        for index, letter in enumerate(letters):
            out.append((timing.offset_ms + int(index * step), _VISEME_BY_LETTER.get(letter, 1)))
        out.append((timing.offset_ms + timing.duration_ms, 0))
    return out


def blendshape_frames(pcm16: bytes, rate: int) -> list[list[float]]:
    """One frame of 55 weights per 1/60 s of `pcm16`, the jaw following the loudness."""
    samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float32) / 32768.0
    per_frame = rate // BLENDSHAPE_FPS
    count = samples.size // per_frame
    if count == 0:
        return []
    frames = samples[: count * per_frame].reshape(count, per_frame)
    level = np.clip(np.sqrt(np.mean(frames * frames, axis=1)) * 4.0, 0.0, 1.0)
    weights = np.zeros((count, BLENDSHAPE_COUNT), dtype=np.float32)
    weights[:, JAW_OPEN] = level
    weights[:, JAW_OPEN + 1] = level * 0.3  # a little mouth closing motion alongside
    return [[round(float(v), 3) for v in row] for row in weights]
