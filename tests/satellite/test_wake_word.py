"""The wake word gates the stream: nothing leaves the satellite before it is heard."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from voicelive.audio import resample, split_frames
from voicelive.events import InputAudioBufferAppend, SessionUpdate

from emulator import Emulator
from firmware_client.wakeword import MicroWakeWordDetector, make_detector

from .conftest import command_pcm, run_wav_satellite, wav_options
from .speech import RATE, say, silence, speech_spans


def _detect(detector: MicroWakeWordDetector, pcm16k: bytes, rate: int) -> list[int]:
    """Feed `pcm16k` (resampled to `rate`) in 20 ms frames; the ms at which the model fired."""
    audio = resample(pcm16k, RATE, rate)
    frame = rate * 2 // 50
    return [i * 20 for i, chunk in enumerate(split_frames(audio, frame)) if detector.process(chunk)]


@pytest.mark.parametrize("rate", [16000, 24000])
def test_espeak_okay_nabu_triggers_the_real_model(rate: int) -> None:
    detector = make_detector("okay_nabu", rate=rate)
    assert detector is not None
    try:
        wake = silence(0.5) + say("okay nabu") + silence(0.5)
        hits = _detect(detector, wake, rate)
        assert hits, "espeak-ng's 'okay nabu' did not pass the okay_nabu cutoff"
        # It fires at the end of the phrase, not before it was said.
        assert hits[0] >= 500 + len(say("okay nabu")) // 32 - 300
        detector.reset()
        assert _detect(detector, silence(0.5) + say("turn on the kitchen light"), rate) == []
    finally:
        detector.close()


def test_none_means_no_detector() -> None:
    assert make_detector("none", rate=24000) is None
    with pytest.raises(ValueError, match="unknown wake word"):
        make_detector("hey_google", rate=24000)


async def test_no_wake_word_means_no_session(tmp_path: Path, emulator: Emulator) -> None:
    options = wav_options(tmp_path, command_pcm(wake=False), endpoint=emulator.url)
    app = await run_wav_satellite(options)

    assert app.satellite.frames_heard > 100  # it did listen to the whole file
    assert app.satellite.wakes == 0
    assert emulator.sessions == []  # not a single connection, let alone audio


async def test_audio_before_the_wake_word_is_not_sent(tmp_path: Path, emulator: Emulator) -> None:
    # Chatter first, then the wake word, then the command.
    chatter = say("what a lovely day it is today") + silence(0.6)
    pcm = silence(0.3) + chatter + command_pcm()
    options = wav_options(tmp_path, pcm, endpoint=emulator.url)
    app = await run_wav_satellite(options)

    assert app.satellite.wakes == 1
    (session,) = emulator.sessions
    assert isinstance(session.received[0], SessionUpdate)
    appended = [e for e in session.received if isinstance(e, InputAudioBufferAppend)]
    sent_ms = sum(len(base64.b64decode(e.audio)) for e in appended) / 48  # 24 kHz PCM16
    heard_ms = app.satellite.frames_heard * 20
    before_wake = silence(0.3) + chatter + silence(0.5)
    wake_end_ms = len(before_wake) / 32 + speech_spans(say("okay nabu"), RATE)[-1][1]
    # Everything sent was heard after the wake word (detection lags the phrase's end a little).
    assert sent_ms <= heard_ms - wake_end_ms + 40
    assert sent_ms >= heard_ms - wake_end_ms - 600
    # The emulator heard exactly one utterance (the command), not the chatter or the wake word.
    assert [e.type for e in session.sent].count("input_audio_buffer.speech_started") == 1
