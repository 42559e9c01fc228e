"""Failures during a turn: friendly answers, no leaked session, reauth, no key in logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.azure_voice_live.const import DOMAIN
from emulator import Emulator

from .conftest import API_KEY, FAST_PACE, entry_data
from .helpers import converse, speech, wait_for

FAULTS = {
    "pace": FAST_PACE,
    "rules": [
        {"match": "explode", "reply": "never said", "fault": "error"},
        {"match": "hang up", "reply": "never said", "fault": "close_mid_response"},
        {"match": "garble", "reply": "Still here.", "fault": "malformed_json"},
        {"match": "oddity", "reply": "Still here too.", "fault": "unknown_event"},
    ],
}


@pytest.mark.parametrize("scenario", [FAULTS])
@pytest.mark.parametrize("text", ["explode", "hang up"])
async def test_service_failure_is_a_friendly_error(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry, text: str
) -> None:
    """An error event or a dropped socket ends the turn with a spoken error, and the session."""
    result = await converse(hass, text)
    assert result.response.response_type is intent.IntentResponseType.ERROR
    assert result.response.error_code is intent.IntentResponseErrorCode.UNKNOWN
    assert "Azure Voice Live" in speech(result)
    await wait_for(lambda: emulator.active_session_count == 0)
    # The conversation goes on with a fresh session.
    again = await converse(hass, "hello", result.conversation_id)
    assert speech(again) == "You said: hello"


@pytest.mark.parametrize("scenario", [FAULTS])
@pytest.mark.parametrize(
    ("text", "reply"), [("garble", "Still here."), ("oddity", "Still here too.")]
)
async def test_malformed_and_unknown_events_do_not_end_the_turn(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry, text: str, reply: str
) -> None:
    """A malformed frame is skipped and an unknown event passed over; the reply arrives."""
    result = await converse(hass, text)
    assert speech(result) == reply


async def test_cannot_connect_is_a_friendly_error(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """The service is gone: the user hears why instead of an exception."""
    await emulator.stop()
    result = await converse(hass, "hello")
    assert result.response.response_type is intent.IntentResponseType.ERROR
    assert "could not get an answer" in speech(result)


async def test_refused_key_starts_reauth(hass: HomeAssistant, emulator: Emulator) -> None:
    """A key that stops working during use starts the reauth flow."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="gpt-realtime (127)",
        data=entry_data(emulator.url, api_key="revoked-key"),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await converse(hass, "hello")
    assert result.response.response_type is intent.IntentResponseType.ERROR
    assert "re-authenticate" in speech(result)
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


@pytest.mark.parametrize(
    "options",
    [
        {
            "prompt": "Hi",
            "mcp_servers": [
                {
                    "server_label": "x",
                    "server_url": "http://127.0.0.1:9/mcp",
                    "headers": {"Authorization": "Bearer mcp-secret"},
                    "require_approval": "never",
                }
            ],
        }
    ],
)
async def test_key_absent_from_logs_and_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    options: dict[str, Any],
) -> None:
    """Neither the API key nor MCP headers show up in debug logs or diagnostics."""
    caplog.set_level(logging.DEBUG)
    await converse(hass, "hello")
    assert "You said: hello" in caplog.text  # the logs did capture the turn
    assert API_KEY not in caplog.text
    assert "mcp-secret" not in caplog.text

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, config_entry)
    text = str(diagnostics)
    assert API_KEY not in text
    assert "mcp-secret" not in text
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"
    [session] = diagnostics["open_sessions"]
    assert session["effective_session"]["modalities"] == ["text"]
