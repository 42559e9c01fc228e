"""Helpers of the component tests: one text turn, its speech, what the emulator received."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from voicelive.events import ConversationItemCreate
from voicelive.models import RequestFunctionCallOutputItem

from custom_components.azure_voice_live.const import CONF_PROMPT, DOMAIN
from emulator import Emulator

from .conftest import entry_data

AGENT = "conversation.gpt_realtime_127"


async def converse(
    hass: HomeAssistant, text: str, conversation_id: str | None = None
) -> conversation.ConversationResult:
    """One text turn with our agent."""
    return await conversation.async_converse(hass, text, conversation_id, Context(), agent_id=AGENT)


def speech(result: conversation.ConversationResult) -> str:
    """The spoken reply."""
    return str(result.response.speech["plain"]["speech"])


def received(emulator: Emulator, kind: type) -> list[Any]:
    """Events of a type that the newest emulator session received."""
    return [e for e in emulator.sessions[-1].received if isinstance(e, kind)]


def outputs(emulator: Emulator) -> list[dict[str, Any]]:
    """The function outputs that we sent to the newest session, parsed."""
    return [
        json.loads(e.item.output)
        for e in received(emulator, ConversationItemCreate)
        if isinstance(e.item, RequestFunctionCallOutputItem)
    ]


async def wait_for(predicate: Any) -> None:
    """Wait (2 s at most) until the emulator has seen something (it runs in the same loop)."""
    async with asyncio.timeout(2):
        while not predicate():  # noqa: ASYNC110 - the emulator offers no event for this
            await asyncio.sleep(0.01)


async def add_agent_entry(
    hass: HomeAssistant,
    url: str,
    *,
    unique_id: str,
    title: str = "gpt-realtime",
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """A loaded Voice Live agent entry on the (local) service at `url`."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data=entry_data(url),
        options={CONF_PROMPT: "You are the voice of a home."} if options is None else options,
        unique_id=unique_id,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
