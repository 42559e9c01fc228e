"""The PyAudio backend on a real PortAudio stream: ALSA's `file` plugin over the `null` device.

There is no sound card here, so the test writes an `.asoundrc` whose default PCM puts ALSA's
`file` plugin in front of `null`: capture reads a raw file (`infile`), playback writes one (`file`).
PortAudio, its ALSA host API, the callback threads and our callbacks are all real; only the
hardware is a file. Capture and playback are two `file` plugins behind an `asym` default. The
`null` device has no clock, so the streams run as fast as the callbacks allow, not in real time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from firmware_client.audio.capture import MicConverter

PROBE = Path(__file__).with_name("pyaudio_probe.py")
ROOT = Path(__file__).resolve().parents[2]
# Capture and playback get separate `file` plugins: the plugin also records what passes through
# into its `file`, so one shared plugin would have both streams overwrite one file.
ASOUNDRC = """\
pcm.!default {{
  type asym
  playback.pcm "speaker"
  capture.pcm "mic"
}}
pcm.speaker {{
  type file
  slave.pcm "null"
  file "{out}"
  format "raw"
}}
pcm.mic {{
  type file
  slave.pcm "null"
  file "{out}.mic-copy"
  infile "{infile}"
  format "raw"
}}
"""


def _alsa_home(tmp_path: Path, infile: Path, out: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(ASOUNDRC.format(out=out, infile=infile))
    env = dict(os.environ, HOME=str(home))
    env.pop("ALSA_CONFIG_PATH", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_capture_and_playback_through_portaudio(tmp_path: Path) -> None:
    # The "microphone": 48 kHz stereo, a 440 Hz tone on the left, 1 kHz on the right.
    rate, seconds = 48000, 1.0
    t = np.arange(int(rate * seconds)) / rate
    left = 8000 * np.sin(2 * np.pi * 440 * t)
    right = 8000 * np.sin(2 * np.pi * 1000 * t)
    stereo = np.stack([left, right], axis=1).astype("<i2").tobytes()
    infile = tmp_path / "in.raw"
    infile.write_bytes(stereo)
    out = tmp_path / "out.raw"
    # The "speaker" gets a recognisable ramp; the file plugin stores the bytes as played.
    pattern = (np.arange(6000) * 5 - 15000).astype("<i2").tobytes()
    pattern_path = tmp_path / "pattern.raw"
    pattern_path.write_bytes(pattern)

    env = _alsa_home(tmp_path, infile, out)
    result = _run([str(PROBE), str(rate), "2", str(len(stereo)), str(pattern_path)], env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if "skip" in report:
        pytest.skip(report["skip"])

    # Every mic block reached the event loop thread through call_soon_threadsafe.
    assert report["off_loop_calls"] == 0
    assert report["mic_blocks"] > 0
    mic = bytes.fromhex(report["mic_hex"])
    assert mic == stereo  # the device gave exactly the file, block by block
    # The shared conversion: stereo 48 kHz -> mono 24 kHz frames with both tones in.
    converter = MicConverter(device_rate=rate, channels=2, rate=24000)
    frames = converter.process(mic)
    mono = np.frombuffer(b"".join(frames), dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(mono))
    freqs = np.fft.rfftfreq(len(mono), 1 / 24000)
    peaks = sorted(freqs[np.argsort(spectrum)[-2:]].round())
    assert peaks == [440.0, 1000.0]
    # Playback: the speaker callback drained the buffer into the device, in order.
    assert report["pending"] == 0
    assert report["played_bytes"] == len(pattern)
    assert pattern in out.read_bytes()


def test_list_devices_shows_the_portaudio_devices(tmp_path: Path) -> None:
    env = _alsa_home(tmp_path, tmp_path / "none.raw", tmp_path / "out.raw")
    result = _run(["-m", "firmware_client", "--list-devices"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("index")
    assert any(line.split()[-2:] == ["default", "(ALSA)"] for line in lines[1:]), lines
