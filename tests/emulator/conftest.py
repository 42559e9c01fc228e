"""Fixtures for the emulator tests: a running emulator with fast pacing, a client, helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from voicelive.client import VoiceLiveConnection, connect

from emulator import Emulator

FAST_PACE: dict[str, Any] = {
    "audio_speed": 200.0,
    "text_delta_chars": 8,
    "delta_interval_ms": 0,
    "first_delta_delay_ms": 0,
}


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Every emulator test talks over real sockets (pytest-socket still allows 127.0.0.1 only)."""


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator on a free loopback port with fast pacing and no scenario rules."""
    async with Emulator(scenario={"pace": FAST_PACE}) as emulator:
        yield emulator


@pytest.fixture
async def conn(emu: Emulator) -> AsyncIterator[VoiceLiveConnection]:
    """A `voicelive` client connected to `emu`, with `session.created` already read."""
    connection = await connect(emu.url, api_key="test-key", model="gpt-realtime")
    first = await connection.recv()
    assert first.type == "session.created"
    try:
        yield connection
    finally:
        await connection.close()
