"""Barge-in: talking over the reply stops playback and truncates at the milliseconds played."""

from __future__ import annotations

import base64
from pathlib import Path

from voicelive.events import ConversationItemTruncate, ConversationItemTruncated

from emulator import Emulator

from .conftest import command_pcm, run_wav_satellite, wav_options
from .speech import loud, read_wav, say, silence, speech_spans


async def test_barge_in_truncates_at_the_played_milliseconds(
    tmp_path: Path, emulator: Emulator
) -> None:
    # The reply starts about 0.5 s after the command (the VAD's silence) and lasts about 2 s;
    # "stop" comes 1.5 s after the command, in the middle of it.
    pcm = command_pcm(tail=1.5) + loud(say("stop"), 1.5) + silence(3.0)
    options = wav_options(tmp_path, pcm, endpoint=emulator.url, speed=4.0)
    app = await run_wav_satellite(options)

    conversation = app.satellite.history[0]
    (truncate,) = conversation.truncations
    (session,) = emulator.sessions
    # What the satellite sent is what the emulator got, and the emulator confirmed it.
    received = [e for e in session.received if isinstance(e, ConversationItemTruncate)]
    assert received == [truncate]
    (truncated,) = [e for e in session.sent if isinstance(e, ConversationItemTruncated)]
    assert truncated.item_id == truncate.item_id
    assert truncated.audio_end_ms == truncate.audio_end_ms
    # The first reply was cut in the middle.
    first_reply = b"".join(
        base64.b64decode(e.delta)
        for e in session.sent
        if e.type == "response.audio.delta" and e.item_id == truncate.item_id
    )
    sent_ms = len(first_reply) / 48
    assert 200 < truncate.audio_end_ms < sent_ms - 200
    # The speaker really played that much of the reply, and not a frame more: its span in the
    # speaker WAV (the reply has no leading silence) is as long as audio_end_ms.
    speaker, rate = read_wav(tmp_path / "speaker.wav")
    spans = speech_spans(speaker, rate)
    chime, reply = spans[0], spans[1]
    assert chime[1] - chime[0] < 300
    assert abs((reply[1] - reply[0]) - truncate.audio_end_ms) <= 40
    # The emulator then answered "stop", and that reply was played after the cut.
    assert [e.type for e in session.sent].count("response.done") == 2
    assert len(spans) >= 3
