"""Standalone mode against the emulator: wake word, command, reply audio in the speaker WAV."""

from __future__ import annotations

import base64
from pathlib import Path

import msgspec
import numpy as np
from voicelive.audio import resample
from voicelive.events import InputAudioBufferAppend, SessionUpdate
from voicelive.models import AzureDeepNoiseSuppression, ServerEchoCancellation

from emulator import Emulator

from .conftest import command_pcm, run_wav_satellite, wav_options
from .speech import read_wav, speech_spans, write_wav


async def test_reply_audio_reaches_the_speaker(tmp_path: Path, emulator: Emulator) -> None:
    options = wav_options(tmp_path, command_pcm(), endpoint=emulator.url)
    app = await run_wav_satellite(options)

    assert len(emulator.sessions) == 1
    session = emulator.sessions[0]
    # The satellite's session settings: format, rate, noise suppression, echo cancellation.
    update = session.received[0]
    assert isinstance(update, SessionUpdate)
    assert update.session.input_audio_format == "pcm16"
    assert update.session.input_audio_sampling_rate == 24000
    assert isinstance(update.session.input_audio_noise_reduction, AzureDeepNoiseSuppression)
    assert isinstance(update.session.input_audio_echo_cancellation, ServerEchoCancellation)
    # The emulator heard one utterance and answered it with speech.
    sent = [event.type for event in session.sent]
    assert "input_audio_buffer.speech_started" in sent
    assert sent.count("response.done") == 1
    reply_audio = b"".join(
        base64.b64decode(e.delta) for e in session.sent if e.type == "response.audio.delta"
    )
    assert len(reply_audio) / 48 > 1000  # 24 kHz PCM16: 48 bytes per ms
    (sent_span,) = speech_spans(reply_audio, 24000)

    # The speaker WAV holds the wake chime, the spoken reply (as long as the emulator sent), and
    # the end chime, in that order.
    pcm, rate = read_wav(tmp_path / "speaker.wav")
    spans = speech_spans(pcm, rate)
    assert len(spans) == 3, spans
    chime, reply, end = spans
    assert chime[1] - chime[0] < 300
    # The whole spoken reply was played (a short underrun gap may stretch it a little).
    assert 0 <= (reply[1] - reply[0]) - (sent_span[1] - sent_span[0]) <= 100
    assert end[1] - end[0] < 300
    assert app.satellite.history[0].end_reason == "follow-up window closed"
    # After the conversation the session is closed: no paid session is left open.
    assert emulator.active_session_count == 0


async def test_settings_flags_turn_off_noise_reduction_and_echo_cancellation(
    tmp_path: Path, emulator: Emulator
) -> None:
    options = wav_options(
        tmp_path,
        command_pcm(tail=1.0),
        endpoint=emulator.url,
        noise_reduction=False,
        echo_cancellation=False,
        input_rate=16000,
        follow_up_seconds=0.5,
    )
    await run_wav_satellite(options)

    update = emulator.sessions[0].received[0]
    assert isinstance(update, SessionUpdate)
    assert update.session.input_audio_sampling_rate == 16000
    assert update.session.input_audio_noise_reduction is msgspec.UNSET
    assert update.session.input_audio_echo_cancellation is msgspec.UNSET
    appended = [e for e in emulator.sessions[0].received if isinstance(e, InputAudioBufferAppend)]
    # 16 kHz PCM16: 32 bytes per ms.
    total_ms = sum(len(base64.b64decode(e.audio)) for e in appended) / 32
    assert total_ms > 1000


async def test_g711_input(tmp_path: Path, emulator: Emulator) -> None:
    options = wav_options(tmp_path, command_pcm(), endpoint=emulator.url, input_format="g711_ulaw")
    await run_wav_satellite(options)

    session = emulator.sessions[0]
    update = session.received[0]
    assert isinstance(update, SessionUpdate)
    assert update.session.input_audio_format == "g711_ulaw"
    assert [e.type for e in session.sent].count("response.done") == 1


async def test_a_48khz_stereo_mic_and_a_48khz_speaker(tmp_path: Path, emulator: Emulator) -> None:
    # The device formats a USB headset may have: both conversions run, the result is the same.
    mono16 = np.frombuffer(resample(command_pcm(), 16000, 48000), dtype="<i2")
    stereo48 = np.stack([mono16, mono16], axis=1).tobytes()
    options = wav_options(
        tmp_path, b"", endpoint=emulator.url, speaker_rate=48000, follow_up_seconds=1.0
    )
    write_wav(tmp_path / "mic.wav", stereo48, rate=48000, channels=2)
    app = await run_wav_satellite(options)

    assert app.satellite.wakes == 1
    (session,) = emulator.sessions
    assert [e.type for e in session.sent].count("response.done") == 1
    speaker, rate = read_wav(tmp_path / "speaker.wav")
    assert rate == 48000
    assert len(speech_spans(speaker, rate)) == 3  # chime, reply, end chime
