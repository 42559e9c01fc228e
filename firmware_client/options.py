"""Everything the satellite can be told on its command line, as one typed object."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(slots=True, kw_only=True)
class Options:
    """The satellite's configuration (see `cli.py` for what each option means)."""

    # Standalone mode (dial Voice Live directly); paired mode when `endpoint` is None.
    endpoint: str | None = None
    api_key: str | None = None
    model: str = "gpt-realtime"
    api_version: str | None = None
    # Paired mode.
    name: str = "Voice Live satellite"
    host: str = "0.0.0.0"
    port: int = 10780
    state_dir: Path | None = None
    reset_pairing_key: bool = False
    zeroconf: bool = True
    # Listening.
    wake_word: str = "okay_nabu"
    follow_up_seconds: float = 8.0
    chimes: bool = True
    # Session audio.
    input_format: str = "pcm16"
    input_rate: int | None = None
    noise_reduction: bool = True
    echo_cancellation: bool = True
    # Devices.
    device: str | None = None
    output_device: str | None = None
    mic_rate: int = 16000
    mic_channels: int = 1
    speaker_rate: int | None = None
    speaker_channels: int = 1
    # WAV backend.
    mic_wav: Path | None = None
    speaker_wav: Path | None = None
    speed: float = 1.0
    lead_in_ms: int = 0
    # Paired mode: start the mic once Home Assistant has linked (scripted WAV runs).
    mic_after_link: bool = False

    @property
    def standalone(self) -> bool:
        """True when the satellite dials Voice Live itself."""
        return self.endpoint is not None

    @property
    def uses_wav(self) -> bool:
        """True when WAV files stand in for the devices."""
        return self.mic_wav is not None or self.speaker_wav is not None
