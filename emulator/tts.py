"""Reply audio: real speech from espeak-ng, or a clearly synthetic tone sequence without it.

espeak-ng runs as a subprocess through asyncio (never blocking the event loop); its 22.05 kHz
WAV is resampled once to 24 kHz PCM16 and cached by text, so a benchmark or a long session that
repeats replies pays for synthesis once. The session encodes the cached audio to its own output
format and rate.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import struct
from collections import OrderedDict
from functools import partial
from typing import Any

import numpy as np
from voicelive.audio import resample

_LOGGER = logging.getLogger(__name__)

RATE = 24000  # the rate of the cached PCM16 speech
CACHE_SIZE = 256
ESPEAK = "espeak-ng"


def parse_wav(data: bytes) -> tuple[bytes, int]:
    """PCM16 mono samples and rate of a WAV, tolerating espeak's streaming header sizes."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    pos = 12
    rate = 0
    channels = 1
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        size = struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if chunk_id == b"fmt ":
            _fmt, channels, rate = struct.unpack_from("<HHI", data, body)
            bits = struct.unpack_from("<H", data, body + 14)[0]
            if bits != 16:
                raise ValueError(f"only 16-bit WAV is supported, not {bits}-bit")
        elif chunk_id == b"data":
            end = len(data) if size in (0, 0xFFFFFFFF, 0x7FFFFFFF) else body + size
            pcm = data[body : min(end, len(data))]
            pcm = pcm[: len(pcm) - len(pcm) % (2 * channels)]
            if channels > 1:
                frames = np.frombuffer(pcm, dtype="<i2").reshape(-1, channels)
                pcm = frames.mean(axis=1).astype("<i2").tobytes()
            return pcm, rate
        pos = body + size + (size & 1)
    raise ValueError("WAV has no data chunk")


def tone_sequence(text: str, rate: int = RATE) -> bytes:
    """A beep per word (pitch from the word), so that audio without espeak-ng is obviously fake."""
    words = text.split() or ["."]
    out: list[np.ndarray[Any, Any]] = []
    gap = np.zeros(int(rate * 0.06), dtype=np.float32)
    for word in words:
        freq = 440.0 + (sum(map(ord, word)) % 12) * 40.0
        length = int(rate * min(0.4, 0.08 + 0.05 * len(word)))
        t = np.arange(length, dtype=np.float32) / rate
        envelope = np.minimum(1.0, np.minimum(t, t[::-1]) * 100.0)
        out += [0.3 * envelope * np.sin(2 * np.pi * freq * t), gap]
    data: bytes = (np.concatenate(out) * 32767).astype("<i2").tobytes()
    return data


class SpeechSynthesizer:
    """Text to 24 kHz PCM16 speech, cached by (text, voice)."""

    def __init__(self, *, use_espeak: bool | None = None, cache_size: int = CACHE_SIZE) -> None:
        self.espeak_path = shutil.which(ESPEAK) if use_espeak in (None, True) else None
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._cache_size = cache_size
        self._inflight: dict[tuple[str, str], asyncio.Task[bytes]] = {}

    @property
    def real_speech(self) -> bool:
        """True when replies are spoken by espeak-ng rather than tones."""
        return self.espeak_path is not None

    async def synthesize(self, text: str, voice: str = "en-us") -> bytes:
        """PCM16 mono at 24 kHz for `text`.

        Synthesis runs in its own task, shielded, so that a cancelled response does not waste
        (or break) a rendering that another session may be waiting for.
        """
        key = (text, voice)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._render(text, voice))
            self._inflight[key] = task
            task.add_done_callback(partial(self._store, key))
        return await asyncio.shield(task)

    def _store(self, key: tuple[str, str], task: asyncio.Task[bytes]) -> None:
        self._inflight.pop(key, None)
        if task.cancelled() or task.exception() is not None:
            return
        self._cache[key] = task.result()
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def close(self) -> None:
        """Let renderings still running finish (they take a fraction of a second), then stop."""
        tasks = list(self._inflight.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=5.0)
        for task in pending:
            task.cancel()
        for task in tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                _LOGGER.debug("a speech rendering failed while stopping", exc_info=True)

    async def _render(self, text: str, voice: str) -> bytes:
        if self.espeak_path is None or not text.strip():
            return tone_sequence(text)
        proc = await asyncio.create_subprocess_exec(
            self.espeak_path,
            "--stdout",
            "-v",
            voice,
            "-s",
            "170",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            stdout, stderr = await proc.communicate(text.encode())
        except BaseException:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
        if proc.returncode != 0:
            _LOGGER.warning("espeak-ng failed (%s): %s", proc.returncode, stderr.decode()[:200])
            return tone_sequence(text)
        pcm, rate = parse_wav(stdout)
        return resample(pcm, rate, RATE)
