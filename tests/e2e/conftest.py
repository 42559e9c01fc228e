"""End to end: a Pi satellite on its WAV backend, HA's bridge (the `hass` fixture), the emulator.

Everything runs for real on 127.0.0.1: the satellite's link server and wake word model, the
component's link client, bridge and tool loop in a real HA core, and the emulator's VAD and
replies. Only the microphone and the speaker are WAV files.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.azure_voice_live.const import (
    CONF_AGENT_ENTRY_ID,
    CONF_HOST,
    CONF_KIND,
    CONF_PAIRING_KEY,
    CONF_PORT,
    CONF_PROMPT,
    CONF_SATELLITE_ID,
    CONF_SERVICES,
    DOMAIN,
    KIND_SATELLITE,
)
from custom_components.azure_voice_live.satellite import SatelliteRuntime
from emulator import Emulator
from firmware_client.app import SatelliteApp
from firmware_client.options import Options
from tests.component.conftest import API_KEY
from tests.component.helpers import add_agent_entry
from tests.satellite.speech import say, silence, write_wav

REPLY = "Okay, the kitchen light is on."
SCENARIO: dict[str, Any] = {
    "pace": {"audio_speed": 8, "first_delta_delay_ms": 0, "delta_interval_ms": 0},
    "utterances": ["turn on the kitchen light", "stop"],
    "rules": [
        {
            "match": "kitchen light",
            "tool_calls": [
                {
                    "name": "input_boolean_turn_on",
                    "arguments": {"entity_id": ["input_boolean.kitchen"]},
                }
            ],
            "reply": REPLY,
        }
    ],
    "default_reply": "You said: {text}",
}


def command_pcm(tail: float = 3.0) -> bytes:
    """Silence, "okay nabu", the command, then `tail` seconds of silence (16 kHz PCM16)."""
    return (
        silence(0.5)
        + say("okay nabu")
        + silence(0.4)
        + say("turn on the kitchen light")
        + silence(tail)
    )


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Our integration from custom_components/, and loopback sockets (pytest-socket: 127.0.0.1)."""


@pytest.fixture
def scenario() -> dict[str, Any]:
    """The emulator's script; a test may override it."""
    return SCENARIO


@pytest.fixture
async def emulator(scenario: dict[str, Any]) -> AsyncIterator[Emulator]:
    """The emulator, with synthetic reply audio (fast, and just as long as speech would be)."""
    async with Emulator(api_key=API_KEY, scenario=scenario, use_espeak=False) as emu:
        yield emu


@pytest.fixture
async def agent_entry(hass: HomeAssistant, emulator: Emulator) -> MockConfigEntry:
    """A Voice Live agent on the emulator that may switch a real, exposed input_boolean."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"kitchen": {"name": "Kitchen light"}}}
    )
    await hass.async_block_till_done()
    async_expose_entity(hass, "conversation", "input_boolean.kitchen", True)
    return await add_agent_entry(
        hass,
        emulator.url,
        unique_id="emulator/gpt-realtime",
        options={
            CONF_PROMPT: "You are the voice of a home.",
            CONF_SERVICES: ["input_boolean.turn_on"],
            "turn_detection": {"type": "server_vad"},
        },
    )


StartSatellite = Callable[..., Awaitable[tuple[SatelliteApp, MockConfigEntry]]]


@pytest.fixture
async def start_satellite(
    hass: HomeAssistant, agent_entry: MockConfigEntry, tmp_path: Path
) -> AsyncIterator[StartSatellite]:
    """Start a paired satellite whose mic WAV begins once HA has linked, and adopt it in HA."""
    apps: list[SatelliteApp] = []

    async def start(pcm: bytes, **overrides: Any) -> tuple[SatelliteApp, MockConfigEntry]:
        values: dict[str, Any] = {
            "mic_wav": write_wav(tmp_path / "mic.wav", pcm),
            "speaker_wav": tmp_path / "speaker.wav",
            "speed": 4.0,
            "follow_up_seconds": 1.5,
            "state_dir": tmp_path / "state",
            "host": "127.0.0.1",
            "port": 0,
            "zeroconf": False,
            "mic_after_link": True,
            "name": "Kitchen satellite",
        }
        values.update(overrides)
        app = SatelliteApp(Options(**values))
        await app.start()
        apps.append(app)
        assert app.link is not None and app.stored is not None
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Kitchen satellite",
            data={
                CONF_KIND: KIND_SATELLITE,
                CONF_HOST: "127.0.0.1",
                CONF_PORT: app.link.port,
                CONF_SATELLITE_ID: app.stored.satellite_id,
                CONF_PAIRING_KEY: app.stored.pairing_key,
            },
            options={CONF_AGENT_ENTRY_ID: agent_entry.entry_id},
            unique_id=f"satellite-{app.stored.satellite_id}",
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await wait_until(lambda: runtime(entry).status.connected)
        return app, entry

    yield start
    for app in apps:
        await app.stop()


def runtime(entry: MockConfigEntry) -> SatelliteRuntime:
    """The satellite entry's runtime."""
    value = entry.runtime_data
    assert isinstance(value, SatelliteRuntime)
    return value


async def wait_until(predicate: Callable[[], bool], seconds: float = 20.0) -> None:
    """Poll until `predicate()` holds (everything runs in this loop, so polling is cheap)."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - no single event covers all of these
            await asyncio.sleep(0.01)
