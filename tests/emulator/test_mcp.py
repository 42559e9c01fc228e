"""MCP tools: the emulator as a real MCP client (JSON and event-stream answers), listing,
approvals (as an event and as an item), calls and failures."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from voicelive.client import VoiceLiveConnection, connect
from voicelive.events import (
    ConversationItemCreate,
    MCPApprovalResponse,
    ResponseCreate,
    SessionUpdate,
)
from voicelive.models import (
    InputTextContentPart,
    MCPApprovalFilter,
    MCPTool,
    RealtimeRequestSession,
    RequestMCPApprovalResponseItem,
    RequestMessageItem,
)

from emulator import Emulator
from tests.emulator.conftest import FAST_PACE
from tests.emulator.helpers import as_dict, read_until
from tests.emulator.mcp_server import MCPServer

SCENARIO: dict[str, Any] = {
    "pace": FAST_PACE,
    "rules": [
        {
            "match": "look up",
            "tool_calls": [{"name": "lookup", "arguments": {"query": "lamps"}}],
            "reply": "Here you go: {output}",
        },
        {"match": "explode", "tool_calls": [{"name": "explode"}], "reply": "Result: {output}"},
    ],
}


@contextlib.asynccontextmanager
async def mcp_session(
    server: MCPServer, require_approval: Any = "never"
) -> AsyncIterator[tuple[VoiceLiveConnection, list[dict[str, Any]]]]:
    """A session with the MCP server as its tool; yields the connection and the listing events."""
    url = await server.start()
    try:
        async with Emulator(scenario=SCENARIO) as emu:
            conn = await connect(emu.url, model="m")
            try:
                await conn.recv()
                tool = MCPTool(
                    server_label="home",
                    server_url=url,
                    require_approval=require_approval,
                    headers={"X-Test": "yes"},
                )
                await conn.send(
                    SessionUpdate(session=RealtimeRequestSession(modalities=["text"], tools=[tool]))
                )
                listing = await read_until(conn, "session.updated")
                listing += await read_until(conn, "mcp_list_tools.completed")
                yield conn, [as_dict(e) for e in listing]
            finally:
                await conn.close()
    finally:
        await server.stop()


async def say(conn: VoiceLiveConnection, text: str) -> list[dict[str, Any]]:
    item = RequestMessageItem(role="user", content=[InputTextContentPart(text=text)])
    await conn.send(ConversationItemCreate(item=item))
    await read_until(conn, "conversation.item.created")
    await conn.send(ResponseCreate())
    return [as_dict(e) for e in await read_until(conn, "response.done")]


@pytest.mark.parametrize("sse", [False, True])
async def test_listing_and_a_call_without_approval(sse: bool) -> None:
    server = MCPServer(sse=sse)
    async with mcp_session(server) as (conn, listing):
        assert [e["type"] for e in listing] == [
            "session.updated",
            "conversation.item.created",
            "mcp_list_tools.in_progress",
            "mcp_list_tools.completed",
        ]
        item = listing[1]["item"]
        assert item == {"id": item["id"], "type": "mcp_list_tools", "server_label": "home"}
        assert listing[2]["item_id"] == listing[3]["item_id"] == item["id"]
        events = await say(conn, "please look up lamps")
        names = [e["type"] for e in events]
        assert names[:10] == [
            "response.created",
            "rate_limits.updated",
            "response.output_item.added",
            "conversation.item.created",
            "response.mcp_call_arguments.delta",
            "response.mcp_call_arguments.done",
            "response.mcp_call.in_progress",
            "response.mcp_call.completed",
            "response.output_item.done",
            "response.output_item.added",
        ]
        call = events[8]["item"]
        assert call["type"] == "mcp_call"
        assert call["server_label"] == "home"
        assert call["name"] == "lookup"
        assert json.loads(call["arguments"]) == {"query": "lamps"}
        assert call["output"] == "found: lamps"
        assert call["error"] is None
        assert call["approval_request_id"] is None
        text = next(e for e in events if e["type"] == "response.text.done")["text"]
        assert text == "Here you go: found: lamps"
        assert [e["item"]["type"] for e in events if e["type"] == "response.output_item.done"] == [
            "mcp_call",
            "message",
        ]
    assert server.methods == [
        "initialize",
        "notifications/initialized",
        "tools/list",
        "tools/call",
    ]
    assert server.calls == [{"name": "lookup", "arguments": {"query": "lamps"}}]
    assert all(h.get("X-Test") == "yes" for h in server.headers)


@pytest.mark.parametrize("form", ["event", "item"])
async def test_approval_request_then_approval(form: str) -> None:
    server = MCPServer()
    async with mcp_session(server, require_approval="always") as (conn, _):
        events = await say(conn, "look up lamps")
        assert [e["type"] for e in events] == [
            "response.created",
            "rate_limits.updated",
            "response.output_item.added",
            "conversation.item.created",
            "response.output_item.done",
            "response.done",
        ]
        request = events[2]["item"]
        assert request["type"] == "mcp_approval_request"
        assert request["name"] == "lookup"
        assert request["server_label"] == "home"
        assert json.loads(request["arguments"]) == {"query": "lamps"}
        assert server.calls == []  # nothing runs before the user says yes
        if form == "event":
            await conn.send(MCPApprovalResponse(approve=True, approval_request_id=request["id"]))
        else:
            answer = RequestMCPApprovalResponseItem(approve=True, approval_request_id=request["id"])
            await conn.send(ConversationItemCreate(item=answer))
        await conn.send(ResponseCreate())
        events = [as_dict(e) for e in await read_until(conn, "response.done")]
        call = next(e for e in events if e["type"] == "response.output_item.done")["item"]
        assert call["type"] == "mcp_call"
        assert call["approval_request_id"] == request["id"]
        assert call["output"] == "found: lamps"
        text = next(e for e in events if e["type"] == "response.text.done")["text"]
        assert text == "Here you go: found: lamps"
        assert len(server.calls) == 1
        # answering the same request twice is an error
        await conn.send(
            MCPApprovalResponse(approve=True, approval_request_id=request["id"], event_id="a2")
        )
        (error,) = await read_until(conn, "error")
        assert as_dict(error)["error"]["code"] == "item_not_found"
        assert as_dict(error)["error"]["param"] == "approval_request_id"


async def test_denied_approval_and_per_tool_filter() -> None:
    server = MCPServer()
    approval = MCPApprovalFilter(never=["explode"])
    async with mcp_session(server, require_approval=approval) as (conn, _):
        events = await say(conn, "look up lamps")
        request = events[2]["item"]
        assert request["type"] == "mcp_approval_request"
        await conn.send(MCPApprovalResponse(approve=False, approval_request_id=request["id"]))
        await conn.send(ResponseCreate())
        events = [as_dict(e) for e in await read_until(conn, "response.done")]
        text = next(e for e in events if e["type"] == "response.text.done")["text"]
        assert text == "Okay, I won't run lookup."
        assert server.calls == []
        # `explode` is in the filter's `never` list: it runs at once, and fails
        events = await say(conn, "explode now")
        names = [e["type"] for e in events]
        assert "response.mcp_call.failed" in names
        assert "response.mcp_call.completed" not in names
        call = next(e for e in events if e["type"] == "response.output_item.done")["item"]
        assert call["output"] is None
        assert call["error"]["message"] == "kaboom"
        text = next(e for e in events if e["type"] == "response.text.done")["text"]
        assert text == "Result: the tool failed: kaboom"


async def test_a_listing_that_fails() -> None:
    server = MCPServer(fail_listing=True)
    url = await server.start()
    try:
        async with Emulator(scenario=SCENARIO) as emu:
            conn = await connect(emu.url, model="m")
            try:
                await conn.recv()
                tool = MCPTool(server_label="home", server_url=url)
                await conn.send(SessionUpdate(session=RealtimeRequestSession(tools=[tool])))
                events = [as_dict(e) for e in await read_until(conn, "mcp_list_tools.failed")]
                assert [e["type"] for e in events] == [
                    "session.updated",
                    "conversation.item.created",
                    "mcp_list_tools.in_progress",
                    "mcp_list_tools.failed",
                ]
                # with no tools listed the rule's tool does not exist: the model just replies
                events = await say(conn, "look up lamps")
                assert events[-1]["response"]["status"] == "completed"
                assert events[-1]["response"]["output"][0]["type"] == "message"
            finally:
                await conn.close()
    finally:
        await server.stop()
