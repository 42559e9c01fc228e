"""`python -m voicelive check`: validate Voice Live events, one JSON document per stdin line.

The output contract (other tools depend on it exactly): one JSON line per input line,
`{"ok": true}`, or `{"ok": false, "error": "<message>", "path": "<json path>"}`; with
`--roundtrip`, a valid line prints `{"ok": true, "event": <the re-serialized event>}`.
Exit status 0 whatever the verdicts; 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, BinaryIO

import msgspec

from .codec import parse_event, to_dict
from .errors import ProtocolError

_encoder = msgspec.json.Encoder()


def check_line(line: str | bytes, side: str, *, roundtrip: bool, lenient: bool) -> dict[str, Any]:
    """The verdict on one input line, as the JSON object that the contract prints."""
    try:
        event = parse_event(line, "client" if side == "client" else "server", strict=not lenient)
    except ProtocolError as exc:
        return {"ok": False, "error": exc.reason, "path": exc.path}
    if roundtrip:
        return {"ok": True, "event": to_dict(event)}
    return {"ok": True}


def run_check(args: argparse.Namespace, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Read stdin line by line and write one verdict per line, flushing as it goes.

    Both streams are bytes (`main` passes the standard streams' buffers): a line that is not
    UTF-8 gets its verdict like any other bad line, and the output is UTF-8 JSON, whatever the
    locale says.
    """
    for raw_line in stdin:
        line = raw_line.rstrip(b"\r\n")
        verdict = check_line(line, args.side, roundtrip=args.roundtrip, lenient=args.lenient)
        stdout.write(_encoder.encode(verdict) + b"\n")
        stdout.flush()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m voicelive`."""
    parser = argparse.ArgumentParser(
        prog="python -m voicelive", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check",
        help="validate events read from stdin, one JSON object per line",
        description="Validate Voice Live events read from stdin, one JSON object per line, and "
        "print one JSON verdict per line.",
    )
    check.add_argument(
        "--side",
        required=True,
        choices=("client", "server"),
        help="which side sends the events: client events (session.update, ...) or server events",
    )
    check.add_argument(
        "--roundtrip",
        action="store_true",
        help="print the re-serialized event with each valid verdict",
    )
    check.add_argument(
        "--lenient",
        action="store_true",
        help="read as a client reads the live service: keep unknown fields and event types",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; argparse exits with status 2 on bad arguments."""
    args = build_parser().parse_args(argv)
    return run_check(args, sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    sys.exit(main())
