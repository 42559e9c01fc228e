"""The first demo: one spoken turn, end to end, on this machine.

It starts the emulator in-process on a free port, speaks an utterance with espeak-ng into a WAV
file (the stand-in for a microphone), streams that WAV through `voicelive.connect` in real time
with server VAD, prints the event flow as it happens, and writes the reply audio to a WAV.
Run it with `scripts/demo` (or `.venv/bin/python -m emulator.demo --help`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import wave
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from voicelive.audio import resample
from voicelive.client import VoiceLiveConnection, connect, decode_audio_delta
from voicelive.events import (
    ErrorEvent,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioTranscriptionCompleted,
    ResponseAudioDelta,
    ResponseAudioTranscriptDelta,
    ResponseCreated,
    ResponseDone,
    SessionUpdate,
)
from voicelive.models import RealtimeAudioInputTranscriptionSettings, RealtimeRequestSession

from .server import Emulator
from .tts import SpeechSynthesizer

RATE = 24000
FRAME_MS = 20


@dataclass
class Flow:
    """What the demo saw, for the summary."""

    started: float = field(default_factory=time.monotonic)
    speech_stopped_at: float | None = None
    first_audio_at: float | None = None
    transcript: str = ""
    reply: str = ""
    reply_audio: bytearray = field(default_factory=bytearray)
    events: int = 0

    def stamp(self) -> str:
        return f"[{time.monotonic() - self.started:6.2f}s]"


def write_wav(path: Path, pcm16: bytes, rate: int = RATE) -> None:
    """Write mono PCM16 as a WAV file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm16)


def read_wav(path: Path) -> bytes:
    """Mono PCM16 at 24 kHz from a WAV file."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise ValueError(f"{path} must be 16-bit mono")
        return resample(wav.readframes(wav.getnframes()), wav.getframerate(), RATE)


async def make_utterance(text: str, path: Path) -> None:
    """Speak `text` with espeak-ng into a WAV, with a little silence before and after."""
    synth = SpeechSynthesizer()
    if not synth.real_speech:
        print("espeak-ng is not installed: the utterance will be tones (run scripts/setup)")
    pcm = await synth.synthesize(text)
    write_wav(path, bytes(RATE * 2 // 4) + pcm + bytes(RATE * 2 // 4))


async def stream_in_real_time(
    conn: VoiceLiveConnection, pcm16: bytes, done: asyncio.Event, speed: float = 1.0
) -> None:
    """Send the audio in 20 ms frames on the wall clock (`speed` x real time), then silence
    until the reply is over."""
    frame = RATE * 2 * FRAME_MS // 1000
    silence = bytes(frame)
    start = time.monotonic()
    sent = 0
    offset = 0
    while not done.is_set():
        chunk = pcm16[offset : offset + frame] if offset < len(pcm16) else silence
        offset += frame
        await conn.append_audio(chunk)
        sent += 1
        delay = start + sent * FRAME_MS / 1000 / speed - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if sent * FRAME_MS > 60_000:
            raise TimeoutError("no reply within a minute")


async def print_events(conn: VoiceLiveConnection, flow: Flow, done: asyncio.Event) -> None:
    """Print the event flow as it happens; set `done` at response.done."""
    replying = False
    async for event in conn:
        flow.events += 1
        if isinstance(event, InputAudioBufferSpeechStarted):
            print(f"{flow.stamp()} speech started   (audio_start_ms={event.audio_start_ms})")
        elif isinstance(event, InputAudioBufferSpeechStopped):
            flow.speech_stopped_at = time.monotonic()
            print(f"{flow.stamp()} speech stopped   (audio_end_ms={event.audio_end_ms})")
        elif isinstance(event, InputAudioTranscriptionCompleted):
            flow.transcript = event.transcript
            print(f'{flow.stamp()} transcript       "{flow.transcript}"')
        elif isinstance(event, ResponseCreated):
            print(f"{flow.stamp()} response started")
        elif isinstance(event, ResponseAudioTranscriptDelta):
            if not replying:
                print(f"{flow.stamp()} reply            ", end="")
                replying = True
            print(event.delta, end="", flush=True)
            flow.reply += event.delta
        elif isinstance(event, ResponseAudioDelta):
            if flow.first_audio_at is None:
                flow.first_audio_at = time.monotonic()
            flow.reply_audio += decode_audio_delta(event)
        elif isinstance(event, ResponseDone):
            if replying:
                print()
            print(f"{flow.stamp()} response done    ({event.response.status})")
            done.set()
            return
        elif isinstance(event, ErrorEvent):
            print(f"{flow.stamp()} error            {event.error.message}")


async def run(args: argparse.Namespace) -> int:
    """Start the emulator, hold one turn, write the reply, stop everything."""
    now = datetime.now().strftime("%H:%M")
    scenario = {
        "utterances": [args.text],
        "rules": [{"match": "time", "reply": f"It is {now} in the kitchen, and all is quiet."}],
        "default_reply": "I heard: {text}",
    }
    out = Path(args.out)
    utterance_path = out.with_name("demo-utterance.wav")
    await make_utterance(args.text, utterance_path)
    pcm = read_wav(utterance_path)
    print(f'utterance: "{args.text}" ({len(pcm) / (RATE * 2):.1f} s, {utterance_path})')
    flow = Flow()
    async with Emulator(scenario=scenario, api_key="demo-key") as emulator:
        print(f"emulator:  {emulator.url}/voice-live/realtime")
        conn = await connect(emulator.url, api_key="demo-key", model="gpt-realtime")
        try:
            created = await conn.recv()
            print(f"{flow.stamp()} {created.type}")
            transcription = RealtimeAudioInputTranscriptionSettings(model="azure-speech")
            await conn.send(
                SessionUpdate(
                    session=RealtimeRequestSession(input_audio_transcription=transcription)
                )
            )
            done = asyncio.Event()
            printer = asyncio.create_task(print_events(conn, flow, done))
            sender = asyncio.create_task(stream_in_real_time(conn, pcm, done, args.speed))
            try:
                await asyncio.wait_for(printer, timeout=60)
            finally:
                done.set()
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
        finally:
            await conn.close()
    write_wav(out, bytes(flow.reply_audio))
    reply_s = len(flow.reply_audio) / (RATE * 2)
    print("\nsummary")
    print(f'  heard:    "{flow.transcript}"')
    print(f'  replied:  "{flow.reply}"')
    print(f"  audio:    {reply_s:.1f} s of reply audio written to {out}")
    if flow.speech_stopped_at is not None and flow.first_audio_at is not None:
        latency = (flow.first_audio_at - flow.speech_stopped_at) * 1000
        print(f"  latency:  {latency:.0f} ms from end of speech to the first reply audio")
    print(f"  events:   {flow.events} server events")
    return 0 if flow.reply else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m emulator.demo`."""
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__)
    parser.add_argument("--text", default="what time is it in the kitchen", help="what to say")
    parser.add_argument("--out", default="out/demo-reply.wav", help="where the reply audio goes")
    parser.add_argument(
        "--speed", type=float, default=1.0, help="stream the utterance at N x real time"
    )
    args = parser.parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
