"""Arguments that satisfy a tool's JSON Schema, for when the brain must call a tool unscripted.

`tool_choice: required` (or a named function) with no scenario rule still has to produce a call
whose arguments a client can validate: every required property, of the right type, an enum's
first value, a const, the first alternative of a oneOf/anyOf, minimums respected.
"""

from __future__ import annotations

from typing import Any


def example_value(schema: dict[str, Any], name: str = "value", depth: int = 0) -> Any:
    """A value that fits `schema` (a JSON Schema subset: type, enum, const, properties, ...)."""
    if depth > 8:
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("oneOf", "anyOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options and isinstance(options[0], dict):
            return example_value(options[0], name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        return example_object(schema, depth + 1)
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        count = int(schema.get("minItems", 1))
        return [example_value(items or {}, name, depth + 1) for _ in range(count)]
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
        return int(max(low, 0) if "maximum" not in schema else min(max(low, 0), schema["maximum"]))
    if kind == "number":
        low = schema.get("minimum", 0)
        return float(low if "maximum" not in schema else min(low, schema["maximum"]))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = name
    min_length = int(schema.get("minLength", 0))
    if len(text) < min_length:
        text = text + "x" * (min_length - len(text))
    if "maxLength" in schema:
        text = text[: int(schema["maxLength"])]
    return text


def example_object(schema: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """An object with every required property of `schema` filled in."""
    properties = schema.get("properties") or {}
    required = schema.get("required") or []
    out: dict[str, Any] = {}
    for key in required:
        prop = properties.get(key, {})
        out[key] = example_value(prop if isinstance(prop, dict) else {}, key, depth)
    return out
