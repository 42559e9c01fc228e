"""The pieces the satellite bridge reuses: a voice session's settings, tools and tool loop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from homeassistant.core import Context, HomeAssistant
from msgspec import UNSET
from pytest_homeassistant_custom_component.common import MockConfigEntry
from voicelive.events import SessionUpdate

from custom_components.azure_voice_live.tool_loop import ToolLoop
from custom_components.azure_voice_live.voicelive.events import (
    ConversationItemCreate,
    ResponseCreate,
    ResponseDone,
)
from custom_components.azure_voice_live.voicelive.models import (
    InputTextContentPart,
    RequestMessageItem,
)
from emulator import Emulator


@pytest.fixture
def options() -> dict[str, Any]:
    """A prompt template, the Assist API and one service tool."""
    return {
        "prompt": "You are {{ 'the house' }}.",
        "llm_hass_api": "assist",
        "services": ["input_boolean.turn_on"],
    }


@pytest.mark.usefixtures("switches")
async def test_voice_session_runs_tools(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """A voice session gets the satellite's audio settings, and its tool calls run in HA."""
    agent = config_entry.runtime_data
    session, tools = await agent.async_build_voice_session(
        {"input_audio_sampling_rate": 16000, "noise_reduction": "none"}
    )
    assert session.modalities == ["text", "audio"]
    assert "You are the house." in session.instructions
    live = await agent.async_open_session(session)
    try:
        sent = next(e for e in emulator.sessions[-1].received if isinstance(e, SessionUpdate))
        assert sent.session.input_audio_sampling_rate == 16000
        assert sent.session.input_audio_noise_reduction is UNSET
        assert {t.name for t in sent.session.tools} >= {"input_boolean_turn_on", "HassTurnOn"}
        assert config_entry.runtime_data.live_sessions == {live}

        loop = ToolLoop(live, tools, context=Context())
        await live.send(
            ConversationItemCreate(
                item=RequestMessageItem(
                    role="user", content=[InputTextContentPart(text="turn on the kitchen light")]
                )
            )
        )
        await live.send(ResponseCreate())
        async with asyncio.timeout(5):
            while True:
                event = await live.next_event()
                follow_up = await loop.handle(event)
                if isinstance(event, ResponseDone) and not follow_up:
                    break
        assert hass.states.get("input_boolean.kitchen").state == "on"
        assert loop.rounds == 1
    finally:
        await live.close()
    assert config_entry.runtime_data.live_sessions == set()


@pytest.mark.parametrize("options", [{"llm_hass_api": "gone"}])
async def test_missing_llm_api_leaves_other_tools(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """An Assist API that went away is logged; the voice session still gets its settings."""
    session, tools = await config_entry.runtime_data.async_build_voice_session()
    assert tools.llm_api is None
    assert session.tools is UNSET
    assert "You are a voice assistant for Home Assistant." in session.instructions
