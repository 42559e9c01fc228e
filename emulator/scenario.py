"""The emulator's brain as data: a scenario scripts what the "model" hears and says.

A scenario gives the transcript of each detected audio utterance (the emulator has no speech
recogniser), and rules that map what the user said (a case-insensitive regex search) to tool
calls, a reply, its pace and injected faults. It is a JSON or YAML file, or the same dict
in-process; msgspec validates it so that a typo in a scenario fails loudly with its path instead
of silently changing behaviour.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import msgspec

Fault = Literal["close_mid_response", "malformed_json", "unknown_event", "error", "expire_session"]
FAULTS: tuple[str, ...] = (
    "close_mid_response",
    "malformed_json",
    "unknown_event",
    "error",
    "expire_session",
)


class ScenarioError(ValueError):
    """A scenario file or dict does not fit the scenario format."""


class Pace(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """How fast replies stream. The defaults behave like the service: audio a few times faster
    than real time, text in small deltas, a short "thinking" pause before the first delta."""

    audio_speed: float = 4.0
    text_delta_chars: int = 8
    delta_interval_ms: float = 20.0
    first_delta_delay_ms: float = 150.0
    audio_chunk_ms: int = 100

    def __post_init__(self) -> None:
        if self.audio_speed <= 0:
            raise ValueError("audio_speed must be positive")
        if self.text_delta_chars < 1:
            raise ValueError("text_delta_chars must be at least 1")
        if self.delta_interval_ms < 0 or self.first_delta_delay_ms < 0:
            raise ValueError("delays cannot be negative")
        if self.audio_chunk_ms < 10:
            raise ValueError("audio_chunk_ms must be at least 10")

    def override(self, **changes: Any) -> Pace:
        """This pace with the given fields replaced (None means keep)."""
        real = {k: v for k, v in changes.items() if v is not None}
        return msgspec.structs.replace(self, **real) if real else self


class ToolCallSpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """One tool that a rule calls; `arguments` None means "generate them from the schema"."""

    name: str
    arguments: dict[str, Any] | None = None


class Rule(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, dict=True):
    """What the model does when the user's words match `match`."""

    match: str
    tool_calls: list[ToolCallSpec] = msgspec.field(default_factory=list)
    reply: str | None = None
    audio_speed: float | None = None
    text_delta_chars: int | None = None
    delta_interval_ms: float | None = None
    first_delta_delay_ms: float | None = None
    fault: Fault | None = None
    fault_after_deltas: int = 0

    def __post_init__(self) -> None:
        try:
            self._pattern = re.compile(self.match, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"`match` is not a valid regex: {exc}") from None
        if self.fault_after_deltas < 0:
            raise ValueError("fault_after_deltas cannot be negative")

    def matches(self, text: str) -> bool:
        """True when the rule's regex is found in `text` (case-insensitive)."""
        return self._pattern.search(text) is not None

    def pace(self, base: Pace) -> Pace:
        """The scenario's pace with this rule's overrides."""
        return base.override(
            audio_speed=self.audio_speed,
            text_delta_chars=self.text_delta_chars,
            delta_interval_ms=self.delta_interval_ms,
            first_delta_delay_ms=self.first_delta_delay_ms,
        )


class Scenario(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A whole script: pace, utterance transcripts, rules and the fallback reply."""

    pace: Pace = msgspec.field(default_factory=Pace)
    # null scripts an utterance that cannot be transcribed (input_audio_transcription.failed)
    utterances: list[str | None] = msgspec.field(default_factory=list)
    rules: list[Rule] = msgspec.field(default_factory=list)
    default_reply: str = "You said: {text}"
    tool_followup_reply: str = "Done. The tool said: {output}"

    def match(self, text: str) -> Rule | None:
        """The first rule that matches the user's text, if any."""
        for rule in self.rules:
            if rule.matches(text):
                return rule
        return None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        """Validate a scenario given as plain data."""
        try:
            return msgspec.convert(data, cls)
        except msgspec.ValidationError as exc:
            raise ScenarioError(f"invalid scenario: {exc}") from None

    @classmethod
    def load(cls, source: ScenarioSource) -> Scenario:
        """A scenario from a dict, a JSON/YAML file path, another Scenario, or None (defaults)."""
        if source is None:
            return cls()
        if isinstance(source, Scenario):
            return source
        if isinstance(source, dict):
            return cls.from_dict(source)
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"cannot read scenario {path}: {exc}") from None
        data: Any
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ScenarioError(f"scenario {path} is not valid JSON: {exc}") from None
        else:
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise ScenarioError(f"scenario {path} is not valid YAML: {exc}") from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ScenarioError(f"scenario {path} must be a mapping at the top level")
        return cls.from_dict(data)


ScenarioSource = Scenario | dict[str, Any] | str | Path | None
