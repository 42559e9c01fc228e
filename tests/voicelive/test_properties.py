"""Property tests: whatever arrives, the parsers return an event or raise `ProtocolError`.

Arbitrary JSON values, arbitrary bytes and text, and valid events mutated at random go through
`parse_client_event` and `parse_server_event`, strict and lenient. Nothing else may escape; and
whatever the lenient reader accepts re-serializes to the JSON object it read.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from voicelive import ProtocolError, UnknownEvent
from voicelive.codec import parse_client_event, parse_server_event, serialize_event, to_dict
from voicelive.events import ClientEvent, ServerEvent

from .examples import CLIENT_EXAMPLES, SERVER_EXAMPLES
from .helpers import assert_same_json

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

KEYS = st.sampled_from(
    ["type", "session", "item", "event_id", "audio", "delta", "content", "role", "name", "x"]
)
TYPES = st.sampled_from(
    [e["type"] for e in CLIENT_EXAMPLES + SERVER_EXAMPLES] + ["warning", "", "session"]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | TYPES
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(KEYS | st.text(max_size=8), children, max_size=6),
    max_leaves=12,
)
EVENT_LIKE = st.fixed_dictionaries({"type": TYPES}, optional={"event_id": SCALARS}).flatmap(
    lambda base: st.dictionaries(KEYS, JSON, max_size=5).map(lambda extra: {**extra, **base})
)

PARSERS = [
    pytest.param(lambda d: parse_client_event(d), id="client-strict"),
    pytest.param(lambda d: parse_client_event(d, strict=False), id="client-lenient"),
    pytest.param(lambda d: parse_server_event(d), id="server-strict"),
    pytest.param(lambda d: parse_server_event(d, strict=False), id="server-lenient"),
]


def outcome(parse: Any, data: str | bytes) -> ClientEvent | ServerEvent | UnknownEvent | None:
    """Parse; a ProtocolError is a fine outcome (None); any other exception fails the test."""
    try:
        event = parse(data)
    except ProtocolError as exc:
        assert isinstance(exc.path, str)
        assert exc.reason
        return None
    assert isinstance(event, ClientEvent | ServerEvent | UnknownEvent)
    return event


def check_reserializes(event: Any, original: Any) -> None:
    """An accepted event gives back the JSON object it was read from."""
    if event is None:
        return
    assert_same_json(to_dict(event), original)
    assert_same_json(msgspec.json.decode(serialize_event(event, validate=False)), original)
    if isinstance(event, ClientEvent | ServerEvent):
        try:
            strict_bytes = serialize_event(event)
        except ProtocolError:
            return  # it carries fields that the schema lacks: only forwarding is allowed
        assert_same_json(msgspec.json.decode(strict_bytes), original)


@pytest.mark.parametrize("parse", PARSERS)
@PROPERTY_SETTINGS
@given(value=JSON)
def test_any_json_value(parse: Any, value: Any) -> None:
    data = msgspec.json.encode(value)
    check_reserializes(outcome(parse, data), value)
    outcome(parse, data.decode())


@pytest.mark.parametrize("parse", PARSERS)
@PROPERTY_SETTINGS
@given(value=EVENT_LIKE)
def test_any_object_with_a_type(parse: Any, value: dict[str, Any]) -> None:
    check_reserializes(outcome(parse, msgspec.json.encode(value)), value)


@pytest.mark.parametrize("parse", PARSERS)
@PROPERTY_SETTINGS
@given(data=st.binary(max_size=200) | st.text(max_size=200))
def test_any_bytes_or_text(parse: Any, data: bytes | str) -> None:
    outcome(parse, data)


@pytest.mark.parametrize("parse", PARSERS)
@PROPERTY_SETTINGS
@given(
    prefix=st.sampled_from([msgspec.json.encode(e) for e in CLIENT_EXAMPLES + SERVER_EXAMPLES]),
    cut=st.integers(min_value=0, max_value=4000),
    noise=st.binary(max_size=8),
)
def test_truncated_and_garbled_events(parse: Any, prefix: bytes, cut: int, noise: bytes) -> None:
    outcome(parse, prefix[: cut % (len(prefix) + 1)] + noise)


def _containers(value: Any) -> list[Any]:
    """Every dict and list inside a JSON value, the value itself first."""
    out = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            out.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            out.append(node)
            stack.extend(node)
    return out


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid example with a few random edits: keys dropped, added, values replaced."""
    event = copy.deepcopy(draw(st.sampled_from(CLIENT_EXAMPLES + SERVER_EXAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        node = draw(st.sampled_from(_containers(event)))
        action = draw(st.sampled_from(["drop", "add", "replace", "retype"]))
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            if action == "drop":
                del node[key]
            elif action == "add":
                node[draw(KEYS | st.text(max_size=6))] = draw(JSON)
            elif action == "replace":
                node[key] = draw(JSON)
            else:
                node[key] = draw(SCALARS)
        elif isinstance(node, list):
            if node and action == "drop":
                node.pop(draw(st.integers(min_value=0, max_value=len(node) - 1)))
            else:
                node.append(draw(JSON))
    return event


@pytest.mark.parametrize("parse", PARSERS)
@settings(PROPERTY_SETTINGS, max_examples=80)
@given(event=mutated_events())
def test_mutated_valid_events(parse: Any, event: dict[str, Any]) -> None:
    check_reserializes(outcome(parse, msgspec.json.encode(event)), event)


@PROPERTY_SETTINGS
@given(event=mutated_events())
def test_lenient_accepts_every_object_that_strict_accepts(event: dict[str, Any]) -> None:
    data = msgspec.json.encode(event)
    for strict_parse, lenient_parse in (
        (parse_client_event, lambda d: parse_client_event(d, strict=False)),
        (parse_server_event, lambda d: parse_server_event(d, strict=False)),
    ):
        typed = outcome(strict_parse, data)
        if typed is not None:
            assert lenient_parse(data) == typed
