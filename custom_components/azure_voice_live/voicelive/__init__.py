"""Azure AI Voice Live, the realtime speech-to-speech protocol, in pure Python.

Typed models for every event and model of the schema, strict and lenient parsing, exact
serialization, an async client on aiohttp, and the audio helpers that Voice Live clients need.
No Home Assistant import anywhere in here, and every import is relative, so this package works both
inside the component (`custom_components.azure_voice_live.voicelive`) and as top-level `voicelive`.
"""

from . import link
from .codec import (
    AnyServerEvent,
    parse_client_event,
    parse_event,
    parse_server_event,
    parse_strict_client_event,
    serialize_event,
    to_dict,
    validate_event,
)
from .errors import (
    AuthenticationError,
    ConnectError,
    ConnectionClosedError,
    NotFoundError,
    ProtocolError,
    VoiceLiveError,
)
from .events import (
    CLIENT_EVENTS,
    SERVER_EVENTS,
    ClientEvent,
    ServerEvent,
    UnknownEvent,
)

__all__ = [
    "CLIENT_EVENTS",
    "SERVER_EVENTS",
    "AnyServerEvent",
    "AuthenticationError",
    "ClientEvent",
    "ConnectError",
    "ConnectionClosedError",
    "NotFoundError",
    "ProtocolError",
    "ServerEvent",
    "UnknownEvent",
    "VoiceLiveError",
    "link",
    "parse_client_event",
    "parse_event",
    "parse_server_event",
    "parse_strict_client_event",
    "serialize_event",
    "to_dict",
    "validate_event",
]
