"""Parse and serialize throughput of `voicelive` against the official azure-ai-voicelive SDK.

A realistic mix, as one spoken reply brings it: mostly `response.audio.delta` (40 ms of 24 kHz
PCM16, 1920 bytes, 2560 characters of base64), transcript deltas, the item and response events
around them (`response.done` with usage), `input_audio_buffer.speech_started` and
`session.updated`; and the client side's `input_audio_buffer.append` (40 ms frames) with a
`session.update`.

Each library does what it does on a live connection:

* parse, server events: ours `parse_server_event(text, strict=False)` (what `VoiceLiveConnection`
  calls); the SDK's `ServerEvent._deserialize(json.loads(raw), [])`, exactly what its
  `aio/_patch.py` `recv()` calls;
* parse, client events: ours `parse_client_event(text)` (strict, as the emulator reads them); the
  SDK's `ClientEvent._deserialize(json.loads(raw), [])`;
* serialize: ours `serialize_event(event)` (validated, as `send()` does) and
  `serialize_event(event, validate=False)` (as `forward()` does); the SDK's
  `json.dumps(event.as_dict())`, exactly what its `send()` calls.

The SDK's models are thin wrappers over the decoded dict that check nothing when built, while
ours validate every field at parse time; the "parse + read" rows also read each event's type and
main field, which is what a client does next and where the SDK's lazy models pay their cost.

Timing: time.perf_counter over the whole mix, a warm-up pass first, then `--repeats` rounds of
`--loops` passes each, the two libraries alternating round by round; the rates are the median
rounds and the ratio is the median of the per-round ratios. Nothing here is asserted.

Run: .venv/bin/python bench/codec.py [--repeats 7] [--loops 20]
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from azure.ai.voicelive.models import ClientEvent as SdkClientEvent  # noqa: E402
from azure.ai.voicelive.models import ServerEvent as SdkServerEvent  # noqa: E402
from voicelive import parse_client_event, parse_server_event, serialize_event  # noqa: E402
from voicelive.client import decode_audio_delta  # noqa: E402

AUDIO_40MS = base64.b64encode(bytes(i % 256 for i in range(1920))).decode()  # 24 kHz PCM16

USAGE = {
    "total_tokens": 1210,
    "input_tokens": 830,
    "output_tokens": 380,
    "input_token_details": {"cached_tokens": 512, "text_tokens": 310, "audio_tokens": 520},
    "output_token_details": {"text_tokens": 80, "audio_tokens": 300},
}
ASSISTANT_ITEM = {
    "id": "item_asst1",
    "type": "message",
    "object": "conversation.item",
    "role": "assistant",
    "content": [{"type": "audio", "transcript": "The kitchen light is on now."}],
    "status": "completed",
}
SESSION = {
    "object": "realtime.session",
    "id": "sess_1",
    "model": "gpt-4o",
    "modalities": ["text", "audio"],
    "instructions": "You are the voice of a smart home. Be brief.",
    "voice": {"type": "azure-standard", "name": "en-US-AvaNeural", "temperature": 0.8},
    "input_audio_sampling_rate": 24000,
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "turn_detection": {
        "type": "azure_semantic_vad",
        "threshold": 0.3,
        "prefix_padding_ms": 200,
        "silence_duration_ms": 350,
        "remove_filler_words": False,
    },
    "temperature": 0.8,
    "max_response_output_tokens": "inf",
}


def _part(**fields: Any) -> dict[str, Any]:
    return {
        "response_id": "resp_1",
        "item_id": "item_asst1",
        "output_index": 0,
        "content_index": 0,
        **fields,
    }


def server_mix() -> list[dict[str, Any]]:
    """One spoken reply of 3 s: 75 audio deltas, 20 transcript deltas, the events around them."""
    events: list[dict[str, Any]] = [
        {"type": "session.updated", "event_id": "evt_0", "session": SESSION},
        {
            "type": "input_audio_buffer.speech_started",
            "event_id": "evt_1",
            "audio_start_ms": 1820,
            "item_id": "item_user1",
        },
        {
            "type": "conversation.item.created",
            "event_id": "evt_2",
            "previous_item_id": "item_sys",
            "item": {
                "id": "item_user1",
                "type": "message",
                "object": "conversation.item",
                "role": "user",
                "content": [{"type": "input_audio", "transcript": "turn on the kitchen light"}],
                "status": "completed",
            },
        },
        {
            "type": "response.created",
            "event_id": "evt_3",
            "response": {
                "id": "resp_1",
                "object": "realtime.response",
                "status": "in_progress",
                "output": [],
            },
        },
        {
            "type": "response.output_item.added",
            "event_id": "evt_4",
            "response_id": "resp_1",
            "output_index": 0,
            "item": {**ASSISTANT_ITEM, "content": [], "status": "in_progress"},
        },
    ]
    for index in range(75):
        events.append(
            {"type": "response.audio.delta", "event_id": f"evt_a{index}", **_part(delta=AUDIO_40MS)}
        )
        if index % 4 == 0 and index < 80:
            events.append(
                {
                    "type": "response.audio_transcript.delta",
                    "event_id": f"evt_t{index}",
                    **_part(delta="kitchen "),
                }
            )
    events += [
        {
            "type": "response.output_item.done",
            "event_id": "evt_5",
            "response_id": "resp_1",
            "output_index": 0,
            "item": ASSISTANT_ITEM,
        },
        {
            "type": "response.done",
            "event_id": "evt_6",
            "response": {
                "id": "resp_1",
                "object": "realtime.response",
                "status": "completed",
                "output": [ASSISTANT_ITEM],
                "usage": USAGE,
            },
        },
    ]
    return events


def client_mix() -> list[dict[str, Any]]:
    """What a satellite sends over 4 s: a session.update and 100 appends of 40 ms."""
    events: list[dict[str, Any]] = [
        {
            "type": "session.update",
            "session": {
                "modalities": ["text", "audio"],
                "instructions": "You are the voice of a smart home. Be brief.",
                "voice": {"type": "azure-standard", "name": "en-US-AvaNeural"},
                "input_audio_format": "pcm16",
                "output_audio_format": "pcm16",
                "input_audio_noise_reduction": {"type": "azure_deep_noise_suppression"},
                "input_audio_echo_cancellation": {"type": "server_echo_cancellation"},
                "turn_detection": {"type": "azure_semantic_vad", "silence_duration_ms": 350},
                "tools": [
                    {
                        "type": "function",
                        "name": "HassTurnOn",
                        "description": "Turns on a device",
                        "parameters": {
                            "type": "object",
                            "properties": {"name": {"type": "string"}},
                        },
                    }
                ],
                "tool_choice": "auto",
            },
        }
    ]
    events += [{"type": "input_audio_buffer.append", "audio": AUDIO_40MS} for _ in range(100)]
    return events


def read_server(event: Any) -> Any:
    """What a client reads next: the type, and the main payload of the frequent events.

    The SDK decodes an audio delta's base64 when its `delta` is read; ours is decoded with the
    package's `decode_audio_delta`, so both sides end with the PCM bytes to play.
    """
    kind = event.type
    if kind == "response.audio.delta":
        return event.delta if isinstance(event.delta, bytes) else decode_audio_delta(event)
    if kind == "response.audio_transcript.delta":
        return event.delta
    if kind == "response.done":
        return event.response.usage.total_tokens
    return kind


def read_client(event: Any) -> Any:
    if event.type == "input_audio_buffer.append":
        return event.audio
    return event.session.instructions


def _time(fn: Callable[[], object], loops: int) -> float:
    gc.collect()  # each round starts from the same heap, whichever library ran before
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return time.perf_counter() - start


def compare(
    ours: Callable[[], object], sdk: Callable[[], object], count: int, repeats: int, loops: int
) -> tuple[float, float, float]:
    """Events per second of each (median round) and the median of the per-round ratios.

    The two libraries alternate round by round, so that a busy moment of the machine falls on
    both alike.
    """
    ours()
    sdk()  # warm-up
    ours_times, sdk_times = [], []
    for _ in range(repeats):
        ours_times.append(_time(ours, loops))
        sdk_times.append(_time(sdk, loops))
    ratio = statistics.median(s / o for o, s in zip(ours_times, sdk_times, strict=True))
    events = count * loops
    return events / statistics.median(ours_times), events / statistics.median(sdk_times), ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--loops", type=int, default=20)
    args = parser.parse_args()

    server_raw = [json.dumps(e) for e in server_mix()]
    client_raw = [json.dumps(e) for e in client_mix()]
    server_ours = [parse_server_event(r, strict=False) for r in server_raw]
    client_ours = [parse_client_event(r) for r in client_raw]
    server_sdk = [SdkServerEvent._deserialize(json.loads(r), []) for r in server_raw]
    client_sdk = [SdkClientEvent._deserialize(json.loads(r), []) for r in client_raw]

    # Both libraries read and write the same JSON objects.
    for raw, ours, sdk in zip(server_raw, server_ours, server_sdk, strict=True):
        assert json.loads(serialize_event(ours)) == json.loads(raw) == sdk.as_dict()
        assert read_server(ours) == read_server(sdk)
    for raw, ours, sdk in zip(client_raw, client_ours, client_sdk, strict=True):
        assert json.loads(serialize_event(ours)) == json.loads(raw) == sdk.as_dict()
        assert read_client(ours) == read_client(sdk)

    def run(label: str, count: int, ours: Callable[[], object], sdk: Callable[[], object]) -> None:
        ours_rate, sdk_rate, ratio = compare(ours, sdk, count, args.repeats, args.loops)
        print(f"{label:<34} {ours_rate:>12,.0f} {sdk_rate:>12,.0f} {ratio:>8.1f}x")

    mean_server = sum(map(len, server_raw)) / len(server_raw)
    print(
        f"server mix: {len(server_raw)} events (75 response.audio.delta of 40 ms), "
        f"{mean_server:,.0f} bytes on average; client mix: {len(client_raw)} events"
    )
    print(f"median of {args.repeats} rounds x {args.loops} passes, Python {sys.version.split()[0]}")
    print(f"{'events per second':<34} {'voicelive':>12} {'SDK 1.3.1':>12} {'ratio':>9}")
    run(
        "parse server events",
        len(server_raw),
        lambda: [parse_server_event(r, strict=False) for r in server_raw],
        lambda: [SdkServerEvent._deserialize(json.loads(r), []) for r in server_raw],
    )
    run(
        "parse + read server events",
        len(server_raw),
        lambda: [read_server(parse_server_event(r, strict=False)) for r in server_raw],
        lambda: [read_server(SdkServerEvent._deserialize(json.loads(r), [])) for r in server_raw],
    )
    run(
        "serialize server events (checked)",
        len(server_raw),
        lambda: [serialize_event(e) for e in server_ours],
        lambda: [json.dumps(e.as_dict()) for e in server_sdk],
    )
    run(
        "serialize server events (forward)",
        len(server_raw),
        lambda: [serialize_event(e, validate=False) for e in server_ours],
        lambda: [json.dumps(e.as_dict()) for e in server_sdk],
    )
    run(
        "parse client events",
        len(client_raw),
        lambda: [parse_client_event(r) for r in client_raw],
        lambda: [SdkClientEvent._deserialize(json.loads(r), []) for r in client_raw],
    )
    run(
        "parse + read client events",
        len(client_raw),
        lambda: [read_client(parse_client_event(r)) for r in client_raw],
        lambda: [read_client(SdkClientEvent._deserialize(json.loads(r), [])) for r in client_raw],
    )
    run(
        "serialize client events (checked)",
        len(client_raw),
        lambda: [serialize_event(e) for e in client_ours],
        lambda: [json.dumps(e.as_dict()) for e in client_sdk],
    )
    run(
        "serialize client events (forward)",
        len(client_raw),
        lambda: [serialize_event(e, validate=False) for e in client_ours],
        lambda: [json.dumps(e.as_dict()) for e in client_sdk],
    )


if __name__ == "__main__":
    main()
