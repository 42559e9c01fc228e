"""The `python -m voicelive check` contract, as other tools use it: a real subprocess.

One JSON line out per line in: `{"ok": true}`, `{"ok": false, "error": ..., "path": ...}`, or with
`--roundtrip` `{"ok": true, "event": ...}`; exit status 0 whatever the verdicts, 2 for bad
arguments. A few in-process runs of `main` cover the same code for the coverage report.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from voicelive.__main__ import build_parser, check_line, main, run_check

from .examples import CLIENT_EXAMPLES, SERVER_EXAMPLES
from .helpers import assert_same_json


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicelive", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def verdicts(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


CLIENT_LINES = [
    json.dumps(CLIENT_EXAMPLES[0]),  # a full session.update
    '{"type": "session.update", "session": {"turn_detection": {"type": "nope"}}}',
    '{"type": "input_audio_buffer.append"}',
    '{"type": "warning", "message": "x"}',
    "not json at all",
    "",
    '{"type": "input_audio_buffer.append", "audio": "AAAA", "x_extra": 1}',
    '{"type": "session.update", "session": {"temperature": 1.0, "max_response_output_tokens": 7}}',
]


def test_client_side_strict_one_verdict_per_line() -> None:
    result = run_cli("check", "--side", "client", stdin="\n".join(CLIENT_LINES) + "\n")
    assert result.returncode == 0, result.stderr
    out = verdicts(result.stdout)
    assert len(out) == len(CLIENT_LINES)
    assert out[0] == {"ok": True}
    assert out[1] == {
        "ok": False,
        "error": "Invalid value 'nope'",
        "path": "session.turn_detection.type",
    }
    assert out[2] == {
        "ok": False,
        "error": "Object missing required field `audio`",
        "path": "audio",
    }
    assert out[3] == {"ok": False, "error": "unknown event type 'warning'", "path": "type"}
    assert out[4]["ok"] is False and out[4]["path"] == "" and "not valid JSON" in out[4]["error"]
    assert out[5]["ok"] is False and out[5]["path"] == ""
    assert out[6] == {
        "ok": False,
        "error": "Object contains unknown field `x_extra`",
        "path": "x_extra",
    }
    assert out[7] == {"ok": True}
    for verdict in out:
        assert set(verdict) in ({"ok"}, {"ok", "error", "path"})


def test_client_side_roundtrip_prints_the_event_exactly() -> None:
    result = run_cli(
        "check", "--side", "client", "--roundtrip", stdin="\n".join(CLIENT_LINES) + "\n"
    )
    assert result.returncode == 0, result.stderr
    out = verdicts(result.stdout)
    assert len(out) == len(CLIENT_LINES)
    assert_same_json(out[0], {"ok": True, "event": CLIENT_EXAMPLES[0]})
    assert out[1]["ok"] is False
    assert out[7] == {
        "ok": True,
        "event": {
            "type": "session.update",
            "session": {"temperature": 1.0, "max_response_output_tokens": 7},
        },
    }
    assert "1.0" in result.stdout.splitlines()[7]  # a float stays a float on the wire


def test_lenient_roundtrip_keeps_unknown_types_and_fields() -> None:
    result = run_cli(
        "check",
        "--side",
        "client",
        "--roundtrip",
        "--lenient",
        stdin="\n".join(CLIENT_LINES) + "\n",
    )
    assert result.returncode == 0, result.stderr
    out = verdicts(result.stdout)
    assert len(out) == len(CLIENT_LINES)
    assert out[3] == {"ok": True, "event": {"type": "warning", "message": "x"}}
    assert out[6] == {
        "ok": True,
        "event": {"type": "input_audio_buffer.append", "audio": "AAAA", "x_extra": 1},
    }
    assert out[4]["ok"] is False  # not JSON is refused in lenient mode too
    # a known type whose required field is missing is passed on whole by the lenient reader
    assert out[2] == {"ok": True, "event": {"type": "input_audio_buffer.append"}}


def test_server_side_every_example_then_bad_ones() -> None:
    lines = [json.dumps(e) for e in SERVER_EXAMPLES]
    lines += [
        json.dumps(CLIENT_EXAMPLES[7]),  # a client event is no server event
        '{"type": "response.function_call_arguments.done", "response_id": "r", "item_id": "i",'
        ' "output_index": 0, "call_id": "c", "arguments": "{}", "name": "f"}',
        '{"type": "response.audio.delta", "response_id": "r", "item_id": "i", "output_index": "0",'
        ' "content_index": 0, "delta": ""}',
    ]
    result = run_cli("check", "--side", "server", stdin="\r\n".join(lines) + "\r\n")
    assert result.returncode == 0, result.stderr
    out = verdicts(result.stdout)
    assert len(out) == len(lines)
    assert out[: len(SERVER_EXAMPLES)] == [{"ok": True}] * len(SERVER_EXAMPLES)
    assert out[-3] == {
        "ok": False,
        "error": "unknown event type 'input_audio_buffer.append'",
        "path": "type",
    }
    assert out[-2]["path"] == "name"
    assert out[-1] == {"ok": False, "error": "Expected `int`, got `str`", "path": "output_index"}

    lenient = run_cli(
        "check", "--side", "server", "--lenient", "--roundtrip", stdin=lines[-2] + "\n"
    )
    assert verdicts(lenient.stdout) == [{"ok": True, "event": json.loads(lines[-2])}]


def test_a_line_that_is_not_utf8_gets_a_verdict_and_the_run_goes_on() -> None:
    lines = [
        b'{"type": "response.cancel"}',
        b"\xff\xfe garbage",
        b'{"type": "conversation.item.delete", "item_id": "caf\xe9"}',  # Latin-1, not UTF-8
        '{"type": "conversation.item.delete", "item_id": "café"}'.encode(),
        '{"type": "café"}'.encode(),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "voicelive", "check", "--side", "client"],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "ascii"},
    )
    assert result.returncode == 0, result.stderr
    out = verdicts(result.stdout.decode())
    assert [v["ok"] for v in out] == [True, False, False, True, False]
    assert out[1]["path"] == out[2]["path"] == ""
    assert out[4] == {"ok": False, "error": "unknown event type 'café'", "path": "type"}
    assert "not valid JSON" in out[2]["error"]


def test_no_input_no_output() -> None:
    result = run_cli("check", "--side", "server")
    assert (result.returncode, result.stdout) == (0, "")


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--side", "foo"),
        (),
        ("check",),
        ("validate", "--side", "client"),
        ("check", "--side", "client", "--strictest"),
    ],
)
def test_bad_arguments_exit_2(args: tuple[str, ...]) -> None:
    result = run_cli(*args, stdin='{"type": "response.cancel"}\n')
    assert result.returncode == 2
    assert result.stdout == ""
    assert "usage:" in result.stderr


# --- The same code in process (for coverage) ----------------------------------------------------


def test_main_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b'{"type": "response.cancel"}\n{"type": 1}\n'))
    out_bytes = io.BytesIO()
    stdout = io.TextIOWrapper(out_bytes, encoding="ascii")  # the locale does not matter
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["check", "--side", "client", "--roundtrip"]) == 0
    out = verdicts(out_bytes.getvalue().decode())
    assert out == [
        {"ok": True, "event": {"type": "response.cancel"}},
        {"ok": False, "error": "Expected `str`", "path": "type"},
    ]
    with pytest.raises(SystemExit) as info:
        main(["check", "--side", "foo"])
    assert info.value.code == 2


def test_run_check_writes_one_line_per_line() -> None:
    args = build_parser().parse_args(["check", "--side", "server", "--lenient"])
    stdout = io.BytesIO()
    assert run_check(args, io.BytesIO(b'{"type": "warning"}\r\n\n'), stdout) == 0
    assert verdicts(stdout.getvalue().decode())[0] == {"ok": True}
    assert len(stdout.getvalue().splitlines()) == 2
    assert check_line('{"type": "warning"}', "server", roundtrip=True, lenient=True) == {
        "ok": True,
        "event": {"type": "warning"},
    }
