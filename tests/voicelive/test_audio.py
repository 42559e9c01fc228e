"""Audio helpers: base64, durations, framing, G.711, resampling (checked by FFT), wire formats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from voicelive import audio

RATES = (8000, 16000, 24000)


def sine(freq: float, rate: int, ms: int = 500, amplitude: float = 0.5) -> bytes:
    """A PCM16 mono sine of `ms` milliseconds."""
    n = rate * ms // 1000
    t = np.arange(n) / rate
    return (np.sin(2 * np.pi * freq * t) * amplitude * 32767).astype("<i2").tobytes()


def samples(pcm16: bytes) -> np.ndarray:
    return np.frombuffer(pcm16, dtype="<i2").astype(np.float64)


def peak_hz(pcm16: bytes, rate: int) -> float:
    """The strongest frequency of a clip (Hann window, real FFT)."""
    x = samples(pcm16)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(np.argmax(spectrum))])


# --- base64 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x00\x01\x02", bytes(range(256)) * 8])
def test_base64_round_trip(data: bytes) -> None:
    text = audio.b64encode(data)
    assert isinstance(text, str)
    assert audio.b64decode(text) == data


@pytest.mark.parametrize("text", ["A", "AAA", "!!!!", "AA==AA==", "AAEC\n", "é"])
def test_invalid_base64_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not valid base64"):
        audio.b64decode(text)


# --- durations and framing ----------------------------------------------------------------------


def test_durations() -> None:
    assert audio.duration_ms(1920, 24000) == 40.0
    assert audio.duration_ms(640, 16000) == 20.0
    assert audio.duration_ms(160, 8000, sample_width=1) == 20.0
    assert audio.duration_ms(3840, 24000, channels=2) == 40.0
    assert audio.bytes_for_ms(40, 24000) == 1920
    assert audio.bytes_for_ms(20, 16000) == 640
    assert audio.bytes_for_ms(20, 8000, sample_width=1) == 160
    assert audio.bytes_for_ms(0.05, 24000) == 2  # rounded down to whole frames
    assert audio.bytes_for_ms(10, 24000, channels=2) == 960
    assert audio.wire_duration_ms(160, "g711_ulaw") == 20.0
    assert audio.wire_duration_ms(160, "g711_alaw") == 20.0
    assert audio.wire_duration_ms(1920, "pcm16") == 40.0
    assert audio.wire_duration_ms(640, "pcm16", rate=16000) == 20.0
    assert audio.wire_duration_ms(320, "pcm16_8000hz") == 20.0
    assert audio.wire_duration_ms(640, "pcm16_16000hz") == 20.0


def test_split_frames() -> None:
    data = bytes(range(10))
    assert list(audio.split_frames(data, 4)) == [data[0:4], data[4:8], data[8:10]]
    assert list(audio.split_frames(b"", 4)) == []
    with pytest.raises(ValueError):
        list(audio.split_frames(data, 0))


def test_frame_buffer_keeps_every_byte_in_order() -> None:
    buffer = audio.FrameBuffer(640)
    stream = bytes(i % 251 for i in range(10_007))
    chunks = [1, 639, 640, 641, 3, 2000, 7]
    out: list[bytes] = []
    position = 0
    while position < len(stream):
        for size in chunks:
            piece = stream[position : position + size]
            position += len(piece)
            frames = buffer.push(piece)
            assert all(len(f) == 640 for f in frames)
            out.extend(frames)
    assert len(buffer) == len(stream) % 640
    rest = buffer.flush()
    assert b"".join(out) + rest == stream
    assert len(buffer) == 0 and buffer.flush() == b""
    assert buffer.push(b"\x00\x00") == []


@pytest.mark.parametrize("size", [0, -2, 3])
def test_frame_buffer_refuses_bad_frame_sizes(size: int) -> None:
    with pytest.raises(ValueError):
        audio.FrameBuffer(size)


# --- G.711 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encode", "decode"),
    [(audio.ulaw_encode, audio.ulaw_decode), (audio.alaw_encode, audio.alaw_decode)],
    ids=["mu-law", "a-law"],
)
def test_g711_shape_and_near_identity(encode: object, decode: object) -> None:
    pcm = sine(440, 8000)
    coded = encode(pcm)  # type: ignore[operator]
    assert len(coded) == len(pcm) // 2  # one byte per sample
    back = decode(coded)  # type: ignore[operator]
    assert len(back) == len(pcm)
    x, y = samples(pcm), samples(back)
    snr = 10 * math.log10(np.sum(x**2) / np.sum((x - y) ** 2))
    assert snr > 30  # G.711 keeps about 38 dB on a loud sine
    assert peak_hz(back, 8000) == pytest.approx(440, abs=4)


def test_g711_silence_and_known_codes() -> None:
    assert audio.ulaw_encode(b"\x00\x00") == b"\xff"
    assert audio.alaw_encode(b"\x00\x00") == b"\xd5"
    assert audio.ulaw_decode(b"\xff") == b"\x00\x00"


# --- Resampling ---------------------------------------------------------------------------------


@pytest.mark.parametrize("from_rate", RATES)
@pytest.mark.parametrize("to_rate", RATES)
def test_resample_keeps_length_and_frequency(from_rate: int, to_rate: int) -> None:
    pcm = sine(1000, from_rate, ms=500)
    out = audio.resample(pcm, from_rate, to_rate)
    expected = len(pcm) // 2 * to_rate // from_rate
    assert abs(len(out) // 2 - expected) <= 2
    assert len(out) % 2 == 0
    assert peak_hz(out, to_rate) == pytest.approx(1000, abs=5)
    # the level survives too (within 1 dB)
    assert audio.rms_dbfs(out) == pytest.approx(audio.rms_dbfs(pcm), abs=1.0)


def test_resample_edge_cases() -> None:
    pcm = sine(440, 16000, ms=20)
    assert audio.resample(pcm, 16000, 16000) is pcm
    assert audio.resample(b"", 16000, 24000) == b""
    for bad in (0, -8000):
        with pytest.raises(ValueError):
            audio.resample(pcm, bad, 16000)
        with pytest.raises(ValueError):
            audio.Resampler(16000, bad)


def test_downsampling_removes_what_the_lower_rate_cannot_carry() -> None:
    pcm = sine(6000, 24000)  # above 4 kHz, the Nyquist frequency of 8 kHz
    out = audio.resample(pcm, 24000, 8000)
    assert audio.rms_dbfs(out) < audio.rms_dbfs(pcm) - 40


@pytest.mark.parametrize(("from_rate", "to_rate"), [(r1, r2) for r1 in RATES for r2 in RATES])
def test_streaming_resampler_matches_one_shot(from_rate: int, to_rate: int) -> None:
    pcm = sine(700, from_rate, ms=1000)
    resampler = audio.Resampler(from_rate, to_rate)
    chunk = audio.bytes_for_ms(20, from_rate)
    streamed = b"".join(resampler.process(c) for c in audio.split_frames(pcm, chunk))
    streamed += resampler.flush()
    one_shot = audio.resample(pcm, from_rate, to_rate)
    assert abs(len(streamed) - len(one_shot)) <= 2 * 4  # a few samples at most
    assert len(streamed) % 2 == 0
    assert peak_hz(streamed, to_rate) == pytest.approx(700, abs=5)
    if from_rate == to_rate:
        assert streamed == pcm


# --- Channels, loudness, wire formats -----------------------------------------------------------


def test_to_mono_averages_channels() -> None:
    stereo = np.array([100, 300, -200, 200, 7, 8], dtype="<i2").tobytes()
    assert samples(audio.to_mono(stereo, 2)).tolist() == [200, 0, 8]
    assert audio.to_mono(stereo, 1) is stereo
    three = np.array([3, 3, 3, 1], dtype="<i2").tobytes()  # an incomplete frame is dropped
    assert samples(audio.to_mono(three, 3)).tolist() == [3]
    with pytest.raises(ValueError):
        audio.to_mono(stereo, 0)


def test_rms_dbfs() -> None:
    assert audio.rms_dbfs(b"") == float("-inf")
    assert audio.rms_dbfs(b"\x00\x00" * 100) == float("-inf")
    full = sine(1000, 16000, amplitude=1.0)
    assert audio.rms_dbfs(full) == pytest.approx(-3.01, abs=0.05)
    assert audio.rms_dbfs(sine(1000, 16000, amplitude=0.1)) == pytest.approx(-23.01, abs=0.05)


@pytest.mark.parametrize(
    ("fmt", "wire_rate", "bytes_per_sample"),
    [
        ("pcm16", 24000, 2),
        ("pcm16_8000hz", 8000, 2),
        ("pcm16_16000hz", 16000, 2),
        ("g711_ulaw", 8000, 1),
        ("g711_alaw", 8000, 1),
    ],
)
def test_wire_formats_round_trip(fmt: str, wire_rate: int, bytes_per_sample: int) -> None:
    assert audio.FORMAT_RATES[fmt] == wire_rate
    pcm = sine(440, 16000, ms=200)
    wire = audio.encode_wire(pcm, 16000, fmt)
    assert len(wire) == pytest.approx(wire_rate * 0.2 * bytes_per_sample, abs=4)
    assert audio.wire_duration_ms(len(wire), fmt) == pytest.approx(200, abs=1)
    back, rate = audio.decode_wire(wire, fmt)
    assert rate == wire_rate
    assert peak_hz(back, rate) == pytest.approx(440, abs=6)


def test_plain_pcm16_follows_the_session_rate() -> None:
    pcm = sine(440, 16000, ms=100)
    assert audio.encode_wire(pcm, 16000, "pcm16", pcm16_rate=16000) == pcm
    assert audio.decode_wire(pcm, "pcm16", pcm16_rate=16000) == (pcm, 16000)


@pytest.mark.parametrize("fmt", ["opus", "pcm24", ""])
def test_unknown_wire_format(fmt: str) -> None:
    with pytest.raises(ValueError, match="unknown audio format"):
        audio.encode_wire(b"\x00\x00", 16000, fmt)
    with pytest.raises(ValueError, match="unknown audio format"):
        audio.decode_wire(b"\x00\x00", fmt)
