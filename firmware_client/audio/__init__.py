"""Audio in and out: a PyAudio backend for real devices and a WAV-file backend for tests and demos.

Both hand mic audio to asyncio as raw device bytes and play from one thread-safe `PlaybackBuffer`,
so the session logic never knows which one it runs on.
"""

from .backend import AudioBackend, MicSink
from .capture import MicConverter
from .playback import PlaybackBuffer, PlaybackTag

__all__ = ["AudioBackend", "MicConverter", "MicSink", "PlaybackBuffer", "PlaybackTag"]
