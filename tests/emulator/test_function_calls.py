"""Function calls: scripted and schema-generated calls, tool_choice, and the follow-up reply."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from voicelive.client import VoiceLiveConnection, connect
from voicelive.events import ConversationItemCreate, ResponseCreate, SessionUpdate
from voicelive.models import (
    FunctionTool,
    InputTextContentPart,
    RealtimeRequestSession,
    RealtimeResponseOptions,
    RequestFunctionCallOutputItem,
    RequestMessageItem,
    ToolChoiceFunction,
)

from emulator import Emulator
from tests.emulator.conftest import FAST_PACE
from tests.emulator.helpers import as_dict, collapse, read_until

SCENARIO: dict[str, Any] = {
    "pace": FAST_PACE,
    "rules": [
        {
            "match": "kitchen light",
            "tool_calls": [{"name": "HassTurnOn", "arguments": {"name": "Kitchen light"}}],
            "reply": "Okay, the kitchen light is on. ({output})",
        },
        {"match": "weather", "tool_calls": [{"name": "GetWeather"}], "reply": "Sunny."},
        {"match": "no such tool", "tool_calls": [{"name": "Missing"}], "reply": "I can't."},
    ],
}
TURN_ON = FunctionTool(
    name="HassTurnOn",
    description="Turn on a device",
    parameters={
        "type": "object",
        "properties": {"name": {"type": "string"}, "area": {"type": "string"}},
        "required": ["name"],
    },
)
WEATHER = FunctionTool(
    name="GetWeather",
    description="Weather",
    parameters={
        "type": "object",
        "properties": {
            "city": {"type": "string", "minLength": 3},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "detailed": {"type": "boolean"},
            "hours": {"type": "array", "items": {"type": "number"}, "minItems": 2},
            "where": {
                "type": "object",
                "properties": {"lat": {"type": "number"}},
                "required": ["lat"],
            },
            "optional": {"type": "string"},
        },
        "required": ["city", "days", "unit", "detailed", "hours", "where"],
    },
)


@contextlib.asynccontextmanager
async def session(
    tools: list[FunctionTool], tool_choice: Any = "auto"
) -> AsyncIterator[VoiceLiveConnection]:
    async with Emulator(scenario=SCENARIO) as emu:
        conn = await connect(emu.url, model="m")
        try:
            await conn.recv()
            await conn.send(
                SessionUpdate(
                    session=RealtimeRequestSession(
                        modalities=["text"], tools=tools, tool_choice=tool_choice
                    )
                )
            )
            await read_until(conn, "session.updated")
            yield conn
        finally:
            await conn.close()


async def say(conn: VoiceLiveConnection, text: str) -> list[dict[str, Any]]:
    item = RequestMessageItem(role="user", content=[InputTextContentPart(text=text)])
    await conn.send(ConversationItemCreate(item=item))
    await conn.send(ResponseCreate())
    return [as_dict(e) for e in await read_until(conn, "response.done")]


async def test_function_call_round_trip() -> None:
    async with session([TURN_ON, WEATHER]) as conn:
        events = await say(conn, "Turn on the Kitchen Light please")
        names = collapse([e["type"] for e in events])
        assert names == [
            "conversation.item.created",
            "response.created",
            "rate_limits.updated",
            "response.output_item.added",
            "conversation.item.created",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.done",
        ]
        added = events[3]["item"]
        assert added["type"] == "function_call"
        assert added["status"] == "in_progress"
        assert added["arguments"] == ""
        args_done = next(e for e in events if e["type"].endswith("arguments.done"))
        assert json.loads(args_done["arguments"]) == {"name": "Kitchen light"}
        assert args_done["call_id"] == added["call_id"]
        deltas = "".join(e["delta"] for e in events if e["type"].endswith("arguments.delta"))
        assert deltas == args_done["arguments"]
        done = events[-1]["response"]
        assert done["status"] == "completed"
        assert done["output"][0]["status"] == "completed"
        assert done["output"][0]["arguments"] == args_done["arguments"]
        # the client runs the function and asks for the rest of the turn
        output = RequestFunctionCallOutputItem(call_id=added["call_id"], output='{"ok": true}')
        await conn.send(ConversationItemCreate(item=output))
        (created,) = await read_until(conn, "conversation.item.created")
        assert as_dict(created)["item"] == {
            "id": as_dict(created)["item"]["id"],
            "type": "function_call_output",
            "object": "conversation.item",
            "name": "HassTurnOn",
            "output": '{"ok": true}',
            "call_id": added["call_id"],
            "status": "completed",
        }
        await conn.send(ResponseCreate())
        events = [as_dict(e) for e in await read_until(conn, "response.done")]
        text = next(e for e in events if e["type"] == "response.text.done")["text"]
        assert text == 'Okay, the kitchen light is on. ({"ok": true})'


async def test_generated_arguments_satisfy_the_schema() -> None:
    async with session([WEATHER]) as conn:
        events = await say(conn, "what's the weather")
        args = json.loads(
            next(e for e in events if e["type"].endswith("arguments.done"))["arguments"]
        )
        assert set(args) == {"city", "days", "unit", "detailed", "hours", "where"}
        assert isinstance(args["city"], str) and len(args["city"]) >= 3
        assert isinstance(args["days"], int) and 1 <= args["days"] <= 7
        assert args["unit"] in ("celsius", "fahrenheit")
        assert args["detailed"] is True
        assert len(args["hours"]) >= 2 and all(isinstance(h, float) for h in args["hours"])
        assert isinstance(args["where"]["lat"], float)


async def test_unknown_tool_and_tool_choice_none_just_reply() -> None:
    async with session([TURN_ON]) as conn:
        events = await say(conn, "use no such tool")
        assert events[-1]["response"]["output"][0]["type"] == "message"
        assert next(e for e in events if e["type"] == "response.text.done")["text"] == "I can't."
    async with session([TURN_ON], tool_choice="none") as conn:
        events = await say(conn, "kitchen light on")
        assert "response.function_call_arguments.done" not in [e["type"] for e in events]
        text = next(e for e in events if e["type"] == "response.text.done")["text"]
        assert text.startswith("Okay, the kitchen light is on.")


@pytest.mark.parametrize("choice", ["required", ToolChoiceFunction(name="GetWeather")])
async def test_tool_choice_forces_a_call(choice: Any) -> None:
    async with session([TURN_ON, WEATHER], tool_choice=choice) as conn:
        events = await say(conn, "hello")
        done = next(e for e in events if e["type"].endswith("arguments.done"))
        item = events[-1]["response"]["output"][0]
        expected = "HassTurnOn" if choice == "required" else "GetWeather"
        assert item["name"] == expected
        args = json.loads(done["arguments"])
        assert "name" in args if expected == "HassTurnOn" else "city" in args
        output = RequestFunctionCallOutputItem(call_id=done["call_id"], output="42")
        await conn.send(ConversationItemCreate(item=output))
        await conn.send(ResponseCreate())
        events = [as_dict(e) for e in await read_until(conn, "response.done")]
        text = next(e for e in events if e["type"] == "response.text.done")["text"]
        assert text == "Done. The tool said: 42"


async def test_tools_in_response_create_override_the_session() -> None:
    async with session([]) as conn:
        item = RequestMessageItem(role="user", content=[InputTextContentPart(text="kitchen light")])
        await conn.send(ConversationItemCreate(item=item))
        await conn.send(ResponseCreate(response=RealtimeResponseOptions(tools=[TURN_ON])))
        events = [as_dict(e) for e in await read_until(conn, "response.done")]
        assert events[-1]["response"]["output"][0]["name"] == "HassTurnOn"
        # the next response, without options, uses the session's (empty) tool list again
        await conn.send(ResponseCreate())
        events = [as_dict(e) for e in await read_until(conn, "response.done")]
        assert events[-1]["response"]["output"][0]["type"] == "message"
