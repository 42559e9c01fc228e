"""Run the PyAudio backend against whatever PortAudio opens as the default device; print JSON.

The test runs this in a subprocess whose HOME holds an `.asoundrc` (ALSA reads it when PortAudio
initialises, so it must be set before the process starts). Prints one JSON line: either the
results, or {"skip": reason} when PortAudio cannot open a stream here.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time

from firmware_client.audio.pyaudio_backend import PyAudioBackend


async def main(mic_rate: int, mic_channels: int, want_bytes: int, pattern: bytes) -> None:
    loop_thread = threading.get_ident()
    chunks: list[bytes] = []
    off_loop = 0

    def sink(chunk: bytes) -> None:
        nonlocal off_loop
        if threading.get_ident() != loop_thread:
            off_loop += 1
        chunks.append(chunk)

    backend = PyAudioBackend(mic_rate=mic_rate, mic_channels=mic_channels, speaker_rate=24000)
    backend.playback.write(pattern)
    try:
        await backend.start(sink)
    except OSError as exc:
        print(json.dumps({"skip": f"PortAudio could not open a stream: {exc}"}))
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (  # noqa: ASYNC110 - two threads fill these
        sum(map(len, chunks)) < want_bytes or backend.playback.pending_bytes
    ):
        await asyncio.sleep(0.01)
    await backend.stop()
    mic = b"".join(chunks)
    print(
        json.dumps(
            {
                "mic_hex": mic[:want_bytes].hex(),
                "mic_bytes": len(mic),
                "off_loop_calls": off_loop,
                "mic_blocks": backend.mic_blocks,
                "speaker_blocks": backend.speaker_blocks,
                "played_bytes": backend.playback.total_played_bytes,
                "pending": backend.playback.pending_bytes,
            }
        )
    )


if __name__ == "__main__":
    with open(sys.argv[4], "rb") as handle:
        ramp = handle.read()
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), ramp))
