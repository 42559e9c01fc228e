"""The seam between the session logic and the transports."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from voicelive.codec import AnyServerEvent
from voicelive.errors import ConnectionClosedError
from voicelive.events import ClientEvent


class ChannelClosed(ConnectionClosedError):
    """The channel went away (the service or Home Assistant dropped it)."""


class SessionEndedByHome(ChannelClosed):
    """Home Assistant ended the session on purpose (its upstream closed or never opened).

    Unlike a drop, this is not retried: the conversation ends, and the next wake starts anew.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(None, reason)


class Channel(Protocol):
    """One Voice Live session, from the satellite's side: client events out, server events in."""

    async def send(self, event: ClientEvent) -> None:
        """Send one client event; raises `ChannelClosed` when the channel is gone."""
        ...

    async def recv(self) -> AnyServerEvent:
        """The next server event; raises `ChannelClosed` when the channel is gone."""
        ...

    async def close(self, reason: str) -> None:
        """End the session (the paid upstream session closes). Safe to call twice."""
        ...


class Connector(Protocol):
    """Opens channels and reports requests from home."""

    #: Requests from home (announce, mute); standalone mode never has any.
    requests: asyncio.Queue[HomeRequest]

    async def open(self, wake_word: str) -> Channel:
        """Open a session; raises `voicelive.ConnectError` when it cannot right now."""
        ...

    async def notify_muted(self, muted: bool) -> None:
        """Tell home that the mute state changed (no-op without a home)."""
        ...


@dataclass(frozen=True, slots=True)
class AnnounceRequest:
    """Home will play an announcement on `channel`; listen afterwards if `listen`."""

    channel: Channel
    text: str
    listen: bool


@dataclass(frozen=True, slots=True)
class MuteRequest:
    """Home asks to mute or unmute the microphone."""

    muted: bool


HomeRequest = AnnounceRequest | MuteRequest
