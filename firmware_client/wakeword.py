"""The local wake word: nothing leaves the Pi until it is heard.

Uses the built-in microWakeWord models of `pymicro-wakeword` (okay_nabu, hey_jarvis, alexa,
hey_mycroft), which run TensorFlow Lite on 16 kHz audio in 10 ms steps; cheap enough for a Pi
Zero 2 W. `none` means no wake word (always listening). The detector takes mic frames at the
session's rate and resamples to 16 kHz itself with the shared streaming resampler.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from voicelive.audio import Resampler

_LOGGER = logging.getLogger(__name__)

WAKE_WORDS = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft")
NO_WAKE_WORD = "none"
MODEL_RATE = 16000


class WakeWordDetector(Protocol):
    """Something that hears a wake word in a stream of mono PCM16 frames."""

    name: str
    rate: int

    def process(self, pcm16: bytes) -> bool:
        """Feed one frame; True when the wake word was just heard."""
        ...

    def reset(self) -> None:
        """Forget everything heard so far (after a conversation)."""
        ...


class MicroWakeWordDetector:
    """A pymicro-wakeword built-in model behind the `WakeWordDetector` interface."""

    def __init__(self, name: str, *, rate: int) -> None:
        from pymicro_wakeword import (
            MicroWakeWord,
            MicroWakeWordFeatures,
            Model,
        )

        if name not in WAKE_WORDS:
            raise ValueError(f"unknown wake word {name!r}; choose one of {', '.join(WAKE_WORDS)}")
        self.name = name
        self.rate = rate
        self._model: Any = MicroWakeWord.from_builtin(Model(name))
        self._features_class: Any = MicroWakeWordFeatures
        self._features: Any = MicroWakeWordFeatures()
        self._resampler = Resampler(rate, MODEL_RATE)

    @property
    def phrase(self) -> str:
        """The wake word as people say it ("Okay Nabu")."""
        return str(self._model.wake_word)

    def process(self, pcm16: bytes) -> bool:
        """Feed one frame at `rate`; True when the averaged probability passes the cutoff."""
        audio = self._resampler.process(pcm16)
        detected = False
        for features in self._features.process_streaming(audio):
            if self._model.process_streaming(features):
                detected = True
        return detected

    def reset(self) -> None:
        """Start over with a clean model state (it reloads the small TFLite model)."""
        self._model.reset()
        self._features = self._features_class()
        self._resampler = Resampler(self.rate, MODEL_RATE)

    def close(self) -> None:
        """Free the TensorFlow Lite interpreter."""
        self._model.close()


def make_detector(name: str, *, rate: int) -> MicroWakeWordDetector | None:
    """The detector for a `--wake-word` choice; None for `none` (always listening)."""
    if name == NO_WAKE_WORD:
        return None
    return MicroWakeWordDetector(name, rate=rate)
