"""Fixtures of the component tests: a real HA core (`hass`) and a real emulator on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.const import CONF_API_KEY, CONF_LLM_HASS_API
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.azure_voice_live.const import (
    CONF_API_VERSION,
    CONF_ENDPOINT,
    CONF_MODEL,
    CONF_PROMPT,
    CONF_TARGET,
    TARGET_MODEL,
)
from emulator import Emulator

API_KEY = "test-key-0123456789abcdef"
FAST_PACE = {
    "audio_speed": 50,
    "text_delta_chars": 8,
    "delta_interval_ms": 0,
    "first_delta_delay_ms": 0,
}
SCENARIO: dict[str, Any] = {
    "pace": FAST_PACE,
    "rules": [
        {
            "match": "kitchen light",
            "tool_calls": [
                {
                    "name": "input_boolean_turn_on",
                    "arguments": {"entity_id": ["input_boolean.kitchen"]},
                }
            ],
            "reply": "The kitchen light is on.",
        },
        {
            "match": "secret switch",
            "tool_calls": [
                {
                    "name": "input_boolean_turn_on",
                    "arguments": {"entity_id": ["input_boolean.secret"]},
                }
            ],
            "reply": "I tried.",
        },
        {
            "match": "weather",
            "tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}],
            "reply": "It is sunny.",
        },
    ],
    "default_reply": "You said: {text}",
    "tool_followup_reply": "Done. The tool said: {output}",
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let HA load our integration from custom_components/."""


@pytest.fixture(autouse=True)
async def setup_core(hass: HomeAssistant) -> None:
    """The `homeassistant` integration (exposed entities) that conversation depends on."""
    assert await async_setup_component(hass, "homeassistant", {})


@pytest.fixture
async def switches(hass: HomeAssistant) -> None:
    """Two real input_booleans: the kitchen one exposed to Assist, the secret one not."""
    assert await async_setup_component(
        hass,
        "input_boolean",
        {"input_boolean": {"kitchen": {"name": "Kitchen"}, "secret": {"name": "Secret"}}},
    )
    await hass.async_block_till_done()
    async_expose_entity(hass, "conversation", "input_boolean.kitchen", True)
    async_expose_entity(hass, "conversation", "input_boolean.secret", False)


@pytest.fixture
def scenario() -> dict[str, Any]:
    """The emulator's script; a test may override this fixture."""
    return SCENARIO


@pytest.fixture
async def emulator(scenario: dict[str, Any], socket_enabled: None) -> AsyncIterator[Emulator]:
    """A real Voice Live emulator on 127.0.0.1 (pytest-socket still allows no other host)."""
    async with Emulator(api_key=API_KEY, scenario=scenario, use_espeak=False) as emu:
        yield emu


def entry_data(url: str, **overrides: Any) -> dict[str, Any]:
    """Config entry data for a model on the emulator."""
    return {
        CONF_ENDPOINT: url,
        CONF_API_KEY: API_KEY,
        CONF_TARGET: TARGET_MODEL,
        CONF_MODEL: "gpt-realtime",
        CONF_API_VERSION: "2025-10-01",
        **overrides,
    }


@pytest.fixture
def options() -> dict[str, Any]:
    """The entry's options; a test may override this fixture."""
    return {CONF_PROMPT: "You are a test assistant."}


@pytest.fixture
async def config_entry(
    hass: HomeAssistant, emulator: Emulator, options: dict[str, Any]
) -> MockConfigEntry:
    """A loaded entry that talks to the emulator."""
    from .helpers import add_agent_entry  # here, not at the top: helpers imports this conftest

    return await add_agent_entry(
        hass,
        emulator.url,
        title="gpt-realtime (127)",
        options=options,
        unique_id=f"{emulator.url.removeprefix('http://')}/gpt-realtime",
    )


__all__ = ["API_KEY", "CONF_LLM_HASS_API", "entry_data"]
