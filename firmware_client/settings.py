"""The session settings that the satellite owns: how its mic audio looks on the wire.

Home Assistant (or the standalone user) owns the model, voice, instructions and turn detection;
the satellite owns the input format and rate, and asks the service for deep noise suppression
and server-side echo cancellation (both on unless turned off), because it knows its own room.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from voicelive.events import SessionUpdate
from voicelive.models import (
    AzureDeepNoiseSuppression,
    RealtimeRequestSession,
    ServerEchoCancellation,
)

InputFormat = Literal["pcm16", "g711_ulaw", "g711_alaw"]
OutputFormat = Literal["pcm16", "pcm16_8000hz", "pcm16_16000hz", "g711_ulaw", "g711_alaw"]
INPUT_FORMATS: tuple[InputFormat, ...] = ("pcm16", "g711_ulaw", "g711_alaw")
PCM16_RATES = (16000, 24000)


@dataclass(frozen=True, slots=True)
class AudioSettings:
    """The satellite's side of the session."""

    input_format: InputFormat = "pcm16"
    input_rate: int = 24000
    output_format: OutputFormat = "pcm16"
    noise_reduction: bool = True
    echo_cancellation: bool = True

    def __post_init__(self) -> None:
        if self.input_format not in INPUT_FORMATS:
            raise ValueError(f"input format must be one of {', '.join(INPUT_FORMATS)}")
        if self.input_format == "pcm16" and self.input_rate not in PCM16_RATES:
            raise ValueError("pcm16 input runs at 16000 or 24000 Hz")
        if self.input_format != "pcm16" and self.input_rate != 8000:
            raise ValueError("G.711 input runs at 8000 Hz")

    @classmethod
    def build(
        cls,
        *,
        input_format: str = "pcm16",
        input_rate: int | None = None,
        noise_reduction: bool = True,
        echo_cancellation: bool = True,
    ) -> AudioSettings:
        """Settings from CLI choices; the rate follows the format when not given."""
        if input_format not in INPUT_FORMATS:
            raise ValueError(f"input format must be one of {', '.join(INPUT_FORMATS)}")
        fmt = cast("InputFormat", input_format)
        rate = input_rate if input_rate is not None else (24000 if fmt == "pcm16" else 8000)
        return cls(
            input_format=fmt,
            input_rate=rate,
            noise_reduction=noise_reduction,
            echo_cancellation=echo_cancellation,
        )

    @property
    def capture_rate(self) -> int:
        """The rate that mic frames are converted to before wire encoding."""
        return self.input_rate

    def session(self) -> RealtimeRequestSession:
        """The audio part of `session.update`."""
        session = RealtimeRequestSession(
            input_audio_format=self.input_format,
            output_audio_format=self.output_format,
        )
        if self.input_format == "pcm16":
            session.input_audio_sampling_rate = self.input_rate
        if self.noise_reduction:
            session.input_audio_noise_reduction = AzureDeepNoiseSuppression()
        if self.echo_cancellation:
            session.input_audio_echo_cancellation = ServerEchoCancellation()
        return session

    def session_update(self) -> SessionUpdate:
        """The `session.update` that the satellite sends when a session opens."""
        return SessionUpdate(session=self.session())
