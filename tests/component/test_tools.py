"""Tools in HA: service tools (schemas, exposure, every error), Assist API tools, the loop bound."""

from __future__ import annotations

import json
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import (
    Context,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import llm
from homeassistant.helpers.service import async_set_service_schema
from homeassistant.setup import async_setup_component
from homeassistant.util.json import JsonObjectType

from custom_components.azure_voice_live.tool_loop import ToolLoop
from custom_components.azure_voice_live.tools import AgentTools, function_name
from custom_components.azure_voice_live.voicelive.codec import parse_server_event
from custom_components.azure_voice_live.voicelive.events import (
    ConversationItemCreate,
    ResponseCreate,
    ResponseDone,
    ResponseFunctionCallArgumentsDone,
    ResponseOutputItemAdded,
)
from custom_components.azure_voice_live.voicelive.models import (
    FunctionTool,
    RealtimeResponse,
    ResponseFunctionCallItem,
)


@pytest.fixture
async def house(hass: HomeAssistant) -> None:
    """Real entities and services: input_booleans, an input_number, a script, test services."""
    assert await async_setup_component(
        hass,
        "input_boolean",
        {"input_boolean": {"kitchen": {"name": "Kitchen"}, "secret": {"name": "Secret"}}},
    )
    assert await async_setup_component(
        hass, "input_number", {"input_number": {"level": {"min": 0, "max": 10}}}
    )
    assert await async_setup_component(
        hass,
        "script",
        {
            "script": {
                "good_night": {
                    "alias": "Good night",
                    "description": "Everything off for the night.",
                    "fields": {
                        "room": {
                            "description": "The room to darken.",
                            "required": True,
                            "selector": {"select": {"options": ["bedroom", "kitchen"]}},
                        },
                        "delay": {"name": "Delay", "selector": {"number": {"min": 0, "max": 60}}},
                    },
                    "sequence": [
                        {
                            "action": "input_boolean.turn_off",
                            "target": {"entity_id": "input_boolean.kitchen"},
                        }
                    ],
                }
            }
        },
    )

    async def fail(call: ServiceCall) -> None:
        raise HomeAssistantError("The device is offline")

    async def crash(call: ServiceCall) -> None:
        raise RuntimeError("boom")

    async def report(call: ServiceCall) -> ServiceResponse:
        return {"echo": call.data.get("text", "")}

    hass.services.async_register("test", "fail", fail)
    hass.services.async_register("test", "crash", crash)
    hass.services.async_register("test", "report", report, supports_response=SupportsResponse.ONLY)
    # Services outside an integration describe themselves (no services.yaml to load).
    for name in ("fail", "crash", "report"):
        async_set_service_schema(
            hass,
            "test",
            name,
            {"description": f"A test service that does {name}.", "fields": {"text": {}}},
        )
    await hass.async_block_till_done()
    async_expose_entity(hass, "conversation", "input_boolean.kitchen", True)
    async_expose_entity(hass, "conversation", "input_boolean.secret", False)
    async_expose_entity(hass, "conversation", "input_number.level", True)


SERVICES = [
    "input_boolean.turn_on",
    "input_number.set_value",
    "script.good_night",
    "test.fail",
    "test.crash",
    "test.report",
    "nothing.here",
]


async def _tools(hass: HomeAssistant, **kwargs: Any) -> AgentTools:
    tools = AgentTools(hass, {"services": SERVICES}, **kwargs)
    await tools.async_tools()
    return tools


async def _call(tools: AgentTools, name: str, arguments: Any) -> dict[str, Any]:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return json.loads(await tools.async_call(name, text, Context()))


async def test_service_schemas(hass: HomeAssistant, house: None) -> None:
    """Field descriptions and selectors become JSON Schema; targets list exposed entities."""
    tools = AgentTools(hass, {"services": SERVICES})
    by_name = {t.name: t for t in await tools.async_tools() if isinstance(t, FunctionTool)}
    assert set(by_name) == {
        "input_boolean_turn_on",
        "input_number_set_value",
        "script_good_night",
        "test_fail",
        "test_crash",
        "test_report",
    }  # nothing.here does not exist: skipped
    assert await tools.async_tools() is await tools.async_tools()  # computed once
    turn_on = by_name["input_boolean_turn_on"].parameters
    assert turn_on["properties"]["entity_id"]["items"]["enum"] == ["input_boolean.kitchen"]
    set_value = by_name["input_number_set_value"].parameters
    assert set_value["properties"]["entity_id"]["items"]["enum"] == ["input_number.level"]
    assert set_value["properties"]["value"]["type"] == "number"
    assert "value" in set_value["required"]
    night = by_name["script_good_night"]
    assert "Everything off" in night.description
    assert night.parameters["properties"]["room"] == {
        "type": "string",
        "enum": ["bedroom", "kitchen"],
        "description": "The room to darken.",
    }
    assert night.parameters["properties"]["delay"]["description"] == "Delay"
    assert night.parameters["required"] == ["room"]
    assert "entity_id" not in night.parameters["properties"]


async def test_service_calls(hass: HomeAssistant, house: None) -> None:
    """Successful calls change real state and report it; a response comes back to the model."""
    tools = await _tools(hass)
    assert await _call(tools, "input_boolean_turn_on", {"entity_id": "input_boolean.kitchen"}) == {
        "success": True,
        "states": {"input_boolean.kitchen": "on"},
    }
    result = await _call(
        tools, "input_number_set_value", {"entity_id": ["input_number.level"], "value": 7}
    )
    assert result["states"] == {"input_number.level": "7.0"}
    assert await _call(tools, "test_report", {"text": "hi"}) == {
        "success": True,
        "response": {"echo": "hi"},
    }
    assert (await _call(tools, "script_good_night", {"room": "bedroom"}))["success"] is True


@pytest.mark.parametrize(
    ("name", "arguments", "error"),
    [
        ("input_boolean_turn_on", {"entity_id": ["input_boolean.secret"]}, "entity_not_exposed"),
        ("input_boolean_turn_on", {"entity_id": ["input_boolean.ghost"]}, "entity_not_exposed"),
        ("input_boolean_turn_on", {"entity_id": [5]}, "entity_not_exposed"),
        ("input_boolean_turn_on", {}, "missing_entity"),
        (
            "input_number_set_value",
            {"entity_id": ["input_number.level"], "value": "x"},
            "invalid_arguments",
        ),
        (
            "input_number_set_value",
            {"entity_id": ["input_number.level"], "value": 99},
            "invalid_arguments",
        ),
        ("test_fail", {}, "service_failed"),
        ("test_crash", {}, "service_failed"),
        ("no_such_tool", {}, "unknown_tool"),
        ("test_fail", "not json", "invalid_arguments"),
        ("test_fail", "[1, 2]", "invalid_arguments"),
    ],
)
async def test_service_errors_go_to_the_model(
    hass: HomeAssistant, house: None, name: str, arguments: Any, error: str
) -> None:
    """Every failure is a JSON error result, never an exception."""
    tools = await _tools(hass)
    result = await _call(tools, name, arguments)
    assert result["success"] is False
    assert result["error"] == error
    assert result["message"]
    assert hass.states.get("input_boolean.secret").state == "off"


async def test_service_removed_after_listing(hass: HomeAssistant, house: None) -> None:
    """A service that went away since the session started is reported, not raised."""
    tools = await _tools(hass)
    hass.services.async_remove("test", "fail")
    assert (await _call(tools, "test_fail", {}))["error"] == "service_not_found"


class _Tool(llm.Tool):
    def __init__(self, name: str, behaviour: str) -> None:
        self.name = name
        self.description = f"A {behaviour} tool."
        self.parameters = vol.Schema({vol.Optional("x"): int})
        self.behaviour = behaviour

    async def async_call(
        self, hass: HomeAssistant, tool_input: llm.ToolInput, llm_context: llm.LLMContext
    ) -> JsonObjectType:
        if self.behaviour == "fails":
            raise HomeAssistantError("nope")
        if self.behaviour == "crashes":
            raise RuntimeError("kaboom")
        return {"got": tool_input.tool_args}


async def test_llm_api_tools(hass: HomeAssistant, house: None) -> None:
    """Assist-API-style tools: names made valid, errors returned, collisions skipped."""
    api = llm.APIInstance(
        api=llm.AssistAPI(hass),
        api_prompt="",
        llm_context=llm.LLMContext("test", None, None, None, None, None),
        tools=[
            _Tool("script.works", "works"),
            _Tool("fails", "fails"),
            _Tool("crashes", "crashes"),
            _Tool("input_boolean_turn_on", "works"),
        ],
    )
    tools = await _tools(hass, llm_api=api)
    names = [t.name for t in await tools.async_tools() if isinstance(t, FunctionTool)]
    assert names.count("input_boolean_turn_on") == 1  # the API's tool wins; the service is skipped
    assert "script_works" in names
    assert await _call(tools, "script_works", {"x": 1}) == {"got": {"x": 1}}
    assert (await _call(tools, "fails", {}))["error"] == "HomeAssistantError"
    assert (await _call(tools, "crashes", {}))["error"] == "tool_failed"
    assert function_name("a.b c" * 20) == ("a_b_c" * 20)[:64]


class _Sender:
    """An in-memory upstream: collects what the loop sends."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, event: Any) -> None:
        self.sent.append(event)


async def test_loop_is_bounded(hass: HomeAssistant, house: None) -> None:
    """After MAX rounds the model gets an error result and a response without tools."""
    tools = await _tools(hass)
    sender = _Sender()
    loop = ToolLoop(sender, tools, max_rounds=3)
    loop.new_turn(Context())
    follow_ups = []
    for n in range(5):
        item = ResponseFunctionCallItem(
            id=f"i{n}",
            object="conversation.item",
            name="test_report",
            arguments="",
            call_id=f"c{n}",
            status="in_progress",
        )
        await loop.handle(ResponseOutputItemAdded(response_id=f"r{n}", output_index=0, item=item))
        await loop.handle(
            ResponseFunctionCallArgumentsDone(
                response_id=f"r{n}",
                item_id=f"i{n}",
                output_index=0,
                call_id=f"c{n}",
                arguments='{"text": "again"}',
            )
        )
        follow_ups.append(
            await loop.handle(ResponseDone(response=RealtimeResponse(status="completed")))
        )
    assert follow_ups == [True] * 5
    outputs = [
        json.loads(e.item.output) for e in sender.sent if isinstance(e, ConversationItemCreate)
    ]
    assert [o.get("error") for o in outputs] == [
        None,
        None,
        None,
        "too_many_tool_calls",
        "too_many_tool_calls",
    ]
    creates = [e for e in sender.sent if isinstance(e, ResponseCreate)]
    assert [c.response.tool_choice if c.response else None for c in creates][:3] == [
        None,
        None,
        "none",
    ]
    # A new turn starts counting again; a call without a known name is answered too.
    loop.new_turn()
    assert loop.rounds == 0
    await loop.handle(
        ResponseFunctionCallArgumentsDone(
            response_id="r", item_id="i", output_index=0, call_id="unknown", arguments="{}"
        )
    )
    assert json.loads(sender.sent[-1].item.output)["error"] == "unknown_tool"


async def test_name_on_arguments_done_is_used(hass: HomeAssistant, house: None) -> None:
    """The live service may put `name` on arguments.done; the call runs without the item."""
    tools = await _tools(hass)
    sender = _Sender()
    loop = ToolLoop(sender, tools)
    event = parse_server_event(
        json.dumps(
            {
                "type": "response.function_call_arguments.done",
                "response_id": "r",
                "item_id": "i",
                "output_index": 0,
                "call_id": "c",
                "arguments": '{"text": "named"}',
                "name": "test_report",
            }
        ),
        strict=False,
    )
    await loop.handle(event)
    assert json.loads(sender.sent[-1].item.output) == {
        "success": True,
        "response": {"echo": "named"},
    }
