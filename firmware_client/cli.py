"""The command line: `voicelive-satellite` / `python -m firmware_client`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voicelive.link import DEFAULT_PORT

from . import __version__
from .options import Options
from .settings import INPUT_FORMATS
from .wakeword import NO_WAKE_WORD, WAKE_WORDS

_LOGGER = logging.getLogger(__name__)

DESCRIPTION = """\
The Voice Live satellite: a microphone and a speaker (a Raspberry Pi with a USB mic, say) that
listen for a wake word on the device and then talk to Azure AI Voice Live.

Paired mode (the default) is for Home Assistant: the satellite advertises itself over zeroconf
(_voicelive._tcp) and waits for Home Assistant to connect; Home Assistant must prove that it
holds the pairing key printed at first start. Standalone mode (--endpoint) dials Voice Live, or
the local emulator, directly.
"""

EPILOG = """\
examples:
  voicelive-satellite --name Kitchen                      paired mode, default devices
  voicelive-satellite --list-devices                      show the audio devices
  voicelive-satellite --endpoint https://NAME.services.ai.azure.com --api-key KEY
  voicelive-satellite --endpoint http://127.0.0.1:8765 --mic-wav in.wav --speaker-wav out.wav --fast

The API key can also come from the VOICELIVE_API_KEY environment variable.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; `--help` documents every option."""
    parser = argparse.ArgumentParser(
        prog="voicelive-satellite",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--list-devices", action="store_true", help="print the audio devices and exit"
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log (default INFO: state changes and connections)",
    )

    std = parser.add_argument_group("standalone mode (dial Voice Live directly)")
    std.add_argument(
        "--endpoint",
        help="Voice Live endpoint: https://NAME.services.ai.azure.com, "
        "https://NAME.cognitiveservices.azure.com, or http://HOST:PORT for the emulator; "
        "without it the satellite runs in paired mode",
    )
    std.add_argument(
        "--api-key",
        default=os.environ.get("VOICELIVE_API_KEY"),
        help="the resource's API key (default: $VOICELIVE_API_KEY)",
    )
    std.add_argument("--model", default="gpt-realtime", help="model name (default gpt-realtime)")
    std.add_argument("--api-version", help="Voice Live API version (default: the library's)")

    paired = parser.add_argument_group("paired mode (Home Assistant connects to the satellite)")
    paired.add_argument(
        "--name",
        default=socket.gethostname(),
        help="name shown in Home Assistant and advertised over zeroconf (default: host name)",
    )
    paired.add_argument(
        "--host", default="0.0.0.0", help="address the link server binds (default all)"
    )
    paired.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port of the link server (default {DEFAULT_PORT})",
    )
    paired.add_argument(
        "--state-dir",
        type=Path,
        help="where the pairing key and id live (default: $STATE_DIRECTORY under systemd, "
        "else ~/.local/state/voicelive-satellite)",
    )
    paired.add_argument(
        "--reset-pairing-key",
        action="store_true",
        help="make and print a new pairing key (Home Assistant must be re-paired)",
    )
    paired.add_argument("--no-zeroconf", action="store_true", help="do not advertise over zeroconf")

    listen = parser.add_argument_group("listening")
    listen.add_argument(
        "--wake-word",
        default="okay_nabu",
        choices=[*WAKE_WORDS, NO_WAKE_WORD],
        help="local wake word (default okay_nabu); none = always listening, a session stays open",
    )
    listen.add_argument(
        "--follow-up-seconds",
        type=float,
        default=8.0,
        help="after a reply, keep listening this long for more speech before going idle "
        "(default 8)",
    )
    listen.add_argument(
        "--no-chimes", action="store_true", help="no chime at the wake and at the end"
    )

    session = parser.add_argument_group("session audio (what the satellite sends)")
    session.add_argument(
        "--input-format",
        default="pcm16",
        choices=list(INPUT_FORMATS),
        help="mic audio format on the wire (default pcm16)",
    )
    session.add_argument(
        "--input-rate",
        type=int,
        choices=[8000, 16000, 24000],
        help="mic sampling rate on the wire: 16000 or 24000 for pcm16 (default 24000); "
        "G.711 is always 8000",
    )
    session.add_argument(
        "--no-noise-reduction",
        action="store_true",
        help="do not ask for azure_deep_noise_suppression",
    )
    session.add_argument(
        "--no-echo-cancellation",
        action="store_true",
        help="do not ask for server_echo_cancellation",
    )

    devices = parser.add_argument_group("audio devices (PyAudio)")
    devices.add_argument("--device", help="mic device: index or part of the name (default system)")
    devices.add_argument(
        "--output-device", help="speaker device: index or part of the name (default system)"
    )
    devices.add_argument(
        "--mic-rate", type=int, default=16000, help="mic capture rate in Hz (default 16000)"
    )
    devices.add_argument(
        "--mic-channels", type=int, default=1, help="mic channels, mixed to mono (default 1)"
    )
    devices.add_argument(
        "--speaker-rate",
        type=int,
        help="speaker rate in Hz (default 48000 for devices, 24000 for --speaker-wav)",
    )
    devices.add_argument(
        "--speaker-channels", type=int, default=1, help="speaker channels (default 1)"
    )

    wav = parser.add_argument_group("WAV files instead of devices (tests, demos)")
    wav.add_argument("--mic-wav", type=Path, help="read the mic from this 16-bit PCM WAV file")
    wav.add_argument("--speaker-wav", type=Path, help="write the speaker to this WAV file")
    pace = wav.add_mutually_exclusive_group()
    pace.add_argument(
        "--realtime",
        dest="speed",
        action="store_const",
        const=1.0,
        help="play the WAV clock in real time (the default)",
    )
    pace.add_argument(
        "--fast",
        dest="speed",
        action="store_const",
        const=20.0,
        help="run the WAV clock 20x faster than real time",
    )
    pace.add_argument(
        "--speed", dest="speed", type=float, help="run the WAV clock this many times real time"
    )
    wav.add_argument(
        "--lead-in-ms",
        type=int,
        default=0,
        help="silence before the mic WAV starts (default 0)",
    )
    wav.add_argument(
        "--mic-after-link",
        action="store_true",
        help="paired mode: start the mic (the WAV file) only once Home Assistant has linked, "
        "so a scripted utterance is not spoken to nobody (the demo uses this)",
    )
    parser.set_defaults(speed=1.0)
    return parser


def parse_options(argv: Sequence[str] | None = None) -> tuple[Options, argparse.Namespace]:
    """Parse the command line into `Options` (and the raw namespace for the extra flags)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.mic_channels < 1 or args.speaker_channels < 1:
        parser.error("channel counts must be at least 1")
    if args.follow_up_seconds < 0:
        parser.error("--follow-up-seconds cannot be negative")
    if args.speed <= 0:
        parser.error("--speed must be positive")
    if args.endpoint is not None and not args.api_key and not args.endpoint.startswith("http:"):
        parser.error("standalone mode needs --api-key (or VOICELIVE_API_KEY)")
    if args.input_format != "pcm16" and args.input_rate not in (None, 8000):
        parser.error("G.711 runs at 8000 Hz")
    if args.input_format == "pcm16" and args.input_rate == 8000:
        parser.error("pcm16 input runs at 16000 or 24000 Hz")
    options = Options(
        endpoint=args.endpoint,
        api_key=args.api_key,
        model=args.model,
        api_version=args.api_version,
        name=args.name,
        host=args.host,
        port=args.port,
        state_dir=args.state_dir,
        reset_pairing_key=args.reset_pairing_key,
        zeroconf=not args.no_zeroconf,
        wake_word=args.wake_word,
        follow_up_seconds=args.follow_up_seconds,
        chimes=not args.no_chimes,
        input_format=args.input_format,
        input_rate=args.input_rate,
        noise_reduction=not args.no_noise_reduction,
        echo_cancellation=not args.no_echo_cancellation,
        device=args.device,
        output_device=args.output_device,
        mic_rate=args.mic_rate,
        mic_channels=args.mic_channels,
        speaker_rate=args.speaker_rate,
        speaker_channels=args.speaker_channels,
        mic_wav=args.mic_wav,
        speaker_wav=args.speaker_wav,
        speed=args.speed,
        lead_in_ms=args.lead_in_ms,
        mic_after_link=args.mic_after_link,
    )
    return options, args


def print_devices() -> int:
    """`--list-devices`."""
    import pyaudio

    from .audio.devices import format_devices, list_devices

    pa = pyaudio.PyAudio()
    try:
        print(format_devices(list_devices(pa)))
    finally:
        pa.terminate()
    return 0


async def _serve(options: Options) -> int:
    from .app import SatelliteApp

    app = SatelliteApp(options)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await app.start()
    try:
        waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
        if options.mic_wav is not None:
            waiters.append(asyncio.create_task(app.wait_wav_done()))
        done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            task.result()
    finally:
        _LOGGER.info("stopping")
        await app.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `voicelive-satellite`."""
    options, args = parse_options(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.list_devices:
        return print_devices()
    try:
        return asyncio.run(_serve(options))
    except (ValueError, OSError) as exc:
        print(f"voicelive-satellite: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
