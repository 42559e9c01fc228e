"""The conversation entity: text turns from the Assist dialog and Assist pipelines.

Each conversation (HA's `conversation_id`) gets its own Voice Live session with
`modalities: ["text"]`, opened at its first turn and kept warm for follow-ups, so a follow-up
costs one round trip and the service keeps the history. A session idle for `IDLE_TIMEOUT` seconds
is closed (a Voice Live session is billed while open). Reply text is streamed into HA's chat log
as it arrives; the model's function calls run through the shared tool loop; any failure becomes a
spoken-friendly error response instead of an exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any, Literal

from homeassistant.components import conversation
from homeassistant.components.conversation.models import AbstractConversationAgent
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_LLM_HASS_API, MATCH_ALL
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import intent
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.event import async_call_later

from .agent import LiveSession, VoiceLiveAgent
from .const import CONF_PROMPT, CONF_SERVICES, DOMAIN, IDLE_TIMEOUT, LOGGER, TURN_TIMEOUT
from .session_config import build_session
from .tool_loop import ToolLoop
from .tools import AgentTools
from .voicelive import AuthenticationError, VoiceLiveError
from .voicelive.events import (
    ConversationItemCreate,
    ErrorEvent,
    ResponseCreate,
    ResponseDone,
    ResponseOutputItemAdded,
    ResponseTextDelta,
    SessionUpdate,
)
from .voicelive.models import (
    InputTextContentPart,
    RealtimeRequestSession,
    RequestMessageItem,
    ResponseMessageItem,
)

TEXT_MODALITIES = ["text"]


class TurnError(VoiceLiveError):
    """The service reported an error, or a failed response, during a turn."""


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[VoiceLiveAgent],
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the conversation entity of the entry."""
    async_add_entities([VoiceLiveConversationEntity(entry)])


@dataclass
class ConversationSession:
    """The warm Voice Live session of one HA conversation."""

    live: LiveSession
    tools: AgentTools
    loop: ToolLoop
    instructions: str | None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    cancel_idle: CALLBACK_TYPE | None = None


class VoiceLiveConversationEntity(conversation.ConversationEntity, AbstractConversationAgent):
    """Azure Voice Live as a conversation agent."""

    _attr_has_entity_name = True
    _attr_name = None

    def __init__(self, entry: ConfigEntry[VoiceLiveAgent]) -> None:
        """One entity per entry, on a service device."""
        self.entry = entry
        self.agent = entry.runtime_data
        self.sessions: dict[str, ConversationSession] = {}
        self._opening: dict[str, asyncio.Lock] = {}
        self._attr_unique_id = entry.entry_id
        self._attr_device_info = dr.DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer="Microsoft",
            model="Azure AI Voice Live",
            entry_type=dr.DeviceEntryType.SERVICE,
        )
        if entry.options.get(CONF_LLM_HASS_API) or entry.options.get(CONF_SERVICES):
            self._attr_supported_features = conversation.ConversationEntityFeature.CONTROL

    @property
    def supported_languages(self) -> list[str] | Literal["*"]:
        """Voice Live models are multilingual."""
        return MATCH_ALL

    async def async_added_to_hass(self) -> None:
        """Register as a conversation agent."""
        await super().async_added_to_hass()
        conversation.async_set_agent(self.hass, self.entry, self)

    async def async_will_remove_from_hass(self) -> None:
        """Unregister, and close every open session (they are billed while open)."""
        conversation.async_unset_agent(self.hass, self.entry)
        await asyncio.gather(*(self._async_close(cid) for cid in list(self.sessions)))
        await super().async_will_remove_from_hass()

    async def _async_handle_message(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
    ) -> conversation.ConversationResult:
        """One text turn."""
        options = self.entry.options
        try:
            await chat_log.async_update_llm_data(
                DOMAIN, user_input, options.get(CONF_LLM_HASS_API), options.get(CONF_PROMPT)
            )
        except conversation.ConverseError as err:
            return err.as_conversation_result()

        intent_response = intent.IntentResponse(language=user_input.language)
        try:
            await self._async_turn(user_input, chat_log)
        except AuthenticationError:
            intent_response.async_set_error(
                intent.IntentResponseErrorCode.UNKNOWN,
                "Azure Voice Live did not accept the API key. Please re-authenticate the "
                "Azure Voice Live integration.",
            )
            return self._result(intent_response, chat_log)
        except (VoiceLiveError, TimeoutError) as err:
            LOGGER.warning("Voice Live turn failed: %s", err or type(err).__name__)
            intent_response.async_set_error(
                intent.IntentResponseErrorCode.UNKNOWN,
                "Sorry, I could not get an answer from Azure Voice Live right now.",
            )
            return self._result(intent_response, chat_log)

        last = chat_log.content[-1]
        text = last.content if isinstance(last, conversation.AssistantContent) else None
        intent_response.async_set_speech(text or "")
        return self._result(intent_response, chat_log)

    @staticmethod
    def _result(
        response: intent.IntentResponse, chat_log: conversation.ChatLog
    ) -> conversation.ConversationResult:
        return conversation.ConversationResult(
            response=response,
            conversation_id=chat_log.conversation_id,
            continue_conversation=chat_log.continue_conversation,
        )

    async def _async_turn(
        self, user_input: conversation.ConversationInput, chat_log: conversation.ChatLog
    ) -> None:
        """Send the user's text, stream the reply into the chat log, run tool calls."""
        conversation_id = chat_log.conversation_id
        system = chat_log.content[0]
        instructions = system.content if isinstance(system, conversation.SystemContent) else ""
        session = await self._async_get_session(conversation_id, chat_log, instructions)
        async with session.lock:
            self._cancel_idle(session)
            try:
                session.tools.llm_api = chat_log.llm_api
                session.loop.new_turn(user_input.context)
                if instructions != session.instructions:
                    session.instructions = instructions
                    await session.live.send(
                        SessionUpdate(session=RealtimeRequestSession(instructions=instructions))
                    )
                await session.live.send(
                    ConversationItemCreate(
                        item=RequestMessageItem(
                            role="user", content=[InputTextContentPart(text=user_input.text)]
                        )
                    )
                )
                await session.live.send(ResponseCreate())
                async with asyncio.timeout(TURN_TIMEOUT):
                    async for _content in chat_log.async_add_delta_content_stream(
                        user_input.agent_id or self.entity_id, self._stream(session)
                    ):
                        pass
                for name, arguments, output in session.loop.calls:
                    chat_log.async_trace(
                        {"tool_call": {"name": name, "arguments": arguments, "output": output}}
                    )
            except BaseException:
                await self._async_close(conversation_id)
                raise
            self._schedule_idle(conversation_id, session)

    async def _async_get_session(
        self, conversation_id: str, chat_log: conversation.ChatLog, instructions: str
    ) -> ConversationSession:
        """The warm session of the conversation, or a new one (never two for one conversation)."""
        lock = self._opening.setdefault(conversation_id, asyncio.Lock())
        try:
            async with lock:
                session = self.sessions.get(conversation_id)
                if session is not None and session.live.closed:
                    await self._async_close(conversation_id)
                    session = None
                if session is None:
                    session = await self._async_open(conversation_id, chat_log, instructions)
                return session
        finally:
            if not lock.locked():
                self._opening.pop(conversation_id, None)

    async def _async_open(
        self, conversation_id: str, chat_log: conversation.ChatLog, instructions: str
    ) -> ConversationSession:
        tools = AgentTools(self.hass, self.agent.options, llm_api=chat_log.llm_api)
        request = build_session(
            self.entry.options,
            await tools.async_tools(),
            instructions=instructions,
            modalities=TEXT_MODALITIES,
        )
        live = await self.agent.async_open_session(request)
        session = ConversationSession(
            live=live,
            tools=tools,
            loop=ToolLoop(live, tools),
            instructions=instructions,
        )
        self.sessions[conversation_id] = session
        LOGGER.debug("Opened a Voice Live session for conversation %s", conversation_id)
        return session

    async def _stream(
        self, session: ConversationSession
    ) -> AsyncGenerator[conversation.AssistantContentDeltaDict]:
        """Server events of one turn, as chat-log deltas, until the last response is done."""
        while True:
            event: Any = await session.live.next_event()
            if isinstance(event, ResponseTextDelta):
                yield {"content": event.delta}
                continue
            if isinstance(event, ResponseOutputItemAdded) and isinstance(
                event.item, ResponseMessageItem
            ):
                yield {"role": "assistant"}
            elif isinstance(event, ErrorEvent):
                raise TurnError(f"{event.error.code}: {event.error.message}")
            follow_up = await session.loop.handle(event)
            if isinstance(event, ResponseDone) and not follow_up:
                if event.response.status == "failed":
                    raise TurnError(f"the response failed: {event.response.status_details}")
                return

    @callback
    def _cancel_idle(self, session: ConversationSession) -> None:
        if session.cancel_idle is not None:
            session.cancel_idle()
            session.cancel_idle = None

    @callback
    def _schedule_idle(self, conversation_id: str, session: ConversationSession) -> None:
        @callback
        def _expired(_now: Any) -> None:
            session.cancel_idle = None
            if self.sessions.get(conversation_id) is session:
                LOGGER.debug("Closing the idle session of conversation %s", conversation_id)
                self.entry.async_create_background_task(
                    self.hass, self._async_close(conversation_id), "voice live idle close"
                )

        session.cancel_idle = async_call_later(self.hass, IDLE_TIMEOUT, _expired)

    async def _async_close(self, conversation_id: str) -> None:
        session = self.sessions.pop(conversation_id, None)
        if session is None:
            return
        self._cancel_idle(session)
        await session.live.close()
