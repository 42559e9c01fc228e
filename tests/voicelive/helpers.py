"""Helpers shared by the voicelive tests: JSON paths, walking a parsed event beside its JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
from msgspec import UNSET
from voicelive.models import Model

Key = str | int
Path = tuple[Key, ...]


def path_str(path: Path) -> str:
    """`("session", "tools", 0, "type")` as the codec writes it: `session.tools[0].type`."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out = f"{out}.{key}" if out else key
    return out


def get_at(data: Any, path: Path) -> Any:
    """The value at `path` inside nested dicts and lists."""
    for key in path:
        data = data[key]
    return data


def encode(data: Any) -> bytes:
    """JSON bytes of plain data (what a peer would put in a WebSocket frame)."""
    return msgspec.json.encode(data)


def walk_models(
    obj: Any, data: Any, path: Path = ()
) -> Iterator[tuple[Model, dict[str, Any], Path]]:
    """Every schema object inside a parsed event, with the JSON object it was parsed from."""
    if isinstance(obj, Model):
        yield obj, data, path
        for info in msgspec.structs.fields(obj):
            value = getattr(obj, info.name)
            if value is UNSET or value is None:
                continue
            yield from walk_models(value, data[info.encode_name], (*path, info.encode_name))
    elif isinstance(obj, list):
        for index, (item, item_data) in enumerate(zip(obj, data, strict=True)):
            yield from walk_models(item, item_data, (*path, index))


def assert_same_json(actual: Any, expected: Any, path: str = "$") -> None:
    """Equal as JSON, and every number keeps its kind: an int stays an int, a float a float."""
    assert type(actual) is type(expected) or (
        isinstance(actual, list | tuple) and isinstance(expected, list | tuple)
    ), f"{path}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), (
            f"{path}: keys {actual.keys()} != {expected.keys()}"
        )
        for key, value in expected.items():
            assert_same_json(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list | tuple):
        assert len(actual) == len(expected), f"{path}: length differs"
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same_json(a, e, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
