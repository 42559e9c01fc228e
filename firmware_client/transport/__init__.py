"""How the satellite reaches Voice Live: straight to the service, or through Home Assistant.

Both transports give the session logic the same two things: a `Connector` that opens a
`Channel` when the wake word is heard, and a queue of requests that come from home (announce,
mute). The session logic never learns which transport it runs on.
"""

from .base import AnnounceRequest, Channel, ChannelClosed, Connector, HomeRequest, MuteRequest

__all__ = [
    "AnnounceRequest",
    "Channel",
    "ChannelClosed",
    "Connector",
    "HomeRequest",
    "MuteRequest",
]
