"""Short generated chimes that mark the wake and the end of a conversation (no asset files)."""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

CHIME_LEVEL = 0.25  # of full scale: audible, not startling


def _tone(rate: int, freq: float, ms: int) -> npt.NDArray[np.float64]:
    n = rate * ms // 1000
    t = np.arange(n) / rate
    tone = np.sin(2 * np.pi * freq * t)
    fade = max(1, min(n // 4, rate * 8 // 1000))  # 8 ms fades: no clicks
    envelope = np.ones(n)
    envelope[:fade] = np.linspace(0.0, 1.0, fade)
    envelope[-fade:] = np.linspace(1.0, 0.0, fade)
    result: npt.NDArray[np.float64] = tone * envelope
    return result


def _render(rate: int, notes: tuple[tuple[float, int], ...]) -> bytes:
    signal = np.concatenate([_tone(rate, freq, ms) for freq, ms in notes])
    return bytes((signal * CHIME_LEVEL * 32767).astype("<i2").tobytes())


@cache
def wake_chime(rate: int) -> bytes:
    """A rising two-note chime (about 0.16 s): "I'm listening"."""
    return _render(rate, ((784.0, 70), (1175.0, 90)))


@cache
def end_chime(rate: int) -> bytes:
    """A falling two-note chime: "I stopped listening"."""
    return _render(rate, ((1175.0, 70), (784.0, 90)))


@cache
def error_chime(rate: int) -> bytes:
    """A low double beep: the conversation could not start or was lost."""
    return _render(rate, ((330.0, 90), (0.0, 60), (330.0, 90)))
