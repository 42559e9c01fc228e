"""The first demo (scripts/demo runs `python -m emulator.demo`), streamed faster than real time."""

from __future__ import annotations

import argparse
import wave
from pathlib import Path

import pytest

from emulator import demo


async def test_demo_holds_a_spoken_turn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo-reply.wav"
    args = argparse.Namespace(text="what time is it in the kitchen", out=str(out), speed=8.0)
    assert await demo.run(args) == 0
    printed = capsys.readouterr().out
    for line in (
        "session.created",
        "speech started",
        "speech stopped",
        'transcript       "what time is it in the kitchen"',
        "reply            It is ",
        "response done    (completed)",
        f"reply audio written to {out}",
    ):
        assert line in printed
    with wave.open(str(out), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 24000)
        assert wav.getnframes() > 24000  # over a second of spoken reply
    assert (tmp_path / "demo-utterance.wav").exists()
