"""Benchmark: CPU time of the Pi satellite per second of audio, with the wake word on and off.

    .venv/bin/python bench/satellite.py              # simulated real time (the WAV clock at 5x)
    .venv/bin/python bench/satellite.py --realtime   # the WAV clock in real time (slower)

The satellite runs in this process on the WAV backend (mic from a generated file, speaker to a
file); the emulator runs in a child process so that its work (VAD, espeak-ng) is not counted.
CPU time is this process's user+system time (every thread) over the run, divided by the seconds
of mic audio that went through the satellite. Cases:

  idle, wake word on     speech without the wake word: only the wake word model runs
  talking, wake word on  "okay nabu", then commands: streaming up and replies played
  talking, wake word off always listening: a session is open and streams the whole time
  WAV clock alone        the harness: the WAV backend ticking with nothing listening; on a Pi
                         the PyAudio backend's callbacks take its place

The goal is under 3 % of one core on this machine, so that a Pi Zero 2 W (about 4-6x slower per
core) keeps up with plenty of headroom.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicelive.audio import resample  # noqa: E402

from firmware_client.app import SatelliteApp  # noqa: E402
from firmware_client.audio.wav_backend import WavBackend  # noqa: E402
from firmware_client.options import Options  # noqa: E402

RATE = 16000
SCENARIO = {
    "pace": {"audio_speed": 20, "first_delta_delay_ms": 0, "delta_interval_ms": 0},
    "rules": [{"match": ".*", "reply": "Okay, the kitchen light is on."}],
}


def say(text: str) -> bytes:
    """espeak-ng speech as 16 kHz PCM16."""
    wav = subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "140", "--stdout", text],
        capture_output=True,
        check=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
    pcm = wav[44:]
    return resample(pcm[: len(pcm) - len(pcm) % 2], rate, RATE)


def silence(seconds: float) -> bytes:
    return bytes(int(RATE * seconds) * 2)


def write_wav(path: Path, pcm: bytes) -> Path:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(pcm)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_listening(port: int) -> None:
    for _ in range(200):
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the emulator did not start")


async def clock_alone(speaker: Path, speed: float, seconds: float) -> dict[str, float]:
    """The WAV backend on its own: what the harness costs, to subtract from the cases."""
    backend = WavBackend(None, speaker, speed=speed)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await backend.start(lambda chunk: None)
    await asyncio.sleep(seconds / speed)
    await backend.stop()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    audio_s = backend.elapsed_ms / 1000.0
    return {
        "audio_s": audio_s,
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_pct": 100.0 * cpu / audio_s,
        "sent_s": 0.0,
        "played_s": 0.0,
    }


def row(name: str, result: dict[str, float]) -> str:
    return (
        f"{name:24} {result['audio_s']:8.1f} {result['wall_s']:7.2f} "
        f"{result['cpu_s']:7.3f} {result['cpu_pct']:9.2f}% "
        f"{result['sent_s']:7.1f} {result['played_s']:8.1f}"
    )


async def run_case(options: Options) -> dict[str, float]:
    app = SatelliteApp(options)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await app.start()
    try:
        await app.wait_wav_done()
    finally:
        await app.stop()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    backend = app.backend
    audio_s = app.satellite.frames_heard * app.satellite.converter.frame_ms / 1000.0
    sent = sum(c.frames_sent for c in app.satellite.history) * 0.02
    played = backend.playback.total_played_bytes / 2 / backend.playback.rate
    return {
        "audio_s": audio_s,
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_pct": 100.0 * cpu / audio_s,
        "sent_s": sent,
        "played_s": played,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--realtime", action="store_true", help="run the WAV clock in real time")
    parser.add_argument("--speed", type=float, default=5.0, help="WAV clock speed (default 5x)")
    parser.add_argument("--turns", type=int, default=5, help="commands per talking case")
    args = parser.parse_args()
    speed = 1.0 if args.realtime else args.speed
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed to make the test speech")

    command = say("turn on the kitchen light") + silence(4.0)
    chatter = say("what a lovely day it is today, the weather is fine") + silence(1.0)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        port = free_port()
        scenario = work / "scenario.json"
        scenario.write_text(json.dumps(SCENARIO))
        emulator = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "emulator",
            "--port",
            str(port),
            "--scenario",
            str(scenario),
            "--no-record",
            "--log-level",
            "WARNING",
            cwd=ROOT,
        )
        try:
            await wait_listening(port)
            url = f"http://127.0.0.1:{port}"
            cases = {
                "idle, wake word on": (
                    write_wav(work / "idle.wav", silence(0.5) + chatter * 6),
                    "okay_nabu",
                ),
                "talking, wake word on": (
                    write_wav(
                        work / "wake.wav",
                        silence(0.5) + say("okay nabu") + silence(0.4) + command * args.turns,
                    ),
                    "okay_nabu",
                ),
                "talking, wake word off": (
                    write_wav(work / "none.wav", silence(0.5) + command * args.turns),
                    "none",
                ),
            }
            print(f"WAV clock at {speed:g}x real time; emulator in process {emulator.pid}")
            print(
                f"{'case':24} {'audio s':>8} {'wall s':>7} {'CPU s':>7} {'CPU/audio':>10} "
                f"{'sent s':>7} {'played s':>8}"
            )
            for name, (mic, wake_word) in cases.items():
                options = Options(
                    endpoint=url,
                    mic_wav=mic,
                    speaker_wav=work / "speaker.wav",
                    speed=speed,
                    wake_word=wake_word,
                    follow_up_seconds=6.0,
                    state_dir=work / "state",
                )
                print(row(name, await run_case(options)))
            print(row("WAV clock alone", await clock_alone(work / "clock.wav", speed, 30.0)))
        finally:
            emulator.terminate()
            await emulator.wait()
    print(f"(one core = 100 %; goal under 3 %; {os.cpu_count()} cores here)")


if __name__ == "__main__":
    asyncio.run(main())
