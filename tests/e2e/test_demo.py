"""The README's main command works: the demo through emulator, real hass and a paired satellite."""

from __future__ import annotations

import re
import subprocess
import sys
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in argv:
            found.append(argv)
    return found


def test_the_demo_turns_on_the_kitchen_light(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demo", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    # Each step is shown as it happens, in the order a user hears it.
    steps = [
        "wake word okay_nabu heard",
        'transcript  "turn on the kitchen light"',
        "tool call   HassTurnOn",
        'reply       "Okay, the kitchen light is on."',
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "Kitchen light: off" in out and "Kitchen light: on" in out
    with wave.open(str(tmp_path / "demo-reply.wav")) as reply:
        assert reply.getnframes() / reply.getframerate() > 1.0
    # Nothing is left running: no child mentions the demo's work directory any more.
    work = re.search(r"logs\s+(\S+)", out)
    assert work is not None
    assert _processes_mentioning(work.group(1)) == []
