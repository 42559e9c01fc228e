"""The options flow, and options reaching the next session's `session.update`."""

from __future__ import annotations

from typing import Any

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from msgspec import UNSET
from pytest_homeassistant_custom_component.common import MockConfigEntry
from voicelive.events import SessionUpdate
from voicelive.models import FarFieldNoiseReduction, ServerVAD

from custom_components.azure_voice_live.const import CONF_MCP_SERVERS
from emulator import Emulator

SETTINGS: dict[str, Any] = {
    "prompt": "You are {{ 'Jarvis' }}.",
    "llm_hass_api": "none",
    "services": [],
    "tool_choice": "auto",
    "voice": {"type": "openai", "name": "marin"},
    "response": {"modalities": ["text", "audio"], "max_response_output_tokens": "250"},
    "turn_detection": {
        "type": "server_vad",
        "threshold": 0.4,
        "silence_duration_ms": 600.0,
        "eou_model": "semantic_detection_v1",
        "eou_threshold_level": "high",
        "eou_timeout_ms": 900,
    },
    "audio": {
        "noise_reduction": "far_field",
        "echo_cancellation": "none",
        "transcription_model": "whisper-1",
        "transcription_language": "en",
        "word_timestamps": True,
    },
}


async def _open_step(hass: HomeAssistant, entry: MockConfigEntry, step: str) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.FORM
    return result


async def _converse(hass: HomeAssistant, text: str, conversation_id: str | None = None) -> Any:
    return await conversation.async_converse(
        hass, text, conversation_id, Context(), agent_id="conversation.gpt_realtime_127"
    )


async def test_settings_change_next_session(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """Saved settings reload the entry; the next session asks for exactly them."""
    result = await _open_step(hass, config_entry, "settings")
    result = await hass.config_entries.options.async_configure(result["flow_id"], SETTINGS)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert config_entry.options["voice"] == {"type": "openai", "name": "marin"}

    reply = await _converse(hass, "hello there")
    assert reply.response.speech["plain"]["speech"] == "You said: hello there"
    update = next(e for e in emulator.sessions[-1].received if isinstance(e, SessionUpdate))
    session = update.session
    assert session.instructions.endswith("You are Jarvis.")
    assert session.modalities == ["text"]  # text conversations are text only
    assert session.voice.name == "marin"
    assert session.max_response_output_tokens == 250
    assert isinstance(session.turn_detection, ServerVAD)
    assert session.turn_detection.threshold == 0.4
    assert session.turn_detection.silence_duration_ms == 600
    assert session.turn_detection.end_of_utterance_detection.threshold_level == "high"
    assert isinstance(session.input_audio_noise_reduction, FarFieldNoiseReduction)
    assert session.input_audio_echo_cancellation is UNSET
    assert session.input_audio_transcription.model == "whisper-1"
    assert session.output_audio_timestamp_types == ["word"]
    assert session.tools is UNSET


async def test_invalid_settings(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """Settings that make no valid session are refused with the reason; nothing is saved."""
    result = await _open_step(hass, config_entry, "settings")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**SETTINGS, "voice": {"type": "openai", "name": "robot"}}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_settings"}
    assert "voice.name" in result["description_placeholders"]["error"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **SETTINGS,
            "response": {"modalities": ["text"], "max_response_output_tokens": "lots"},
        },
    )
    assert result["errors"] == {"base": "invalid_settings"}
    assert "lots" in result["description_placeholders"]["error"]
    assert "voice" not in config_entry.options


async def test_mcp_servers_add_and_remove(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """MCP servers are added with validation, kept by the settings step, and removed."""
    result = await _open_step(hass, config_entry, "mcp_add")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "server_label": "bad label",
            "server_url": "ftp://x",
            "headers": {"Authorization": 5},
            "require_approval": "always",
        },
    )
    assert result["errors"] == {
        "server_label": "invalid_label",
        "server_url": "invalid_url",
        "headers": "invalid_headers",
    }
    server = {
        "server_label": "weather",
        "server_url": "http://127.0.0.1:9/mcp",
        "allowed_tools": ["get_weather"],
        "headers": {"Authorization": "Bearer mcp-secret"},
        "require_approval": "always",
        "approved_tools": ["get_weather"],
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], server)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert config_entry.options[CONF_MCP_SERVERS] == [server]

    result = await _open_step(hass, config_entry, "mcp_add")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**server, "server_url": "https://example.com/mcp"}
    )
    assert result["errors"] == {"server_label": "duplicate_label"}

    result = await _open_step(hass, config_entry, "settings")
    result = await hass.config_entries.options.async_configure(result["flow_id"], SETTINGS)
    await hass.async_block_till_done()
    assert config_entry.options[CONF_MCP_SERVERS] == [server]

    result = await _open_step(hass, config_entry, "mcp_remove")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MCP_SERVERS: ["weather"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert config_entry.options[CONF_MCP_SERVERS] == []
