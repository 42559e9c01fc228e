"""The runtime object of a config entry: how to reach Voice Live, and a session with settings.

`VoiceLiveAgent` lives in `entry.runtime_data`. It knows the endpoint, the key and the model or
agent, opens sessions on Home Assistant's shared aiohttp session, and starts a reauth flow when the
service stops accepting the key. `LiveSession` is one open Voice Live session with a reader task,
so that heartbeats are answered and a close by the service is noticed even while nobody is
waiting for a reply (a text conversation kept warm between turns).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components import conversation
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY, CONF_LLM_HASS_API
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import llm, template
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import (
    CONF_AGENT_NAME,
    CONF_AGENT_PROJECT,
    CONF_AGENT_VERSION,
    CONF_API_VERSION,
    CONF_ENDPOINT,
    CONF_MODEL,
    CONF_PROMPT,
    CONF_TARGET,
    DEFAULT_API_VERSION,
    DOMAIN,
    LOGGER,
    SESSION_TIMEOUT,
    TARGET_AGENT,
)
from .session_config import build_session
from .tools import AgentTools
from .voicelive import AnyServerEvent, AuthenticationError, ConnectionClosedError, VoiceLiveError
from .voicelive.client import VoiceLiveConnection, connect
from .voicelive.endpoint import AgentTarget
from .voicelive.events import ErrorEvent, SessionCreated, SessionUpdate, SessionUpdated
from .voicelive.models import RealtimeRequestSession, RealtimeResponseSession


class SessionError(VoiceLiveError):
    """The service answered the session setup with an `error` event."""


async def async_open_connection(
    hass: HomeAssistant, data: Mapping[str, Any], **kwargs: Any
) -> VoiceLiveConnection:
    """Dial Voice Live with the connection settings of a config entry (or of a flow)."""
    agent: AgentTarget | None = None
    model: str | None = None
    if data.get(CONF_TARGET) == TARGET_AGENT:
        agent = AgentTarget(
            name=data[CONF_AGENT_NAME],
            project=data[CONF_AGENT_PROJECT],
            version=data.get(CONF_AGENT_VERSION) or None,
        )
    else:
        model = data[CONF_MODEL]
    return await connect(
        data[CONF_ENDPOINT],
        api_key=data[CONF_API_KEY],
        model=model,
        agent=agent,
        api_version=data.get(CONF_API_VERSION) or DEFAULT_API_VERSION,
        session=async_get_clientsession(hass),
        **kwargs,
    )


async def async_configure(
    conn: VoiceLiveConnection, session: RealtimeRequestSession
) -> RealtimeResponseSession:
    """Wait for `session.created`, send `session.update`, and return the `session.updated` one."""
    async with asyncio.timeout(SESSION_TIMEOUT):
        sent = False
        while True:
            event = await conn.recv()
            if isinstance(event, ErrorEvent):
                raise SessionError(f"{event.error.code}: {event.error.message}")
            if isinstance(event, SessionCreated) and not sent:
                await conn.send(SessionUpdate(session=session))
                sent = True
            elif isinstance(event, SessionUpdated) and sent:
                return event.session


class LiveSession:
    """One configured Voice Live session, read by a background task into a queue."""

    def __init__(
        self,
        conn: VoiceLiveConnection,
        effective: RealtimeResponseSession,
        on_close: Callable[[LiveSession], None] | None = None,
    ) -> None:
        """Wrap an open, configured connection (see `VoiceLiveAgent.async_open_session`)."""
        self.conn = conn
        self.effective = effective
        self._on_close = on_close
        self.events: asyncio.Queue[AnyServerEvent | None] = asyncio.Queue()
        self.error: BaseException | None = None
        self._reader: asyncio.Task[None] | None = None

    def start(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Start the reader task (an entry background task, cancelled on unload)."""
        self._reader = entry.async_create_background_task(
            hass, self._read(), f"{entry.title} Voice Live reader"
        )

    async def _read(self) -> None:
        try:
            async for event in self.conn:
                self.events.put_nowait(event)
        except VoiceLiveError as err:
            self.error = err
            LOGGER.debug("Voice Live session ended: %s", err)
        finally:
            self.events.put_nowait(None)  # end of stream

    @property
    def closed(self) -> bool:
        """True once the socket is closed by either side."""
        return self.conn.closed

    async def send(self, event: Any) -> None:
        """Send a client event (validated strictly)."""
        await self.conn.send(event)

    async def next_event(self) -> AnyServerEvent:
        """The next server event; `ConnectionClosedError` once the stream has ended.

        Callers bound the wait with `asyncio.timeout` around their whole turn.
        """
        event = await self.events.get()
        if event is None:
            self.events.put_nowait(None)  # keep reporting the end
            if isinstance(self.error, VoiceLiveError):
                raise self.error
            raise ConnectionClosedError(None, "session closed")
        return event

    async def close(self) -> None:
        """Close the socket and stop the reader."""
        if self._on_close is not None:
            self._on_close(self)
            self._on_close = None
        await self.conn.close()
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


class VoiceLiveAgent:
    """What a config entry holds at runtime (`entry.runtime_data`)."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Bind to the entry; nothing is dialled until a session is needed."""
        self.hass = hass
        self.entry = entry
        self.live_sessions: set[LiveSession] = set()

    @property
    def options(self) -> Mapping[str, Any]:
        """The agent's options (voice, tools, turn detection, ...)."""
        return self.entry.options

    def llm_context(self, context: Context | None = None) -> llm.LLMContext:
        """The LLM context of a voice session (no chat log, no user text yet)."""
        return llm.LLMContext(
            platform=DOMAIN,
            context=context,
            user_prompt=None,
            language=self.hass.config.language,
            assistant=conversation.DOMAIN,
            device_id=None,
        )

    async def async_voice_tools(self, context: Context | None = None) -> AgentTools:
        """The tools of a voice session: the Assist API chosen in the options, services, MCP."""
        llm_api: llm.APIInstance | None = None
        if api_id := self.options.get(CONF_LLM_HASS_API):
            try:
                llm_api = await llm.async_get_api(self.hass, api_id, self.llm_context(context))
            except HomeAssistantError as err:
                LOGGER.error("The LLM API %s is not available: %s", api_id, err)
        return AgentTools(self.hass, self.options, llm_api=llm_api)

    def render_instructions(self, llm_api: llm.APIInstance | None) -> str:
        """The instruction template rendered now, as HA's own agents render it."""
        prompt = template.Template(
            llm.BASE_PROMPT + (self.options.get(CONF_PROMPT) or llm.DEFAULT_INSTRUCTIONS_PROMPT),
            self.hass,
        ).async_render(
            {
                "ha_name": self.hass.config.location_name,
                "user_name": None,
                "llm_context": self.llm_context(),
            },
            parse_result=False,
        )
        return f"{prompt}\n{llm_api.api_prompt}" if llm_api is not None else prompt

    async def async_build_voice_session(
        self, audio_overrides: Mapping[str, Any] | None = None
    ) -> tuple[RealtimeRequestSession, AgentTools]:
        """The session and tools of a voice (satellite) session.

        `audio_overrides` takes the option keys of the audio section (`input_audio_format`,
        `input_audio_sampling_rate`, `output_audio_format`, `noise_reduction`,
        `echo_cancellation`): what the satellite really sends and plays. Feed every server event
        of the session to a `ToolLoop(connection, tools)` to run the model's tool calls.
        """
        tools = await self.async_voice_tools()
        session = build_session(
            self.options,
            await tools.async_tools(),
            instructions=self.render_instructions(tools.llm_api),
            audio_overrides=audio_overrides,
        )
        return session, tools

    async def async_connect(self) -> VoiceLiveConnection:
        """Dial the service; a refused key starts the reauth flow before the error goes up."""
        try:
            return await async_open_connection(self.hass, self.entry.data)
        except AuthenticationError:
            LOGGER.warning("Azure Voice Live refused the API key of %s", self.entry.title)
            self.entry.async_start_reauth(self.hass)
            raise

    async def async_open_session(self, session: RealtimeRequestSession) -> LiveSession:
        """Open a session, configure it with `session`, and start reading it."""
        conn = await self.async_connect()
        try:
            effective = await async_configure(conn, session)
        except BaseException:
            await conn.close()
            raise
        live = LiveSession(conn, effective, self.live_sessions.discard)
        self.live_sessions.add(live)
        live.start(self.hass, self.entry)
        return live
