"""The command line: every option is explained, and `python -m firmware_client` runs a WAV demo."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import pytest

from emulator import Emulator
from firmware_client.cli import build_parser, parse_options

from .conftest import command_pcm
from .speech import read_wav, speech_spans, write_wav

ROOT = Path(__file__).resolve().parents[2]


def test_help_explains_every_option() -> None:
    parser = build_parser()
    text = parser.format_help()
    for action in parser._actions:
        assert action.help, f"{action.option_strings} has no help"
        for flag in action.option_strings:
            assert flag in text
    for flag in (
        "--list-devices",
        "--mic-wav",
        "--speaker-wav",
        "--realtime",
        "--fast",
        "--wake-word",
        "--follow-up-seconds",
        "--name",
        "--port",
        "--state-dir",
        "--input-rate",
        "--input-format",
        "--device",
        "--output-device",
        "--mic-rate",
        "--mic-channels",
        "--log-level",
        "--no-noise-reduction",
        "--no-echo-cancellation",
        "--endpoint",
        "--api-key",
        "--model",
    ):
        assert flag in text


def test_options_are_parsed_and_checked(capsys: pytest.CaptureFixture[str]) -> None:
    options, _ = parse_options(
        ["--wake-word", "none", "--fast", "--no-echo-cancellation", "--input-rate", "16000"]
    )
    assert options.wake_word == "none"
    assert options.speed == 20.0
    assert not options.echo_cancellation and options.noise_reduction
    assert options.input_rate == 16000
    assert not options.standalone
    for bad in (
        ["--input-format", "g711_ulaw", "--input-rate", "24000"],
        ["--wake-word", "hey_google"],
        ["--endpoint", "https://x.services.ai.azure.com", "--api-key", ""],
        ["--speed", "0"],
    ):
        with pytest.raises(SystemExit):
            parse_options(bad)
    assert "error" in capsys.readouterr().err


async def test_python_m_firmware_client_runs_a_wav_demo(tmp_path: Path) -> None:
    mic = write_wav(tmp_path / "mic.wav", command_pcm())
    speaker = tmp_path / "speaker.wav"
    async with Emulator(
        scenario={"pace": {"audio_speed": 20, "first_delta_delay_ms": 0, "delta_interval_ms": 0}}
    ) as emulator:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "firmware_client",
            "--endpoint",
            emulator.url,
            "--mic-wav",
            str(mic),
            "--speaker-wav",
            str(speaker),
            "--fast",
            "--follow-up-seconds",
            "1",
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(process.communicate(), 60)
    log = err.decode()
    assert process.returncode == 0, log[-3000:]
    assert "wake word okay_nabu heard" in log
    assert "state: idle -> connecting" in log
    pcm, rate = read_wav(speaker)
    spans = speech_spans(pcm, rate)
    # The wake chime, the reply (at 20x the clock may outrun the emulator's 20x stream and
    # leave a gap in it), and the end chime.
    chime, *reply, end = spans
    assert chime[1] - chime[0] < 300 and end[1] - end[0] < 300
    assert sum(b - a for a, b in reply) > 1000


async def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    mic = write_wav(tmp_path / "mic.wav", command_pcm())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "firmware_client",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-zeroconf",
            "--state-dir",
            str(tmp_path / "state"),
            "--mic-wav",
            str(mic),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "voicelive-satellite:" in err.decode()
    assert "address already in use" in err.decode().lower()
    # The key was still made and printed once, so the user can pair after fixing the port.
    assert "New pairing key" in out.decode()
