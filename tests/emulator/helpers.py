"""Helpers for the emulator tests: reading events until a type, making speech, streaming it."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from voicelive import to_dict
from voicelive.audio import b64encode, encode_wire
from voicelive.client import VoiceLiveConnection
from voicelive.codec import AnyServerEvent
from voicelive.events import InputAudioBufferAppend

from emulator.tts import SpeechSynthesizer

_synth = SpeechSynthesizer()


async def read_until(
    conn: VoiceLiveConnection, last_type: str, *, limit_s: float = 10.0
) -> list[AnyServerEvent]:
    """Every event up to and including the first of type `last_type`."""
    events: list[AnyServerEvent] = []
    async with asyncio.timeout(limit_s):
        while True:
            event = await conn.recv()
            events.append(event)
            if event.type == last_type:
                return events


def types(events: list[AnyServerEvent], *, skip_audio: bool = False) -> list[str]:
    """The event types, optionally without the (numerous) audio deltas."""
    out = [e.type for e in events]
    if skip_audio:
        out = [t for t in out if t != "response.audio.delta"]
    return out


def collapse(names: list[str]) -> list[str]:
    """Consecutive repeats folded into one, so a stream of deltas reads as one step."""
    out: list[str] = []
    for name in names:
        if not out or out[-1] != name:
            out.append(name)
    return out


def as_dict(event: AnyServerEvent) -> dict[str, Any]:
    """The event as plain JSON data."""
    return to_dict(event)


async def speech(text: str, *, lead_ms: int = 300, tail_ms: int = 900) -> bytes:
    """Real espeak-ng speech of `text` at 24 kHz PCM16, with silence around it."""
    pcm = await _synth.synthesize(text)
    lead = bytes(24 * 2 * lead_ms)
    tail = bytes(24 * 2 * tail_ms)
    return lead + pcm + tail


def silence(ms: int, rate: int = 24000) -> bytes:
    """PCM16 silence."""
    return bytes(rate * 2 * ms // 1000)


def tone(ms: int, freq: float = 440.0, rate: int = 24000, level: float = 0.3) -> bytes:
    """A loud sine tone that any VAD reads as speech."""
    t = np.arange(rate * ms // 1000) / rate
    return (level * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()


async def stream(
    conn: VoiceLiveConnection,
    pcm24: bytes,
    *,
    fmt: str = "pcm16",
    rate: int = 24000,
    frame_ms: int = 20,
) -> None:
    """Send 24 kHz PCM16 as appends in the session's input format, as fast as possible."""
    wire = encode_wire(pcm24, 24000, fmt, pcm16_rate=rate)
    width = 1 if fmt.startswith("g711") else 2
    wire_rate = 8000 if fmt.startswith("g711") else rate
    frame = wire_rate * width * frame_ms // 1000
    for start in range(0, len(wire), frame):
        await conn.send(InputAudioBufferAppend(audio=b64encode(wire[start : start + frame])))
