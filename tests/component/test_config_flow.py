"""The config flow against the real emulator: every branch, reauth and reconfigure."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from homeassistant import config_entries
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from voicelive.events import SessionUpdate

from custom_components.azure_voice_live.config_flow import unique_id_for
from custom_components.azure_voice_live.const import (
    CONF_AGENT_NAME,
    CONF_AGENT_PROJECT,
    CONF_AGENT_VERSION,
    CONF_API_VERSION,
    CONF_ENDPOINT,
    CONF_MODEL,
    CONF_TARGET,
    DOMAIN,
)
from emulator import Emulator

from .conftest import API_KEY, entry_data
from .misbehaving_service import MisbehavingService


async def _start(hass: HomeAssistant, target: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["model", "agent", "satellite"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": target}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == target
    return result


def _model_input(url: str, **overrides: Any) -> dict[str, Any]:
    return {
        CONF_ENDPOINT: url,
        CONF_API_KEY: API_KEY,
        CONF_MODEL: "gpt-realtime",
        "advanced": {CONF_API_VERSION: "2025-10-01"},
        **overrides,
    }


async def test_model_success(hass: HomeAssistant, emulator: Emulator) -> None:
    """A model entry is created only after a real session was opened and configured."""
    result = await _start(hass, "model")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _model_input(emulator.url + "/")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "gpt-realtime (127)"
    assert result["data"] == entry_data(emulator.url)
    assert result["result"].unique_id == unique_id_for(entry_data(emulator.url))
    assert result["options"]["llm_hass_api"] == "assist"
    session = emulator.sessions[-1]
    updates = [e for e in session.received if isinstance(e, SessionUpdate)]
    assert len(updates) == 1
    assert updates[0].session.modalities == ["text"]
    assert session.closed  # the validation session is not left open (it is billed)


async def test_agent_success(hass: HomeAssistant, emulator: Emulator) -> None:
    """The agent form: name, project and version."""
    result = await _start(hass, "agent")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_ENDPOINT: emulator.url,
            CONF_API_KEY: API_KEY,
            CONF_AGENT_NAME: "home-agent",
            CONF_AGENT_PROJECT: "house",
            CONF_AGENT_VERSION: "3",
            "advanced": {CONF_API_VERSION: "2025-10-01"},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "home-agent (127)"
    assert result["data"][CONF_TARGET] == "agent"
    assert result["result"].unique_id.endswith("/agent/house/home-agent")
    assert emulator.sessions[-1].closed


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({CONF_API_KEY: "wrong-key"}, {"base": "invalid_auth"}),
        ({CONF_ENDPOINT: "ftp://example"}, {CONF_ENDPOINT: "invalid_endpoint"}),
        ({CONF_ENDPOINT: "http://127.0.0.1:1"}, {"base": "cannot_connect"}),
    ],
)
async def test_errors_then_recover(
    hass: HomeAssistant, emulator: Emulator, overrides: dict[str, Any], error: dict[str, str]
) -> None:
    """Each failure shows its error on the form, and the same flow then succeeds."""
    result = await _start(hass, "model")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _model_input(emulator.url, **overrides)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == error
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _model_input(emulator.url)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_not_found_is_invalid_endpoint(hass: HomeAssistant, emulator: Emulator) -> None:
    """A URL that answers 404 at the upgrade is not a Voice Live endpoint."""
    result = await _start(hass, "model")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _model_input(emulator.url + "/not/voice-live")
    )
    assert result["errors"] == {CONF_ENDPOINT: "invalid_endpoint"}


async def test_already_configured(hass: HomeAssistant, emulator: Emulator) -> None:
    """One entry per endpoint and model."""
    MockConfigEntry(
        domain=DOMAIN,
        data=entry_data(emulator.url),
        unique_id=unique_id_for(entry_data(emulator.url)),
    ).add_to_hass(hass)
    result = await _start(hass, "model")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _model_input(emulator.url)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(hass: HomeAssistant, emulator: Emulator) -> None:
    """A new key is proved with a session, stored, and the entry reloaded."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=entry_data(emulator.url, api_key="old-key"),
        unique_id=unique_id_for(entry_data(emulator.url)),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_API_KEY] == API_KEY
    await hass.async_block_till_done()


async def test_reconfigure_model(hass: HomeAssistant, emulator: Emulator) -> None:
    """Reconfigure changes the model (and so the unique id), keeping the key when left empty."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=entry_data(emulator.url),
        unique_id=unique_id_for(entry_data(emulator.url)),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_ENDPOINT: "http://127.0.0.1:1",
            CONF_MODEL: "gpt-4.1",
            "advanced": {CONF_API_VERSION: "2025-10-01"},
        },
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_ENDPOINT: emulator.url,
            CONF_MODEL: "gpt-4.1",
            "advanced": {CONF_API_VERSION: "2025-10-01"},
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_MODEL] == "gpt-4.1"
    assert entry.data[CONF_API_KEY] == API_KEY
    assert entry.unique_id == unique_id_for(entry_data(emulator.url, model="gpt-4.1"))
    assert entry.title == "gpt-4.1 (127)"
    await hass.async_block_till_done()


async def test_reconfigure_agent_new_key_and_conflict(
    hass: HomeAssistant, emulator: Emulator
) -> None:
    """An agent entry: a new key is taken; moving onto another entry's agent is refused."""
    agent = entry_data(
        emulator.url,
        target="agent",
        agent_name="a1",
        agent_project="p",
        agent_version="2",
    )
    agent.pop(CONF_MODEL)
    entry = MockConfigEntry(domain=DOMAIN, data=agent, unique_id=unique_id_for(agent))
    entry.add_to_hass(hass)
    other = {**agent, CONF_AGENT_NAME: "a2"}
    MockConfigEntry(domain=DOMAIN, data=other, unique_id=unique_id_for(other)).add_to_hass(hass)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_ENDPOINT: emulator.url,
            CONF_API_KEY: API_KEY,
            CONF_AGENT_NAME: "a1",
            CONF_AGENT_PROJECT: "p",
            "advanced": {CONF_API_VERSION: "2025-10-01"},
        },
    )
    assert result["reason"] == "reconfigure_successful"
    assert CONF_AGENT_VERSION not in entry.data
    await hass.async_block_till_done()

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_ENDPOINT: emulator.url,
            CONF_AGENT_NAME: "a2",
            CONF_AGENT_PROJECT: "p",
            "advanced": {CONF_API_VERSION: "2025-10-01"},
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("mode", "error"), [("refuse", "session_rejected"), ("silent", "cannot_connect")]
)
async def test_session_refused_or_unanswered(
    hass: HomeAssistant, socket_enabled: None, mode: str, error: str
) -> None:
    """A service that refuses or ignores session.update is reported on the form."""
    async with MisbehavingService(mode) as service:  # type: ignore[arg-type]
        with patch("custom_components.azure_voice_live.agent.SESSION_TIMEOUT", 0.2):
            result = await _start(hass, "model")
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], _model_input(service.url)
            )
    assert result["errors"] == {"base": error}


async def test_unexpected_error_is_unknown(hass: HomeAssistant, emulator: Emulator) -> None:
    """A bug of ours shows `unknown` (and is logged), never a broken form."""
    with patch(
        "custom_components.azure_voice_live.config_flow.async_configure",
        side_effect=RuntimeError("bug"),
    ):
        result = await _start(hass, "model")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _model_input(emulator.url)
        )
    assert result["errors"] == {"base": "unknown"}
    assert emulator.sessions[-1].closed
