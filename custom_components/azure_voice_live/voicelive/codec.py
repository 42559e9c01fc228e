"""Parsing, validation and serialization of Voice Live events.

Two readings of the same schema:

* strict, for everything we send and for what the emulator receives: the C decoder of msgspec
  validates the whole event in one pass, and any deviation becomes a `ProtocolError` that names
  the JSON path of the offending value;
* lenient, for what the live service sends: the same fast strict pass first, and only when it
  fails, a tolerant rebuild that keeps unknown fields (and values of optional fields that do not
  fit) aside on the model they belong to, so that they survive re-serialization; a null in a
  required string field (which the service sends) reads as "" while the null is kept. A `type`
  that the schema lacks, or a known type whose required fields do not fit, becomes an
  `UnknownEvent` with its raw JSON. The lenient reader only raises for input that is not a
  JSON object with a string `type`.
"""

from __future__ import annotations

import re
import types
import typing
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

import msgspec
from msgspec import UNSET

from .errors import ProtocolError
from .events import (
    CLIENT_EVENT_CLASSES,
    CLIENT_EVENTS,
    SERVER_EVENT_CLASSES,
    SERVER_EVENTS,
    ClientEvent,
    ServerEvent,
    UnknownEvent,
)
from .models import Model

Side = Literal["client", "server"]
AnyServerEvent = ServerEvent | UnknownEvent

_EXTRA = "_vl_extra"  # attribute (in a model's __dict__) holding fields the schema lacks
_HAS_EXTRA = "_vl_has_extra"  # set on a top-level event when any model inside it holds extras

_client_decoder = msgspec.json.Decoder(Union[CLIENT_EVENT_CLASSES])  # noqa: UP007
_server_decoder = msgspec.json.Decoder(Union[SERVER_EVENT_CLASSES])  # noqa: UP007
_raw_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()

_AT_PATH = re.compile(r"^(?P<msg>.*?) - at `\$(?P<path>[^`]*)`$", re.DOTALL)
_FIELD_MESSAGE = re.compile(r"^Object (missing required|contains unknown) field `(?P<name>[^`]+)`")
# A model's own check (`__post_init__`) ends its message with `(at <path relative to the model>)`.
_RELATIVE_PATH = re.compile(r" \(at (?P<rel>[^()]+)\)$")


# --- Errors -------------------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _protocol_error(exc: msgspec.MsgspecError) -> ProtocolError:
    """Turn msgspec's message into ours: a sentence, and the JSON path without the leading `$.`."""
    text = str(exc)
    match = _AT_PATH.match(text)
    message, path = (match["msg"], match["path"].lstrip(".")) if match else (text, "")
    if isinstance(exc, msgspec.DecodeError) and not isinstance(exc, msgspec.ValidationError):
        return ProtocolError(f"not valid JSON: {text}", "")
    field = _FIELD_MESSAGE.match(message)
    if field:  # msgspec reports a missing or unknown field at its object: point at the field
        path = _join(path, field["name"])
    if path == "type" and message.startswith("Invalid value"):
        message = message.replace("Invalid value", "unknown event type", 1)
    elif path == "type" and message.startswith("Object missing required field `type`"):
        message = "event has no `type`"
    else:
        relative = _RELATIVE_PATH.search(message)
        if relative:
            message = message[: relative.start()]
            rel = relative["rel"]
            path = f"{path}{rel}" if rel.startswith("[") or not path else f"{path}.{rel}"
    return ProtocolError(message, path)


# Bytes that are not UTF-8 inside a JSON string (msgspec raises UnicodeDecodeError), a `str` with
# lone surrogates (UnicodeEncodeError), and a document nested deeper than the interpreter's
# recursion limit cannot be read: all three are bad input, not crashes.
_UNREADABLE = (UnicodeError, RecursionError)


def _unreadable(exc: BaseException) -> ProtocolError:
    if isinstance(exc, RecursionError):
        return ProtocolError("not valid JSON: nested too deeply", "")
    return ProtocolError(f"not valid JSON: not UTF-8 text ({exc})", "")


# --- Strict parsing -----------------------------------------------------------------------------


def parse_client_event(data: str | bytes, *, strict: bool = True) -> ClientEvent | UnknownEvent:
    """Parse one client event; `strict=False` reads it as leniently as server events.

    The emulator and the bridge read client events strictly, so that a bad one is answered with
    an `error` event instead of being passed on.
    """
    try:
        event: ClientEvent = _client_decoder.decode(data)
    except msgspec.MsgspecError as exc:
        if strict:
            raise _protocol_error(exc) from None
        return _lenient_event(data, exc, CLIENT_EVENTS)
    except _UNREADABLE as exc:
        raise _unreadable(exc) from None
    return event


def parse_strict_client_event(data: str | bytes) -> ClientEvent:
    """Parse one client event strictly (typed for callers that never see an `UnknownEvent`)."""
    try:
        event: ClientEvent = _client_decoder.decode(data)
    except msgspec.MsgspecError as exc:
        raise _protocol_error(exc) from None
    except _UNREADABLE as exc:
        raise _unreadable(exc) from None
    return event


def parse_server_event(data: str | bytes, *, strict: bool = True) -> AnyServerEvent:
    """Parse one server event; `strict=False` is the lenient reading of the live service."""
    try:
        event: ServerEvent = _server_decoder.decode(data)
    except msgspec.MsgspecError as exc:
        if strict:
            raise _protocol_error(exc) from None
        return _lenient_event(data, exc, SERVER_EVENTS)
    except _UNREADABLE as exc:
        raise _unreadable(exc) from None
    return event


def parse_event(
    data: str | bytes, side: Side, *, strict: bool = True
) -> ClientEvent | ServerEvent | UnknownEvent:
    """Parse an event of the given side (`client` events are those a client sends)."""
    if side == "client":
        return parse_client_event(data, strict=strict)
    return parse_server_event(data, strict=strict)


# --- Lenient parsing ----------------------------------------------------------------------------


class _Misfit(Exception):
    """A value does not fit its declared type even leniently (internal to the lenient reader)."""


def _lenient_event[E: Model](
    data: str | bytes, first_error: msgspec.MsgspecError, registry: dict[str, type[E]]
) -> E | UnknownEvent:
    try:
        raw = _raw_decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"not valid JSON: {exc}", "") from None
    except _UNREADABLE as exc:
        raise _unreadable(exc) from None
    if not isinstance(raw, dict):
        raise ProtocolError(f"an event is a JSON object, not {type(raw).__name__}", "")
    event_type = raw.get("type")
    if not isinstance(event_type, str):
        raise ProtocolError("event has no string `type`", "type")
    cls = registry.get(event_type)
    if cls is None:
        return UnknownEvent(raw)
    found_extra = [False]
    try:
        event = _lenient_struct(cls, raw, found_extra)
    except _Misfit as exc:
        problem = str(_protocol_error(first_error))
        return UnknownEvent(raw, problem=f"{problem}; {exc}" if str(exc) else problem)
    event.__dict__[_HAS_EXTRA] = found_extra[0]
    return event


@cache
def _struct_fields(cls: type[Model]) -> dict[str, msgspec.structs.FieldInfo]:
    return {f.encode_name: f for f in msgspec.structs.fields(cls)}


def _lenient_struct[M: Model](cls: type[M], raw: dict[str, Any], found_extra: list[bool]) -> M:
    fields = _struct_fields(cls)
    tag_field = cls.__struct_config__.tag_field
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        if key == tag_field:
            continue
        info = fields.get(key)
        if info is None:
            extra[key] = value
            continue
        try:
            kwargs[info.name] = _lenient_value(value, info.type, found_extra)
        except _Misfit:
            if info.required and value is None and info.type is str:
                # The live service sends null where the schema has a string (an error's
                # `code`, the first `previous_item_id`): the model holds "", and the null
                # itself is kept aside, so it is what a re-serialization gives back.
                kwargs[info.name] = ""
            elif info.required:
                raise _Misfit(f"required field `{key}` does not fit") from None
            extra[key] = value
    missing = [f.encode_name for f in fields.values() if f.required and f.name not in kwargs]
    if missing:
        raise _Misfit(f"missing required field `{missing[0]}`")
    try:
        obj = cls(**kwargs)
    except (ValueError, TypeError) as exc:
        raise _Misfit(str(exc)) from None
    if extra:
        obj.__dict__[_EXTRA] = extra
        found_extra[0] = True
    return obj


def _lenient_value(value: Any, annotation: Any, found_extra: list[bool]) -> Any:
    try:
        return msgspec.convert(value, annotation, strict=True)
    except msgspec.ValidationError:
        pass
    # Only models (and lists and unions of them) can be rebuilt leniently; a plain value that
    # does not fit its type is a misfit for the caller to keep aside.
    if isinstance(value, dict):
        for candidate in _struct_candidates(annotation):
            config = candidate.__struct_config__
            if config.tag_field is None or value.get(config.tag_field) == config.tag:
                return _lenient_struct(candidate, value, found_extra)
    elif isinstance(value, list) and get_origin(_strip_unset(annotation)) is list:
        (item_type,) = get_args(_strip_unset(annotation))
        return [_lenient_value(item, item_type, found_extra) for item in value]
    raise _Misfit("")


def _strip_unset(annotation: Any) -> Any:
    members = [a for a in _union_members(annotation) if a is not msgspec.UnsetType]
    return members[0] if len(members) == 1 else annotation


def _union_members(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) in (Union, types.UnionType):
        return get_args(annotation)
    return (annotation,)


def _struct_candidates(annotation: Any) -> list[type[Model]]:
    out: list[type[Model]] = []
    for member in _union_members(annotation):
        if isinstance(member, typing.TypeAliasType):
            out.extend(_struct_candidates(member.__value__))
        elif isinstance(member, type) and issubclass(member, Model):
            out.append(member)
    return out


# --- Serialization ------------------------------------------------------------------------------


def to_dict(event: ClientEvent | AnyServerEvent | Model) -> dict[str, Any]:
    """The event as plain JSON data, with any fields kept by the lenient reader put back."""
    if isinstance(event, UnknownEvent):
        return dict(event.raw)
    data: dict[str, Any] = msgspec.to_builtins(event)
    if event.__dict__.get(_HAS_EXTRA) or event.__dict__.get(_EXTRA):
        _restore_extra(event, data)
    return data


def _restore_extra(obj: Any, data: Any) -> None:
    if isinstance(obj, Model):
        for info in msgspec.structs.fields(obj):
            value = getattr(obj, info.name)
            if value is not UNSET and value is not None:
                _restore_extra(value, data[info.encode_name])
        extra = obj.__dict__.get(_EXTRA)
        if extra:
            data.update(extra)
    elif isinstance(obj, list):
        for item, item_data in zip(obj, data, strict=True):
            _restore_extra(item, item_data)


def serialize_event(event: ClientEvent | AnyServerEvent, *, validate: bool = True) -> bytes:
    """Encode an event as JSON bytes.

    With `validate` (the default for everything we originate), the encoded event is read back
    strictly so that nothing off-schema leaves us; models built in code are not type-checked at
    construction, so this is the one place that catches a wrong value. Events that the lenient
    reader kept unknown parts of, and `UnknownEvent`s, are passed on as received: pass
    `validate=False` to forward them.
    """
    if isinstance(event, UnknownEvent):
        if validate:
            raise ProtocolError(f"unknown event type {event.type!r}", "type")
        return _encoder.encode(event.raw)
    if event.__dict__.get(_HAS_EXTRA):
        if validate:
            raise ProtocolError("event carries fields that the schema lacks", "")
        return _encoder.encode(to_dict(event))
    data = _encoder.encode(event)
    if validate:
        decoder = _client_decoder if isinstance(event, ClientEvent) else _server_decoder
        try:
            decoder.decode(data)
        except msgspec.MsgspecError as exc:
            raise _protocol_error(exc) from None
    return data


def validate_event(event: ClientEvent | ServerEvent) -> None:
    """Raise `ProtocolError` unless the event is valid under the strict schema."""
    serialize_event(event, validate=True)
