"""How many sessions the emulator carries in real time on one core, and its CPU per stream-second.

The emulator runs as `python -m emulator` in its own process, pinned to core 0; this process (the
clients) is pinned to core 1 so that it does not count. Every session streams 24 kHz PCM16 in
20 ms frames on the wall clock: an espeak-ng utterance, then silence, over and over; server VAD
ends each turn and the emulator answers each with a spoken reply (audio 4x real time, as the
service paces it). The load rises until the emulator falls behind real time, judged by

* lag: how late `speech_stopped` arrives after the audio frame that ended the turn was sent
  (the emulator's processing backlog), p95 over the level, and
* CPU: the emulator process's CPU time over wall time (from /proc).

Figures: sessions carried in real time, and CPU seconds per stream-second (emulator CPU time /
seconds of audio streamed). Run: `.venv/bin/python bench/emulator.py` (about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicelive.audio import b64encode  # noqa: E402

from emulator.tts import SpeechSynthesizer  # noqa: E402

RATE = 24000
FRAME_MS = 20
FRAME_BYTES = RATE * 2 * FRAME_MS // 1000
LAG_LIMIT_MS = 100.0
CPU_LIMIT = 0.9
SCENARIO = '{"default_reply": "Okay, done.", "utterances": []}'


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def core_busy_seconds(core: int) -> float:
    """Busy (non-idle) seconds of one CPU core, whoever used it, from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            values = [int(v) for v in line.split()[1:]]
            idle = values[3] + values[4]  # idle + iowait
            return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    return 0.0


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Client:
    """One session: its socket, its place in the utterance loop, and what it measured."""

    ws: aiohttp.ClientWebSocketResponse
    offset: int
    sent_at: dict[int, float] = field(default_factory=dict)  # stream ms -> wall time sent
    position_ms: int = 0
    lags: list[float] = field(default_factory=list)
    replies: int = 0
    audio_bytes: int = 0

    async def reader(self) -> None:
        async for msg in self.ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            data = msg.data
            head = data[:64]
            if "response.audio.delta" in head:
                self.audio_bytes += len(data)
            elif "speech_stopped" in head:
                end_ms = json.loads(data)["audio_end_ms"]
                key = (end_ms - 1) // FRAME_MS * FRAME_MS  # the frame that ended the turn
                sent = self.sent_at.pop(key, None)
                if sent is not None:
                    self.lags.append((time.monotonic() - sent) * 1000)
                for old in [k for k in self.sent_at if k < key]:
                    del self.sent_at[old]
            elif "response.done" in head:
                self.replies += 1


async def run_level(
    url: str, pid: int, core: int, sessions: int, seconds: float, frames: list[str]
) -> dict[str, float]:
    """Hold `sessions` real-time streams for `seconds`; return the level's figures."""
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    ws_url = url.replace("http", "ws") + "/voice-live/realtime?api-version=2025-10-01&model=bench"
    clients: list[Client] = []
    readers: list[asyncio.Task[None]] = []
    try:
        for _ in range(sessions):
            ws = await http.ws_connect(ws_url, compress=0, max_msg_size=0)
            await ws.receive()  # session.created
            client = Client(ws, random.randrange(len(frames)))
            clients.append(client)
            readers.append(asyncio.create_task(client.reader()))
        late_frames = 0
        ticks = int(seconds * 1000 / FRAME_MS)
        cpu0, wall0, mine0 = cpu_seconds(pid), time.monotonic(), time.process_time()
        busy0 = core_busy_seconds(core)
        start = time.monotonic()
        for tick in range(ticks):
            now = time.monotonic()
            for client in clients:
                frame = frames[(client.offset + tick) % len(frames)]
                client.sent_at[client.position_ms] = now
                client.position_ms += FRAME_MS
                await client.ws.send_str(frame)
            delay = start + (tick + 1) * FRAME_MS / 1000 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -FRAME_MS / 1000:
                late_frames += 1
        await asyncio.sleep(0.3)  # let the last turns' events arrive
        cpu1, wall1, mine1 = cpu_seconds(pid), time.monotonic(), time.process_time()
        busy1 = core_busy_seconds(core)
    finally:
        for client in clients:
            await client.ws.close()
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await http.close()
    lags = sorted(lag for c in clients for lag in c.lags)
    streamed = sessions * ticks * FRAME_MS / 1000
    cpu = cpu1 - cpu0
    return {
        "sessions": sessions,
        "cpu_fraction": cpu / (wall1 - wall0),
        "cpu_per_stream_s": cpu / streamed,
        "lag_p50": statistics.median(lags) if lags else float("nan"),
        "lag_p95": lags[int(len(lags) * 0.95)] if lags else float("nan"),
        "turns": len(lags),
        "replies": sum(c.replies for c in clients),
        "client_late_ticks": late_frames / ticks,
        "client_cpu": (mine1 - mine0) / (wall1 - wall0),
        # what else ran on the emulator's core (other processes of a shared machine)
        "others_on_core": max(0.0, (busy1 - busy0) - cpu) / (wall1 - wall0),
        "rss_mb": rss_mb(pid),
    }


async def main_async(args: argparse.Namespace) -> int:
    speech = await SpeechSynthesizer().synthesize("turn on the kitchen light please")
    loop_audio = speech + bytes(RATE * 2 * 1500 // 1000)  # speech, then 1.5 s of silence
    loop_audio += bytes(-len(loop_audio) % FRAME_BYTES)
    frames = [
        json.dumps(
            {
                "type": "input_audio_buffer.append",
                "audio": b64encode(loop_audio[i : i + FRAME_BYTES]),
            }
        )
        for i in range(0, len(loop_audio), FRAME_BYTES)
    ]
    scenario = Path("/tmp/voicelive-bench-scenario.json")
    scenario.write_text(SCENARIO)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "emulator", "--port", "0", "--no-record",
        "--log-level", "WARNING", "--scenario", str(scenario), "--vad", args.vad,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        url = line.split()[4]
        cores = sorted(os.sched_getaffinity(0))
        server_core = cores[0]
        if len(cores) >= 2:
            os.sched_setaffinity(proc.pid, {cores[0]})
            os.sched_setaffinity(0, {cores[1]})
            print(f"emulator pid {proc.pid} pinned to core {cores[0]}; clients on core {cores[1]}")
        else:
            print("only one core: emulator and clients share it (figures are pessimistic)")
        print(f"utterance loop {len(loop_audio) / RATE / 2:.2f} s, {args.seconds:.0f} s per level")
        print(f"{'sessions':>8} {'cpu':>6} {'cpu s/stream s':>15} {'lag p50':>8} {'lag p95':>8} "
              f"{'turns':>6} {'replies':>7} {'rss MB':>7} {'clients':>7} {'others':>6}"
        )  # fmt: skip
        deadline = time.monotonic() + args.budget
        carried: dict[str, float] | None = None
        failed_at: int | None = None
        client_limited = False
        sessions = args.start
        results = []
        while time.monotonic() + args.seconds + 5 < deadline:
            r = await run_level(url, proc.pid, server_core, sessions, args.seconds, frames)
            results.append(r)
            ok = r["lag_p95"] < LAG_LIMIT_MS and r["cpu_fraction"] < CPU_LIMIT
            client_bound = r["client_cpu"] >= CPU_LIMIT or r["client_late_ticks"] > 0.05
            client_note = f" (clients at {r['client_cpu']:.0%} CPU)" if client_bound else ""
            print(
                f"{sessions:>8} {r['cpu_fraction']:>6.0%} {r['cpu_per_stream_s']:>15.5f} "
                f"{r['lag_p50']:>6.0f}ms {r['lag_p95']:>6.0f}ms {r['turns']:>6.0f} "
                f"{r['replies']:>7.0f} {r['rss_mb']:>7.0f} {r['client_cpu']:>7.0%} "
                f"{r['others_on_core']:>6.0%} "
                f"{'ok' if ok else 'BEHIND'}{client_note}",
                flush=True,
            )
            if not ok and client_bound:
                client_limited = True
                break
            if ok:
                carried = r
                if failed_at is None:
                    sessions *= 2
                else:
                    sessions = (sessions + failed_at) // 2
            else:
                failed_at = sessions
                low = int(carried["sessions"]) if carried else 0
                sessions = (low + sessions) // 2
            if failed_at is not None and (
                sessions <= (int(carried["sessions"]) if carried else 0)
                or failed_at - sessions < max(2, failed_at // 10)
            ):
                break
        print()
        if carried is None:
            print(f"the emulator fell behind already at {args.start} sessions")
            return 1
        per_stream = [r["cpu_per_stream_s"] for r in results if r["turns"]]
        if client_limited:
            limit = " at least: beyond it the clients' own core saturated first"
        elif failed_at:
            limit = f" (fell behind at {failed_at})"
        else:
            limit = " (limit not reached in the time budget)"
        print(f"sessions carried in real time on one core: {int(carried['sessions'])}{limit}")
        median = statistics.median(per_stream)
        print(
            f"CPU per stream-second: {median:.5f} s (median over levels; {1 / median:.0f} per core)"
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", type=int, default=8, help="sessions at the first level")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per level")
    parser.add_argument("--budget", type=float, default=100.0, help="total seconds at most")
    parser.add_argument("--vad", default="energy", choices=["energy", "micro"], help="detector")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
