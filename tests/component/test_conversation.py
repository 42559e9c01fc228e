"""Text turns through `conversation.async_converse`, against the emulator, with real tools."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from msgspec import UNSET
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from voicelive.events import ConversationItemCreate, ResponseCreate, SessionUpdate
from voicelive.models import (
    FunctionTool,
    MCPTool,
    RequestMCPApprovalResponseItem,
)

from custom_components.azure_voice_live.const import IDLE_TIMEOUT
from emulator import Emulator

from .conftest import API_KEY, FAST_PACE
from .helpers import AGENT, converse, outputs, received, speech, wait_for
from .mcp_server import MCPServer


@pytest.fixture
def options() -> dict[str, Any]:
    """Offer input_boolean.turn_on as a tool; no Assist API."""
    return {"prompt": "You control the house.", "services": ["input_boolean.turn_on"]}


async def test_plain_turn_and_warm_follow_up(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry, switches: None
) -> None:
    """A reply streams into the chat log; a follow-up reuses the warm session."""
    first = await converse(hass, "hello")
    assert speech(first) == "You said: hello"
    assert first.response.response_type is intent.IntentResponseType.ACTION_DONE
    update = received(emulator, SessionUpdate)[0].session
    assert update.modalities == ["text"]
    assert [t.name for t in update.tools] == ["input_boolean_turn_on"]
    schema = update.tools[0].parameters
    assert schema["properties"]["entity_id"]["items"]["enum"] == ["input_boolean.kitchen"]
    assert schema["required"] == ["entity_id"]

    second = await converse(hass, "and again", first.conversation_id)
    assert speech(second) == "You said: and again"
    assert len(emulator.sessions) == 1
    assert emulator.active_session_count == 1
    # A new conversation gets its own session.
    third = await converse(hass, "new topic")
    assert third.conversation_id != first.conversation_id
    assert len(emulator.sessions) == 2


async def test_tool_call_changes_real_entity(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry, switches: None
) -> None:
    """The emulator calls input_boolean_turn_on; HA runs it; the model answers after."""
    assert hass.states.get("input_boolean.kitchen").state == "off"
    result = await converse(hass, "turn on the kitchen light")
    assert hass.states.get("input_boolean.kitchen").state == "on"
    assert speech(result) == "The kitchen light is on."
    assert outputs(emulator) == [{"success": True, "states": {"input_boolean.kitchen": "on"}}]
    assert len(received(emulator, ResponseCreate)) == 2  # the turn, then the follow-up


async def test_unexposed_entity_refused(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry, switches: None
) -> None:
    """A call on an entity not exposed to Assist gives the model an error, and changes nothing."""
    result = await converse(hass, "turn on the secret switch")
    assert hass.states.get("input_boolean.secret").state == "off"
    assert speech(result) == "I tried."
    [output] = outputs(emulator)
    assert output["success"] is False
    assert output["error"] == "entity_not_exposed"
    assert output["entity_id"] == "input_boolean.secret"


@pytest.mark.parametrize(
    "options",
    [{"prompt": "You control the house.", "llm_hass_api": "assist"}],
)
@pytest.mark.parametrize(
    "scenario",
    [
        {
            "pace": FAST_PACE,
            "rules": [
                {
                    "match": "kitchen",
                    "tool_calls": [{"name": "HassTurnOn", "arguments": {"name": "Kitchen"}}],
                    "reply": "Turned on.",
                }
            ],
        }
    ],
)
async def test_assist_api_tool(
    hass: HomeAssistant, emulator: Emulator, switches: None, config_entry: MockConfigEntry
) -> None:
    """Tools of the Assist LLM API become functions and run through the API instance."""
    assert await async_setup_component(hass, "intent", {})
    result = await converse(hass, "kitchen on please")
    assert speech(result) == "Turned on."
    assert hass.states.get("input_boolean.kitchen").state == "on"
    tools = received(emulator, SessionUpdate)[0].session.tools
    assert "HassTurnOn" in [t.name for t in tools if isinstance(t, FunctionTool)]
    assert received(emulator, SessionUpdate)[0].session.instructions.find("Kitchen") >= 0


async def test_idle_session_closed(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """After the idle timeout the socket is closed; the next turn opens a new session."""
    result = await converse(hass, "hello")
    assert not emulator.sessions[-1].closed
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=IDLE_TIMEOUT + 1))
    await hass.async_block_till_done()
    await wait_for(lambda: emulator.sessions[-1].closed)
    assert emulator.active_session_count == 0
    again = await converse(hass, "still there?", result.conversation_id)
    assert speech(again) == "You said: still there?"
    assert len(emulator.sessions) == 2


async def test_unload_closes_sessions(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """Unloading the entry closes every open session (they are billed while open)."""
    await converse(hass, "one")
    await converse(hass, "two")
    assert emulator.active_session_count == 2
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await wait_for(lambda: emulator.active_session_count == 0)


@pytest.fixture
async def mcp_server(socket_enabled: None) -> AsyncIterator[MCPServer]:
    """A real MCP server on loopback."""
    async with MCPServer() as server:
        yield server


@pytest.mark.parametrize(("approved", "expected"), [(["get_weather"], True), ([], False)])
async def test_mcp_approval(
    hass: HomeAssistant,
    emulator: Emulator,
    mcp_server: MCPServer,
    approved: list[str],
    expected: bool,
) -> None:
    """Approval requests are answered by policy inside conversation.item.create."""
    entry = MockConfigEntry(
        domain="azure_voice_live",
        title="gpt-realtime (127)",
        data={
            "endpoint": emulator.url,
            CONF_API_KEY: API_KEY,
            "target": "model",
            "model": "gpt-realtime",
        },
        options={
            "mcp_servers": [
                {
                    "server_label": "weather",
                    "server_url": mcp_server.url,
                    "allowed_tools": ["get_weather"],
                    "headers": {"X-Token": "mcp-secret"},
                    "require_approval": "always",
                    "approved_tools": approved,
                }
            ]
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await converse(hass, "what is the weather")
    [tool] = received(emulator, SessionUpdate)[0].session.tools
    assert isinstance(tool, MCPTool)
    assert tool.headers == {"X-Token": "mcp-secret"}
    answers = [
        e.item
        for e in received(emulator, ConversationItemCreate)
        if isinstance(e.item, RequestMCPApprovalResponseItem)
    ]
    assert [a.approve for a in answers] == [expected]
    called = [c["params"]["name"] for c in mcp_server.calls]
    assert called == (["get_weather"] if expected else [])
    if expected:
        assert speech(result) == "It is sunny."
        assert mcp_server.headers[-1]["X-Token"] == "mcp-secret"
    else:
        assert speech(result) == "Okay, I won't run get_weather."


@pytest.mark.parametrize("options", [{"prompt": "Mood: {{ states('input_text.mood') }}."}])
async def test_instructions_rendered_every_turn(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """The instruction template is rendered per turn; a change updates the warm session."""
    assert await async_setup_component(
        hass, "input_text", {"input_text": {"mood": {"initial": "calm"}}}
    )
    await hass.async_block_till_done()
    first = await converse(hass, "hello")
    [update] = received(emulator, SessionUpdate)
    assert update.session.instructions.endswith("Mood: calm.")
    hass.states.async_set("input_text.mood", "cheerful")
    await converse(hass, "again", first.conversation_id)
    updates = received(emulator, SessionUpdate)
    assert len(updates) == 2
    assert updates[1].session.instructions.endswith("Mood: cheerful.")
    assert updates[1].session.tools is UNSET  # only what changed is sent
    assert len(emulator.sessions) == 1


async def test_session_closed_by_service_is_reopened(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """A warm session that the service closed is replaced at the next turn."""
    first = await converse(hass, "hello")
    await emulator.sessions[-1].close_socket(1000, "session expired")
    entity = hass.data["entity_components"]["conversation"].get_entity(AGENT)
    await wait_for(lambda: entity.sessions[first.conversation_id].live.closed)
    again = await converse(hass, "are you there", first.conversation_id)
    assert speech(again) == "You said: are you there"
    assert len(emulator.sessions) == 2
    assert entity.supported_languages == "*"


@pytest.mark.parametrize("options", [{"llm_hass_api": "no_such_api"}])
async def test_missing_llm_api_is_reported(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """An Assist API that no longer exists gives an error response and opens no session."""
    result = await converse(hass, "hello")
    assert result.response.response_type is intent.IntentResponseType.ERROR
    assert emulator.sessions == []


async def test_concurrent_first_turns_share_one_session(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """Two turns racing on a new conversation open one session, not two (no leaked session)."""
    first, second = await asyncio.gather(
        converse(hass, "one", "kitchen-chat"), converse(hass, "two", "kitchen-chat")
    )
    assert {speech(first), speech(second)} == {"You said: one", "You said: two"}
    assert len(emulator.sessions) == 1
