"""`python -m emulator` (or `voicelive-emulator`): run the local Voice Live service until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from .scenario import Scenario, ScenarioError
from .server import Emulator


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="A local Azure AI Voice Live service for tests, demos and offline work.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0 = any)")
    parser.add_argument("--api-key", default=None, help="refuse clients without this key (401)")
    parser.add_argument("--scenario", default=None, help="scenario file (JSON or YAML)")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging verbosity",
    )
    parser.add_argument(
        "--vad",
        default="energy",
        choices=["energy", "micro"],
        help="speech detector: frame energy (cheap) or pymicro_vad (tells speech from noise)",
    )
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="keep no per-session event logs (long runs, benchmarks)",
    )
    return parser


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly."""
    scenario = Scenario.load(args.scenario)
    emulator = Emulator(
        api_key=args.api_key,
        scenario=scenario,
        host=args.host,
        port=args.port,
        record=not args.no_record,
        vad=args.vad,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    url = await emulator.start()
    ws_url = url.replace("http://", "ws://", 1)
    print(f"Voice Live emulator on {url}  (WebSocket: {ws_url}/voice-live/realtime)", flush=True)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m emulator` and the `voicelive-emulator` script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(serve(args))
    except ScenarioError as exc:
        print(f"error: {exc}")
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
