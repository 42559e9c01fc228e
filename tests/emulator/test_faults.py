"""Faults that a scenario injects, and how the project's client lives through them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from voicelive.client import VoiceLiveConnection, connect
from voicelive.errors import ConnectionClosedError
from voicelive.events import ConversationItemCreate, ResponseCreate, UnknownEvent
from voicelive.models import InputTextContentPart, RequestMessageItem

from emulator import Emulator
from tests.emulator.conftest import FAST_PACE
from tests.emulator.helpers import as_dict, read_until, types


@contextlib.asynccontextmanager
async def faulty(fault: str, after: int = 2) -> AsyncIterator[tuple[Emulator, VoiceLiveConnection]]:
    scenario: dict[str, Any] = {
        "pace": FAST_PACE,
        "rules": [
            {
                "match": "break",
                "reply": "This reply will not end the way you expect it to.",
                "fault": fault,
                "fault_after_deltas": after,
            }
        ],
    }
    async with Emulator(scenario=scenario) as emu:
        conn = await connect(emu.url, model="m")
        try:
            await conn.recv()
            item = RequestMessageItem(role="user", content=[InputTextContentPart(text="break it")])
            await conn.send(ConversationItemCreate(item=item))
            await conn.send(ResponseCreate())
            yield emu, conn
        finally:
            await conn.close()


async def test_close_mid_response() -> None:
    async with faulty("close_mid_response") as (emu, conn):
        with pytest.raises(ConnectionClosedError) as info:
            await read_until(conn, "response.done")
        assert info.value.code == 1011
        await emu.wait_for(lambda: emu.active_session_count == 0)
        deltas = [e for e in emu.sessions[0].sent if e.type.endswith(".delta")]
        assert len(deltas) == 2
        assert "response.done" not in [e.type for e in emu.sessions[0].sent]


async def test_malformed_json_is_skipped_by_the_client(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="voicelive.client"):
        async with faulty("malformed_json") as (_, conn):
            events = await read_until(conn, "response.done")
    assert as_dict(events[-1])["response"]["status"] == "completed"
    assert "skipping a malformed event" in caplog.text


async def test_unknown_event_is_passed_on() -> None:
    async with faulty("unknown_event", after=1) as (_, conn):
        events = await read_until(conn, "response.done")
    unknown = [e for e in events if isinstance(e, UnknownEvent)]
    assert [e.type for e in unknown] == ["emulator.injected_unknown_event"]
    assert as_dict(events[-1])["response"]["status"] == "completed"


async def test_error_fails_the_response() -> None:
    async with faulty("error", after=0) as (emu, conn):
        events = await read_until(conn, "response.done")
        names = types(events)
        assert names[-2:] == ["error", "response.done"]
        error = as_dict(events[-2])["error"]
        assert error["type"] == "server_error"
        assert error["code"] == "server_error"
        done = as_dict(events[-1])["response"]
        assert done["status"] == "failed"
        assert done["status_details"]["error"]["code"] == "server_error"
        # the session itself lives on
        assert emu.active_session_count == 1
        await conn.send(ResponseCreate())
        events = await read_until(conn, "response.created")
        assert events[-1].type == "response.created"


async def test_expire_session() -> None:
    async with faulty("expire_session", after=1) as (emu, conn):
        events = await read_until(conn, "error")
        error = as_dict(events[-1])["error"]
        assert error["code"] == "session_expired"
        rest = [e async for e in conn]  # a normal close (1000) ends the stream quietly
        assert rest == []
        await emu.wait_for(lambda: emu.active_session_count == 0)


async def test_raw_frames_through_aiohttp() -> None:
    """The malformed frame really is malformed on the wire."""
    scenario = {
        "pace": FAST_PACE,
        "rules": [{"match": ".", "reply": "x y z", "fault": "malformed_json"}],
    }
    async with Emulator(scenario=scenario) as emu, aiohttp.ClientSession() as http:
        ws = await http.ws_connect(emu.url.replace("http", "ws") + "/voice-live/realtime?model=m")
        await ws.receive_str()
        await ws.send_json(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "hi"}],
                },
            }
        )
        await ws.send_json({"type": "response.create"})
        frames = []
        while True:
            frame = await ws.receive_str()
            frames.append(frame)
            if '"response.done"' in frame:
                break
        await ws.close()
    bad = [f for f in frames if f.startswith('{"type": "response.audio.delta", "response_id": ')]
    assert len(bad) == 1
