"""`scripts/demo`: "okay nabu, turn on the kitchen light", end to end, on this machine.

1. the local Voice Live emulator starts (unless --endpoint points at a real resource);
2. a real Home Assistant process starts on a temporary config, is onboarded through its API, gets
   a "Kitchen light", and sets up this component through its real config flow (Assist API on);
3. the Pi satellite starts in paired mode with a WAV microphone saying the wake word and the
   command (made with espeak-ng), and is adopted through the config flow with its pairing key;
4. the demo follows Home Assistant's WebSocket API and the satellite's log and prints each step as
   it happens: the wake word, the transcript, the tool call, the light's new state, the reply.
Every process it starts is stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicelive.audio import resample

from emulator.demo import write_wav
from emulator.tts import parse_wav

from .home_assistant import REPO, HomeAssistantProcess

COMMAND = "turn on the kitchen light"
REPLY = "Okay, the kitchen light is on."
LIGHT = "light.kitchen_light"
SATELLITE_NAME = "Kitchen satellite"
MIC_RATE = 16000
TIMEOUT = 90.0

CONFIGURATION_YAML = """
homeassistant:
  name: Voice Live demo home
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  unit_system: metric
  time_zone: UTC
  country: NL
  currency: EUR
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
config:
onboarding:
websocket_api:
conversation:
assist_pipeline:
logger:
  default: warning
  logs:
    custom_components.azure_voice_live: info
input_boolean:
  kitchen_light_power:
    name: Kitchen light power
light:
  - platform: template
    lights:
      kitchen_light:
        friendly_name: Kitchen light
        value_template: "{{{{ is_state('input_boolean.kitchen_light_power', 'on') }}}}"
        turn_on:
          action: input_boolean.turn_on
          target:
            entity_id: input_boolean.kitchen_light_power
        turn_off:
          action: input_boolean.turn_off
          target:
            entity_id: input_boolean.kitchen_light_power
"""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Timeline:
    """Prints each step with the seconds since the demo started, and keeps the summary."""

    start: float = field(default_factory=time.monotonic)
    facts: dict[str, str] = field(default_factory=dict)

    def say(self, who: str, text: str) -> None:
        """Print one step."""
        print(f"[{time.monotonic() - self.start:6.1f}s] {who:<11} {text}", flush=True)


async def make_utterance(path: Path) -> float:
    """'okay nabu' then the command, spoken by espeak-ng, as a 16 kHz WAV; returns its seconds."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SystemExit("espeak-ng is missing: run scripts/setup")
    parts = [b"\0\0" * (MIC_RATE // 2)]
    for text in ("okay nabu", COMMAND):
        process = await asyncio.create_subprocess_exec(
            espeak, "-v", "en-us", "-s", "140", "--stdout", text, stdout=asyncio.subprocess.PIPE
        )
        wav, _ = await process.communicate()
        speech, rate = parse_wav(wav)  # espeak's streaming header has no real sizes
        parts += [resample(speech, rate, MIC_RATE), b"\0\0" * 6400]
    parts.append(b"\0\0" * (MIC_RATE * 3))
    pcm = b"".join(parts)
    write_wav(path, pcm, MIC_RATE)
    return len(pcm) / 2 / MIC_RATE


def scenario() -> dict[str, Any]:
    """The emulator's script: what the 'model' hears and does for this utterance."""
    return {
        "pace": {"audio_speed": 3.0, "first_delta_delay_ms": 300},
        "utterances": [COMMAND],
        "rules": [
            {
                "match": "kitchen light",
                "tool_calls": [{"name": "HassTurnOn", "arguments": {"name": "Kitchen light"}}],
                "reply": REPLY,
            }
        ],
        "default_reply": "You said: {text}",
    }


class Processes:
    """Child processes in their own process groups, all stopped at the end."""

    def __init__(self) -> None:
        self._children: list[asyncio.subprocess.Process] = []

    async def start(self, *argv: str, log: Path) -> asyncio.subprocess.Process:
        """Start a child with stdout and stderr into `log`."""
        with log.open("ab") as out:
            process = await asyncio.create_subprocess_exec(
                *argv, stdout=out, stderr=out, start_new_session=True
            )
        self._children.append(process)
        return process

    async def stop_all(self) -> None:
        """SIGTERM every child's group, then SIGKILL what is left after five seconds."""
        for process in self._children:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self._children:
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()


async def wait_for_port(port: int, seconds: float = 20.0) -> None:
    """Wait until something listens on 127.0.0.1:`port`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


async def follow_log(path: Path, patterns: dict[str, str], timeline: Timeline) -> None:
    """Print the lines of a child's log that match, as they are written."""
    position = 0
    compiled = {re.compile(p): who for p, who in patterns.items()}
    while True:
        if path.exists():
            with path.open("rb") as log:
                log.seek(position)
                chunk = log.read()
                position += len(chunk)
            for line in chunk.decode(errors="replace").splitlines():
                for pattern, who in compiled.items():
                    if match := pattern.search(line):
                        timeline.say(who, match.group("text"))
        await asyncio.sleep(0.05)


async def set_up_agent(
    ha: HomeAssistantProcess, args: argparse.Namespace, timeline: Timeline
) -> str:
    """Add the Voice Live service through the real config flow, and let it control the home."""
    flow = await ha.rest("POST", "/api/config/config_entries/flow", {"handler": "azure_voice_live"})
    flow = await ha.rest(
        "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", {"next_step_id": "model"}
    )
    flow = await ha.rest(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {
            "endpoint": args.endpoint,
            "api_key": args.api_key,
            "model": args.model,
            "advanced": {"api_version": "2025-10-01"},
        },
    )
    if flow.get("type") != "create_entry":
        raise RuntimeError(f"the config flow did not create the entry: {flow}")
    entry_id = str(flow["result"]["entry_id"])
    timeline.say("hass", f"Azure Voice Live added through its config flow ({flow['title']})")
    options = await ha.rest(
        "POST", "/api/config/config_entries/options/flow", {"handler": entry_id}
    )
    options = await ha.rest(
        "POST",
        f"/api/config/config_entries/options/flow/{options['flow_id']}",
        {"next_step_id": "settings"},
    )
    options = await ha.rest(
        "POST",
        f"/api/config/config_entries/options/flow/{options['flow_id']}",
        {
            "prompt": "You are the voice of a home. Answer in one short sentence.",
            "llm_hass_api": "assist",
            "tool_choice": "auto",
            "voice": {},
            "response": {},
            "turn_detection": {"type": "server_vad"},
            "audio": {},
        },
    )
    if options.get("type") != "create_entry":
        raise RuntimeError(f"the options flow did not finish: {options}")
    timeline.say("hass", "options: the Assist API controls the home; server VAD")
    return entry_id


async def adopt_satellite(
    ha: HomeAssistantProcess, port: int, key: str, agent_entry_id: str, timeline: Timeline
) -> None:
    """Adopt the satellite through the config flow, proving its pairing key."""
    flow = await ha.rest("POST", "/api/config/config_entries/flow", {"handler": "azure_voice_live"})
    flow = await ha.rest(
        "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", {"next_step_id": "satellite"}
    )
    flow = await ha.rest(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"host": "127.0.0.1", "port": port, "pairing_key": key, "agent_entry_id": agent_entry_id},
    )
    if flow.get("type") != "create_entry":
        raise RuntimeError(f"the satellite was not adopted: {flow}")
    timeline.say("hass", f"satellite adopted through the config flow: {flow['title']}")


async def watch_home(ha: HomeAssistantProcess, timeline: Timeline, done: asyncio.Event) -> None:
    """Print the light, the satellite's state, transcript, reply and tool calls as HA sees them."""
    async with ha.websocket() as ws:
        await ws.subscribe_state_changes()
        await ws.send({"type": "subscribe_events", "event_type": "azure_voice_live_tool_call"})
        while True:
            message = await ws.receive()
            if message.get("type") != "event":
                continue
            event = message["event"]
            data = event["data"]
            if event["event_type"] == "azure_voice_live_tool_call":
                result = "error" if '"error"' in data["result"] else "ok"
                timeline.say("tool call", f"{data['name']} {data['arguments']} -> {result}")
                timeline.facts["tool call"] = f"{data['name']} {data['arguments']}"
                continue
            new = data.get("new_state") or {}
            old = data.get("old_state") or {}
            entity_id = data.get("entity_id", "")
            if entity_id == LIGHT and new.get("state") != old.get("state"):
                print(f"Kitchen light: {new.get('state')}", flush=True)
                timeline.facts["Kitchen light"] = str(new.get("state"))
            elif entity_id.startswith("assist_satellite."):
                attrs, before = new.get("attributes", {}), old.get("attributes", {})
                if new.get("state") != old.get("state"):
                    timeline.say("hass", f"satellite is {new.get('state')}")
                for key, who in (("last_transcript", "transcript"), ("last_reply", "reply")):
                    if attrs.get(key) and attrs.get(key) != before.get(key):
                        timeline.say(who, f'"{attrs[key]}"')
                        timeline.facts[who] = attrs[key]
                if new.get("state") == "idle" and "reply" in timeline.facts:
                    done.set()


async def read_pairing_key(log: Path, seconds: float = 30.0) -> str:
    """The key that the satellite printed at its first start."""
    deadline = time.monotonic() + seconds
    pattern = re.compile(r"New pairing key for .*: (?P<key>[A-Z2-7-]+)")
    while time.monotonic() < deadline:
        if log.exists() and (match := pattern.search(log.read_text(errors="replace"))):
            return match.group("key")
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the satellite printed no pairing key; see {log}")


async def run(args: argparse.Namespace) -> int:
    """The whole demo; returns the exit status."""
    timeline = Timeline()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="voicelive-demo-"))
    processes = Processes()
    ha: HomeAssistantProcess | None = None
    tasks: list[asyncio.Task[None]] = []
    mic, reply_wav = out / "demo-mic.wav", out / "demo-reply.wav"
    reply_wav.unlink(missing_ok=True)
    try:
        seconds = await make_utterance(mic)
        timeline.say("speech", f'"okay nabu, {COMMAND}" ({seconds:.1f} s) -> {mic}')
        if args.endpoint is None:
            emulator_port = free_port()
            scenario_file = work / "scenario.json"
            scenario_file.write_text(json.dumps(scenario(), indent=2))
            args.endpoint, args.api_key = f"http://127.0.0.1:{emulator_port}", "demo-key"
            await processes.start(
                sys.executable, "-m", "emulator", "--host", "127.0.0.1",
                "--port", str(emulator_port), "--api-key", args.api_key,
                "--scenario", str(scenario_file),
                log=work / "emulator.log",
            )  # fmt: skip
            await wait_for_port(emulator_port)
            timeline.say("emulator", f"Voice Live emulator on {args.endpoint}")
        else:
            timeline.say("voice live", f"using {args.endpoint}")

        ha_port = free_port()
        ha = HomeAssistantProcess(work / "config", ha_port, CONFIGURATION_YAML.format(port=ha_port))
        timeline.say("hass", f"starting Home Assistant (config in {ha.config_dir})")
        await ha.start()
        await ha.onboard()
        timeline.say("hass", f"running on {ha.base}, onboarded through its API")
        agent_entry_id = await set_up_agent(ha, args, timeline)
        light = await ha.state(LIGHT)
        print(f"Kitchen light: {light['state'] if light else 'missing'}", flush=True)

        satellite_port = free_port()
        satellite_log = work / "satellite.log"
        await processes.start(
            sys.executable, "-m", "firmware_client", "--name", SATELLITE_NAME,
            "--host", "127.0.0.1", "--port", str(satellite_port), "--no-zeroconf",
            "--state-dir", str(work / "satellite-state"), "--follow-up-seconds", "2",
            "--mic-wav", str(mic), "--speaker-wav", str(reply_wav), "--mic-after-link",
            log=satellite_log,
        )  # fmt: skip
        key = await read_pairing_key(satellite_log)
        timeline.say("satellite", f"{SATELLITE_NAME} listening for Home Assistant, key {key}")
        tasks.append(
            asyncio.create_task(
                follow_log(
                    satellite_log,
                    {
                        r"(?P<text>wake word \S+ heard)": "satellite",
                        r"(?P<text>Home Assistant (?:connected|at \S+ disconnected).*)": (
                            "satellite"
                        ),
                        r"(?P<text>conversation over.*)": "satellite",
                    },
                    timeline,
                )
            )
        )
        done = asyncio.Event()
        tasks.append(asyncio.create_task(watch_home(ha, timeline, done)))
        await wait_for_port(satellite_port)
        await adopt_satellite(ha, satellite_port, key, agent_entry_id, timeline)
        try:
            await asyncio.wait_for(done.wait(), TIMEOUT)
        except TimeoutError:
            timeline.say("demo", f"no reply within {TIMEOUT:.0f} s; logs are in {work}")
            return 1
        await asyncio.sleep(2.5)  # the satellite plays the reply to its end and closes the turn
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if ha is not None:
            await ha.stop()
        await processes.stop_all()
    return summarize(timeline, reply_wav, work)


def summarize(timeline: Timeline, reply_wav: Path, work: Path) -> int:
    """Print what happened, and whether it is what a user would expect."""
    audio_seconds = 0.0
    if reply_wav.exists():
        with wave.open(str(reply_wav)) as reader:
            audio_seconds = reader.getnframes() / reader.getframerate()
    facts = timeline.facts
    print("\nSummary")
    print(f"  transcript     {facts.get('transcript', '-')}")
    print(f"  tool call      {facts.get('tool call', '-')}")
    print(f"  Kitchen light  {facts.get('Kitchen light', 'unchanged')}")
    print(f"  reply          {facts.get('reply', '-')}")
    print(f"  reply audio    {reply_wav} ({audio_seconds:.1f} s, chimes included)")
    print(f"  logs           {work}")
    print(f"  took           {time.monotonic() - timeline.start:.1f} s; no process left running")
    ok = facts.get("Kitchen light") == "on" and audio_seconds > 0
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the demo."""
    parser = argparse.ArgumentParser(
        prog="scripts/demo",
        description="Say 'okay nabu, turn on the kitchen light' to a Pi satellite (on a WAV "
        "microphone), through a real Home Assistant, to Voice Live (the local emulator unless "
        "--endpoint is given).",
    )
    parser.add_argument("--endpoint", help="a real Voice Live resource instead of the emulator")
    parser.add_argument("--api-key", help="the resource's key (with --endpoint)")
    parser.add_argument("--model", default="gpt-realtime", help="model (default gpt-realtime)")
    parser.add_argument("--out", default=str(REPO / "out"), help="where the WAV files go")
    args = parser.parse_args(argv)
    if (args.endpoint is None) != (args.api_key is None):
        parser.error("--endpoint and --api-key go together")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
