"""What the session logic needs from an audio backend, whichever device is behind it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .playback import PlaybackBuffer

#: Receives raw mic bytes (device rate, device channels, PCM16) on the asyncio loop.
MicSink = Callable[[bytes], None]


class AudioBackend(Protocol):
    """A microphone and a speaker.

    `start` begins capture and playback; mic chunks go to `sink` on the event loop (a real device
    calls it through `loop.call_soon_threadsafe`), and the speaker plays from `playback`.
    """

    mic_rate: int
    mic_channels: int
    playback: PlaybackBuffer

    async def start(self, sink: MicSink) -> None:
        """Open the devices and start streaming."""
        ...

    async def stop(self) -> None:
        """Stop streaming and release the devices. Safe to call twice."""
        ...
