"""Shared pieces of the satellite tests: the emulator scenario, mic WAVs, running a satellite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator
from firmware_client.app import SatelliteApp
from firmware_client.options import Options

from .speech import say, silence, write_wav

REPLY = "Okay, the kitchen light is on."

SCENARIO: dict[str, Any] = {
    "pace": {"audio_speed": 20, "first_delta_delay_ms": 0, "delta_interval_ms": 0},
    "utterances": ["turn on the kitchen light", "stop"],
    "rules": [{"match": "kitchen", "reply": REPLY}],
    "default_reply": "You said: {text}",
}


def command_pcm(*, wake: bool = True, tail: float = 3.0) -> bytes:
    """Half a second of silence, "okay nabu" (optionally), the command, then silence."""
    head = silence(0.5)
    if wake:
        head += say("okay nabu") + silence(0.4)
    return head + say("turn on the kitchen light") + silence(tail)


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """The satellite talks over real sockets (pytest-socket still allows 127.0.0.1 only)."""


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """A running emulator with the kitchen scenario."""
    async with Emulator(scenario=SCENARIO) as emu:
        yield emu


async def run_wav_satellite(
    options: Options, *, limit: float = 30.0, **app_kwargs: Any
) -> SatelliteApp:
    """Run a WAV-backed satellite until its mic file ended and it went idle; return it stopped."""
    app = SatelliteApp(options, **app_kwargs)
    await app.start()
    try:
        await asyncio.wait_for(app.wait_wav_done(), limit)
    finally:
        await app.stop()
    return app


def wav_options(tmp_path: Path, pcm: bytes, **overrides: Any) -> Options:
    """Options for a WAV run at 8x real time with a short follow-up window."""
    values: dict[str, Any] = {
        "mic_wav": write_wav(tmp_path / "mic.wav", pcm),
        "speaker_wav": tmp_path / "speaker.wav",
        "speed": 8.0,
        "follow_up_seconds": 1.5,
        "state_dir": tmp_path / "state",
    }
    values.update(overrides)
    return Options(**values)
