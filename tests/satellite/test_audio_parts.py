"""The small audio parts: jitter buffer, mic conversion, chimes, device lookup, session settings."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from voicelive.codec import serialize_event, to_dict

from firmware_client import chimes
from firmware_client.audio.capture import MicConverter
from firmware_client.audio.devices import DeviceInfo, find_device, format_devices
from firmware_client.audio.playback import PlaybackBuffer, PlaybackTag
from firmware_client.settings import AudioSettings


def test_playback_counts_what_was_handed_to_the_speaker_per_item() -> None:
    buffer = PlaybackBuffer(24000)
    first, second = PlaybackTag("item_a", 0), PlaybackTag("item_b", 0)
    buffer.write(b"\x01\x00" * 2400, first)  # 100 ms
    buffer.write(b"\x02\x00" * 4800, second)  # 200 ms
    out = buffer.read(2 * 3600)  # 150 ms: all of the first, half of the second's first 100 ms
    assert out[: 2 * 2400] == b"\x01\x00" * 2400
    assert out[2 * 2400 :] == b"\x02\x00" * 1200
    assert buffer.played_ms(first) == 100
    assert buffer.played_ms(second) == 50
    assert buffer.queued_ms(second) == 200
    assert buffer.clear() == 2 * 3600  # barge-in drops the 150 ms not yet played
    assert buffer.read(8) == bytes(8)  # silence from the next block on
    assert buffer.played_ms(second) == 50  # dropped audio was never played
    with pytest.raises(ValueError, match="even number"):
        buffer.write(b"\x00")


def test_playback_is_safe_between_threads() -> None:
    buffer = PlaybackBuffer(16000)
    tag = PlaybackTag("item", 0)
    total = 200 * 320

    def writer() -> None:
        for _ in range(200):
            buffer.write(b"\x01\x00" * 160, tag)

    thread = threading.Thread(target=writer)
    thread.start()
    got = 0
    while got < total:
        got += buffer.read_into(bytearray(100))
    thread.join()
    assert got == total
    assert buffer.played_ms(tag) == 200 * 10
    assert buffer.pending_bytes == 0


def test_mic_converter_makes_mono_frames_at_the_session_rate() -> None:
    converter = MicConverter(device_rate=48000, channels=2, rate=24000)
    t = np.arange(48000) / 48000
    tone = (8000 * np.sin(2 * np.pi * 300 * t)).astype("<i2")
    stereo = np.stack([tone, tone], axis=1).tobytes()
    frames: list[bytes] = []
    # Odd chunk sizes, even cutting a sample in half: nothing is lost or misaligned.
    for start in range(0, len(stereo), 1001):
        frames += converter.process(stereo[start : start + 1001])
    assert {len(f) for f in frames} == {converter.frame_bytes} == {960}
    mono = np.frombuffer(b"".join(frames), dtype="<i2").astype(np.float64)
    assert len(mono) >= 23000
    spectrum = np.abs(np.fft.rfft(mono))
    assert np.fft.rfftfreq(len(mono), 1 / 24000)[np.argmax(spectrum)] == pytest.approx(300, abs=2)


def test_chimes_are_short_and_distinct() -> None:
    wake, end = chimes.wake_chime(24000), chimes.end_chime(24000)
    for chime in (wake, end, chimes.error_chime(24000)):
        assert 0.1 < len(chime) / 48000 < 0.4
        samples = np.frombuffer(chime, dtype="<i2")
        assert 5000 < np.abs(samples).max() < 12000
        assert abs(int(samples[0])) < 200 and abs(int(samples[-1])) < 200  # faded: no click
    assert wake != end


def test_devices_are_found_by_index_or_name() -> None:
    devices = [
        DeviceInfo(0, "bcm2835 Headphones: - (hw:0,0)", "ALSA", 0, 8, 44100),
        DeviceInfo(1, "USB PnP Sound Device: Audio (hw:1,0)", "ALSA", 1, 2, 48000),
        DeviceInfo(2, "default", "ALSA", 128, 128, 44100),
    ]
    assert find_device(devices, None, output=False) is None
    assert find_device(devices, "usb", output=False) == 1
    assert find_device(devices, "1", output=True) == 1
    assert find_device(devices, "headphones", output=True) == 0
    with pytest.raises(ValueError, match="no input device"):
        find_device(devices, "headphones", output=False)
    with pytest.raises(ValueError, match="several"):
        find_device(devices, "a", output=True)
    assert "USB PnP" in format_devices(devices)
    assert "no audio devices found" in format_devices([])


def test_session_settings_are_schema_valid() -> None:
    update = AudioSettings.build().session_update()
    serialize_event(update, validate=True)  # what the satellite sends passes the strict schema
    assert to_dict(update)["session"] == {
        "input_audio_format": "pcm16",
        "output_audio_format": "pcm16",
        "input_audio_sampling_rate": 24000,
        "input_audio_noise_reduction": {"type": "azure_deep_noise_suppression"},
        "input_audio_echo_cancellation": {"type": "server_echo_cancellation"},
    }
    g711 = AudioSettings.build(input_format="g711_alaw", noise_reduction=False)
    assert to_dict(g711.session_update())["session"] == {
        "input_audio_format": "g711_alaw",
        "output_audio_format": "pcm16",
        "input_audio_echo_cancellation": {"type": "server_echo_cancellation"},
    }
    assert g711.capture_rate == 8000
    with pytest.raises(ValueError):
        AudioSettings.build(input_format="pcm16", input_rate=8000)
    with pytest.raises(ValueError):
        AudioSettings.build(input_format="opus")
