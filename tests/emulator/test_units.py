"""The emulator's parts on their own: scenario files, schema arguments, VAD, SDP, WAV, logs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from emulator import Scenario, ScenarioError
from emulator.animation import blendshape_frames, visemes, word_timings
from emulator.errors import RequestError
from emulator.schema_args import example_object, example_value
from emulator.sdp import answer_sdp
from emulator.session import EventLog
from emulator.tts import SpeechSynthesizer, parse_wav, tone_sequence
from emulator.vad import VAD_KINDS, EnergyVad

YAML = """
pace:
  audio_speed: 8
  text_delta_chars: 4
utterances: ["turn on the kitchen light"]
rules:
  - match: "kitchen light"
    tool_calls:
      - name: HassTurnOn
        arguments: {name: "Kitchen light"}
    reply: "Okay, the kitchen light is on."
    first_delta_delay_ms: 100
    fault: null
  - match: "^bye$"
    reply: "Goodbye."
    fault: close_mid_response
    fault_after_deltas: 3
default_reply: "Hm: {text}"
"""


def test_scenario_from_yaml_and_json(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(YAML)
    scenario = Scenario.load(path)
    assert scenario.pace.audio_speed == 8
    assert scenario.pace.text_delta_chars == 4
    assert scenario.pace.first_delta_delay_ms == 150  # the default stays
    rule = scenario.match("Please turn on the KITCHEN LIGHT")
    assert rule is not None and rule.tool_calls[0].arguments == {"name": "Kitchen light"}
    assert rule.pace(scenario.pace).first_delta_delay_ms == 100
    assert rule.pace(scenario.pace).audio_speed == 8
    assert scenario.match("bye") is not None and scenario.match("goodbye") is None
    assert scenario.match("nothing") is None
    as_json = tmp_path / "s.json"
    as_json.write_text(json.dumps({"default_reply": "x", "utterances": ["a"]}))
    assert Scenario.load(str(as_json)).default_reply == "x"
    assert Scenario.load(None).default_reply == "You said: {text}"
    assert Scenario.load(scenario) is scenario


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": [{"match": "("}]}, "regex"),
        ({"rules": [{"match": "x", "fault": "explode"}]}, "fault"),
        ({"pace": {"audio_speed": 0}}, "audio_speed"),
        ({"pace": {"colour": 1}}, "colour"),
        ({"utterance": []}, "utterance"),
    ],
)
def test_bad_scenarios_fail_loudly(data: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        Scenario.load(data)


def test_bad_scenario_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        Scenario.load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ScenarioError, match="not valid JSON"):
        Scenario.load(bad)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    with pytest.raises(ScenarioError, match="mapping"):
        Scenario.load(listing)


def test_schema_arguments() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "enum": ["x", "y"]},
            "b": {"type": ["null", "integer"], "minimum": 5},
            "c": {"const": 3},
            "d": {"anyOf": [{"type": "boolean"}, {"type": "string"}]},
            "e": {"type": "string", "maxLength": 2},
            "f": {"default": "dflt"},
            "g": {"type": "number", "minimum": 1.5},
        },
        "required": ["a", "b", "c", "d", "e", "f", "g", "h"],
    }
    assert example_object(schema) == {
        "a": "x",
        "b": 5,
        "c": 3,
        "d": True,
        "e": "e",
        "f": "dflt",
        "g": 1.5,
        "h": "h",
    }
    assert example_value({"type": "array", "items": {"type": "integer"}}) == [0]
    assert example_value({"type": "null"}) is None
    assert example_object({"type": "object"}) == {}


def loud(ms: int, rate: int) -> np.ndarray:
    t = np.arange(rate * ms // 1000) / rate
    return (8000 * np.sin(2 * np.pi * 300 * t)).astype("<i2")


def test_vad_times_come_from_the_stream_position() -> None:
    rate = 16000
    vad = EnergyVad(rate, threshold=0.5, prefix_padding_ms=300, silence_duration_ms=500)
    audio = np.concatenate(
        # 1 s silence, 1 s tone, 1 s silence
        [np.zeros(rate, dtype="<i2"), loud(1000, rate), np.zeros(rate, dtype="<i2")]
    ).tobytes()
    events = []
    for start in range(0, len(audio), 333):  # odd chunk sizes: frames carry over
        events += vad.process(audio[start : start + 333])
    assert [(e.kind, e.ms) for e in events] == [("start", 700), ("stop", 2500)]
    assert vad.position_ms == 3000


def test_vad_ignores_short_clicks_and_honours_threshold() -> None:
    rate = 24000
    vad = EnergyVad(rate, threshold=0.5, prefix_padding_ms=0, silence_duration_ms=200)
    gap = np.zeros(rate // 10, dtype="<i2")
    click = np.concatenate([gap, loud(20, rate), gap])
    assert vad.process(click.tobytes()) == []
    quiet = (loud(500, rate) // 100).astype("<i2")  # about -52 dBFS
    assert vad.process(quiet.tobytes()) == []
    vad.configure(threshold=0.1, prefix_padding_ms=0, silence_duration_ms=200)
    assert [e.kind for e in vad.process(quiet.tobytes())] == ["start"]


def test_sdp_answer_needs_an_offer() -> None:
    with pytest.raises(RequestError):
        answer_sdp("v=0\r\ns=-\r\n")  # no media
    answer = answer_sdp("v=0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\na=mid:a\na=sendrecv\n")
    assert "a=sendrecv" in answer.split("\r\n")
    assert answer.endswith("\r\n")


def test_wav_parsing_and_tones() -> None:
    pcm = np.arange(100, dtype="<i2").tobytes()
    header = (
        b"RIFF" + (0xFFFFFFFF).to_bytes(4, "little") + b"WAVE"
        + b"fmt " + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little") + (1).to_bytes(2, "little")
        + (22050).to_bytes(4, "little") + (44100).to_bytes(4, "little")
        + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
        + b"data" + (0xFFFFFFFF).to_bytes(4, "little")
    )  # fmt: skip
    assert parse_wav(header + pcm) == (pcm, 22050)
    with pytest.raises(ValueError):
        parse_wav(b"not a wav at all")
    beeps = tone_sequence("two words")
    assert len(beeps) > 24000 * 2 * 0.2


async def test_synthesizer_caches_and_falls_back_to_tones() -> None:
    synth = SpeechSynthesizer()
    assert synth.real_speech
    first = await synth.synthesize("cache me")
    assert await synth.synthesize("cache me") is first
    no_espeak = SpeechSynthesizer(use_espeak=False)
    assert not no_espeak.real_speech
    assert await no_espeak.synthesize("beep boop") == tone_sequence("beep boop")
    await synth.close()


def test_animation_streams() -> None:
    timings = word_timings("hello big world", 1500)
    assert [t.text for t in timings] == ["hello", "big", "world"]
    assert timings[0].offset_ms == 0 and timings[-1].offset_ms < 1500
    ids = visemes(timings)
    assert ids[0][0] == 0 and all(0 <= v <= 21 for _, v in ids)
    frames = blendshape_frames(bytes(24000 * 2), 24000)
    assert len(frames) == 60 and all(len(f) == 55 for f in frames)
    assert word_timings("", 100) == []


def test_event_log_is_bounded() -> None:
    log = EventLog(limit=10)
    for n in range(105):
        log.append(n)
    assert len(log) <= 10
    assert log[-1] == 104
    assert log.dropped + len(log) == 105


async def test_micro_vad_hears_speech_not_tones() -> None:
    """pymicro_vad tells speech from a loud tone, which the energy detector cannot."""
    speech = await SpeechSynthesizer().synthesize("turn on the kitchen light please")
    lead = bytes(24000 * 2)  # a second of silence while the model's features fill
    gap = bytes(24000 * 2)
    rate = 24000
    t = np.arange(rate * 2) / rate
    buzz = (8000 * np.sin(2 * np.pi * 1000 * t)).astype("<i2").tobytes()
    for kind, expect_tone in (("energy", True), ("micro", False)):
        vad = VAD_KINDS[kind](rate, threshold=0.5, prefix_padding_ms=0, silence_duration_ms=500)
        tone_events = vad.process(lead + buzz + gap)
        assert bool(tone_events) is expect_tone, kind
        vad.reset()
        speech_events = vad.process(speech + gap)
        assert [e.kind for e in speech_events][:1] == ["start"], kind
