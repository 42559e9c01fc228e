"""Exceptions of the voicelive package.

One hierarchy, so that callers can catch `VoiceLiveError` at a session boundary and know that
nothing else escaped from the protocol layer.
"""

from __future__ import annotations


class VoiceLiveError(Exception):
    """Base class of every error raised by this package."""


class ProtocolError(VoiceLiveError):
    """An event does not match the Voice Live schema.

    `path` is the JSON path of the offending value (`session.turn_detection.type`), or "" when the
    problem is the document as a whole (not JSON, not an object).
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{message} (at {path})" if path else message)
        self.reason = message
        self.path = path


class ConnectError(VoiceLiveError):
    """The WebSocket could not be opened (DNS, TCP, TLS, or an HTTP status at the upgrade)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthenticationError(ConnectError):
    """The service refused the credentials at the upgrade (HTTP 401 or 403)."""


class NotFoundError(ConnectError):
    """The URL does not name a Voice Live endpoint (HTTP 404 at the upgrade)."""


class ConnectionClosedError(VoiceLiveError):
    """The service closed the WebSocket; `code` and `reason` are what it sent."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(
            f"connection closed by peer (code {code}{': ' + reason if reason else ''})"
        )
        self.code = code
        self.reason = reason
