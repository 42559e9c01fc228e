"""Client mistakes as the service reports them: an `error` event with a stable code.

Every problem with an inbound event becomes a `RequestError` (code, message, JSON path); the
session turns it into an `error` event of type `invalid_request_error` and carries on.
"""

from __future__ import annotations

from voicelive import ProtocolError

INVALID_REQUEST = "invalid_request_error"


class RequestError(Exception):
    """A client event the emulator refuses; the session stays open."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


def from_protocol_error(exc: ProtocolError) -> RequestError:
    """Map a strict-parse failure to the code that the service would use."""
    reason = exc.reason
    path = exc.path or None
    if reason.startswith(("not valid JSON", "an event is a JSON object")):
        return RequestError("invalid_json", f"The event is not valid JSON: {reason}", None)
    if reason.startswith("event has no"):
        return RequestError("missing_required_parameter", "The event has no `type`.", "type")
    if reason.startswith("unknown event type"):
        return RequestError("unknown_event_type", f"Invalid value: {reason}", "type")
    if reason.startswith("Object missing required field"):
        return RequestError(
            "missing_required_parameter", f"Missing required parameter: {path}", path
        )
    if reason.startswith("Object contains unknown field"):
        return RequestError("unknown_parameter", f"Unknown parameter: {path}", path)
    return RequestError("invalid_value", f"Invalid value at {path or 'the event'}: {reason}", path)


class SessionClosed(Exception):
    """The session's socket is closed: whatever was streaming stops quietly."""
