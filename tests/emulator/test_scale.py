"""Many sessions at once, flat memory over a long session, scenario swaps, and the CLI."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import tracemalloc
from pathlib import Path

from voicelive.audio import b64encode
from voicelive.client import connect
from voicelive.events import (
    ConversationItemCreate,
    InputAudioBufferAppend,
    InputAudioBufferClear,
    ResponseCreate,
)
from voicelive.models import InputTextContentPart, RequestMessageItem

from emulator import Emulator
from tests.emulator.conftest import FAST_PACE
from tests.emulator.helpers import as_dict, read_until, speech, stream

ROOT = Path(__file__).resolve().parents[2]


async def one_session(emu: Emulator, name: str) -> str:
    conn = await connect(emu.url, model="m")
    try:
        await conn.recv()
        item = RequestMessageItem(role="user", content=[InputTextContentPart(text=name)])
        await conn.send(ConversationItemCreate(item=item))
        await conn.send(ResponseCreate())
        events = await read_until(conn, "response.done")
        done = next(e for e in events if e.type == "response.audio_transcript.done")
        return str(as_dict(done)["transcript"])
    finally:
        await conn.close()


async def test_sessions_run_at_once_and_stay_apart(emu: Emulator) -> None:
    names = [f"session number {n}" for n in range(8)]
    replies = await asyncio.gather(*(one_session(emu, name) for name in names))
    assert replies == [f"You said: {name}" for name in names]
    assert len(emu.sessions) == 8
    assert len({s.id for s in emu.sessions}) == 8
    for session in emu.sessions:
        assert len(session.items) == 2  # its own user item and its own reply, nothing else


async def test_scenario_swap_applies_to_open_sessions(emu: Emulator) -> None:
    conn = await connect(emu.url, model="m")
    try:
        await conn.recv()
        emu.set_scenario({"pace": FAST_PACE, "utterances": ["swapped in"]})
        await stream(conn, await speech("hello"))
        events = await read_until(conn, "response.done")
        done = next(e for e in events if e.type == "response.audio_transcript.done")
        assert as_dict(done)["transcript"] == "You said: swapped in"
    finally:
        await conn.close()


async def test_memory_stays_flat_over_a_long_session() -> None:
    """Five minutes of streamed audio hold no more memory than the first one."""
    async with Emulator(scenario={"pace": FAST_PACE}, record_audio=False, log_limit=200) as emu:
        conn = await connect(emu.url, model="m")
        try:
            await conn.recv()
            frame = b64encode(bytes(4800))  # 100 ms of silence at 24 kHz
            event = InputAudioBufferAppend(audio=frame)

            async def minutes(count: int) -> None:
                for _ in range(count * 600):
                    await conn.send(event)
                await conn.send(InputAudioBufferClear())
                await read_until(conn, "input_audio_buffer.cleared")

            await minutes(1)
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            await minutes(4)
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
        finally:
            await conn.close()
        session = emu.sessions[0]
        # 4 minutes of 24 kHz PCM16 would be 11.5 MB; the session keeps none of it
        assert after - before < 1_000_000
        assert len(session.received) <= 200
        assert session.buffer_ms == 0


async def test_cli_serves_until_sigterm(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text('default_reply: "From the CLI: {text}"\npace: {audio_speed: 50}\n')
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--api-key",
        "cli-key",
        "--scenario",
        str(scenario),
        "--log-level",
        "WARNING",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        assert line.startswith("Voice Live emulator on http://127.0.0.1:")
        url = line.split()[4]
        conn = await connect(url, api_key="cli-key", model="m")
        try:
            await conn.recv()
            item = RequestMessageItem(role="user", content=[InputTextContentPart(text="hi")])
            await conn.send(ConversationItemCreate(item=item))
            await conn.send(ResponseCreate())
            events = await read_until(conn, "response.done")
            done = next(e for e in events if e.type == "response.audio_transcript.done")
            assert as_dict(done)["transcript"] == "From the CLI: hi"
        finally:
            await conn.close()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_cli_refuses_a_bad_scenario(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [{match: '('}]\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        "0",
        "--scenario",
        str(bad),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    assert b"invalid scenario" in stdout
