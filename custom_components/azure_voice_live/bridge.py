"""The bridge: one Pi satellite's audio relayed to a Voice Live session that Home Assistant owns.

The satellite wakes (`satellite.wake`) and sends its `session.update` (its audio settings); the
bridge opens the upstream Voice Live session and configures it with the agent's settings (model,
voice, instructions, turn detection, tools) merged with the satellite's audio settings (format,
rate, noise reduction, echo cancellation). From then on frames pass both ways as they came, without
re-encoding; the bridge reads them only to run tool calls in HA, to keep the satellite entity's
state, and to remember the last transcript and reply. When the satellite ends the session
(`satellite.session_end`) or goes away, the upstream socket is closed at once: a Voice Live
session is billed while it is open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from homeassistant.core import Context

from .const import CONF_ECHO_CANCELLATION, CONF_NOISE_REDUCTION
from .satellite_link import SatelliteLink
from .tool_loop import ToolLoop
from .tools import AgentTools
from .voicelive import link
from .voicelive.client import VoiceLiveConnection
from .voicelive.codec import AnyServerEvent, serialize_event
from .voicelive.errors import ProtocolError, VoiceLiveError
from .voicelive.events import (
    ClientEvent,
    ConversationItemCreate,
    ErrorEvent,
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioTranscriptionCompleted,
    ResponseAudioDelta,
    ResponseAudioTranscriptDone,
    ResponseCreate,
    ResponseCreated,
    ResponseDone,
    ResponseFunctionCallArgumentsDone,
    ResponseOutputItemAdded,
    ResponseTextDone,
    SessionUpdate,
)
from .voicelive.models import (
    ErrorEventDetails,
    InputTextContentPart,
    RealtimeRequestSession,
    RealtimeResponseOptions,
    RequestMessageItem,
    ResponseFunctionCallItem,
)

_LOGGER = logging.getLogger(__name__)

#: Upper bound for closing the upstream socket: the satellite's session ends within a second.
UPSTREAM_CLOSE_TIMEOUT = 0.8
ANNOUNCE_TIMEOUT = 60.0
#: The type prefix of the link's own control messages (`voicelive.link`).
LINK_TYPE_PREFIX = "satellite."


class BridgeState(StrEnum):
    """What the satellite is doing, as its assist_satellite entity shows it."""

    IDLE = "idle"
    LISTENING = "listening"
    PROCESSING = "processing"
    RESPONDING = "responding"


class VoiceAgent(Protocol):
    """What the bridge needs from the Voice Live agent that the satellite uses."""

    async def async_connect(self) -> VoiceLiveConnection:
        """Open an upstream Voice Live session."""

    async def async_build_voice_session(
        self, audio_overrides: Mapping[str, Any] | None = None
    ) -> tuple[RealtimeRequestSession, AgentTools]:
        """The agent's voice session (with these audio settings) and its tools."""


@dataclass
class BridgeObserver:
    """Callbacks through which the satellite's entities follow the bridge."""

    on_state: Callable[[BridgeState], None]
    on_transcript: Callable[[str], None]
    on_reply: Callable[[str], None]
    on_tool_call: Callable[[str, str, str], None]
    on_muted: Callable[[bool], None]


@dataclass
class BridgeStats:
    """Counters for diagnostics."""

    sessions_opened: int = 0
    sessions_closed: int = 0
    frames_up: int = 0
    frames_down: int = 0
    tool_calls: int = 0
    bad_frames: int = 0
    last_error: str | None = None


def satellite_audio_overrides(session: RealtimeRequestSession) -> dict[str, Any]:
    """The satellite's own audio settings, as the agent's audio option keys.

    The satellite owns its microphone and speaker: what it asks for wins over the agent's options,
    and a noise reduction or echo cancellation that it leaves out is off.
    """
    overrides: dict[str, Any] = {
        CONF_NOISE_REDUCTION: _tag(session.input_audio_noise_reduction),
        CONF_ECHO_CANCELLATION: _tag(session.input_audio_echo_cancellation),
    }
    for name in ("input_audio_format", "input_audio_sampling_rate", "output_audio_format"):
        value = getattr(session, name)
        if isinstance(value, str | int):
            overrides[name] = value
    return overrides


def _tag(setting: object) -> str:
    config = getattr(setting, "__struct_config__", None)
    return str(config.tag) if config is not None else "none"


class _UpstreamSession:
    """One open Voice Live session of the satellite, with its tool loop and reader."""

    def __init__(
        self,
        agent: VoiceAgent,
        connection: VoiceLiveConnection,
        tools: AgentTools,
        session: RealtimeRequestSession,
    ) -> None:
        self.agent = agent
        self.connection = connection
        self.loop = ToolLoop(connection, tools, context=Context())
        # Built with the tools when the session opened; the first `session.update` sends it,
        # so a wake builds the agent's session (instructions template, tool schemas) once.
        self.unsent_session: RealtimeRequestSession | None = session
        self.reader: asyncio.Task[None] | None = None
        self.response_done = asyncio.Event()


class SatelliteBridge:
    """Relays one satellite link to Voice Live sessions opened when the satellite wakes."""

    def __init__(
        self,
        satellite: SatelliteLink,
        agent_getter: Callable[[], VoiceAgent],
        observer: BridgeObserver,
    ) -> None:
        """Relay `satellite`; `agent_getter` finds the agent entry at each wake (it may change)."""
        self._satellite = satellite
        self._agent_getter = agent_getter
        self._observer = observer
        self._upstream: _UpstreamSession | None = None
        self._opening: asyncio.Lock = asyncio.Lock()
        self.state = BridgeState.IDLE
        self.stats = BridgeStats()

    @property
    def name(self) -> str:
        """The satellite's name."""
        return self._satellite.info.name

    @property
    def upstream_open(self) -> bool:
        """True while a Voice Live session is open for this satellite."""
        return self._upstream is not None and not self._upstream.connection.closed

    # --- satellite -> upstream ------------------------------------------------------------------

    async def run(self) -> None:
        """Pump frames from the satellite until the link closes; then close upstream."""
        try:
            while (text := await self._satellite.receive_text()) is not None:
                await self.handle_satellite_frame(text)
        finally:
            await self.close_upstream("satellite link closed")
            self._set_state(BridgeState.IDLE)

    async def handle_satellite_frame(self, text: str) -> None:
        """Act on one frame from the satellite; a bad frame is answered and the link goes on."""
        try:
            frame = link.decode_from_satellite(text)
        except ProtocolError as exc:
            self.stats.bad_frames += 1
            _LOGGER.warning("Satellite %s sent a bad frame: %s", self.name, exc)
            await self._send_error_to_satellite(exc)
            return
        if isinstance(frame, link.LinkMessage):
            await self._on_link_message(frame)
        else:
            await self._on_client_event(frame, text)

    async def _on_link_message(self, message: link.LinkMessage) -> None:
        if isinstance(message, link.Wake):
            _LOGGER.info("Satellite %s woke (%s)", self.name, message.wake_word)
            self._set_state(BridgeState.LISTENING)
        elif isinstance(message, link.SessionEnd):
            _LOGGER.info("Satellite %s ended its session (%s)", self.name, message.reason)
            await self.close_upstream(message.reason)
            self._set_state(BridgeState.IDLE)
        elif isinstance(message, link.Muted):
            self._observer.on_muted(message.muted)
        else:
            _LOGGER.debug("Satellite %s: ignoring %s", self.name, type(message).__name__)

    async def _on_client_event(self, event: ClientEvent, text: str) -> None:
        if isinstance(event, SessionUpdate):
            upstream = await self._ensure_upstream(event.session)
            if upstream is None:
                return
            try:
                await self._configure(upstream, event.session)
            except (VoiceLiveError, ValueError) as exc:
                # The agent went away (a reload) or the session closed while it was being
                # configured: end this wake as when no session opens; the link stays up.
                self.stats.last_error = str(exc)
                _LOGGER.warning("Satellite %s: cannot configure the session: %s", self.name, exc)
                if self._upstream is upstream:
                    await self.close_upstream("configuration failed")
                    await self._satellite.send_message(
                        link.SessionEnd(reason="upstream_unavailable")
                    )
                self._set_state(BridgeState.IDLE)
            return
        upstream = self._upstream
        if upstream is None or upstream.connection.closed:
            _LOGGER.debug("Satellite %s: no session open, dropping %s", self.name, event.type)
            return
        self.stats.frames_up += 1
        try:
            await upstream.connection.send_text(text)
        except VoiceLiveError as exc:
            _LOGGER.debug("Satellite %s: upstream gone while sending: %s", self.name, exc)

    async def _configure(
        self, upstream: _UpstreamSession, satellite_session: RealtimeRequestSession
    ) -> None:
        agent = self._agent_getter()  # raises if the agent was unloaded meanwhile
        session = upstream.unsent_session if agent is upstream.agent else None
        upstream.unsent_session = None
        if session is None:  # a later session.update, or a reloaded agent: build it anew
            session, tools = await agent.async_build_voice_session(
                satellite_audio_overrides(satellite_session)
            )
            upstream.loop.tools = tools
        await upstream.connection.send(SessionUpdate(session=session))

    async def _send_error_to_satellite(self, exc: ProtocolError) -> None:
        error = ErrorEvent(
            error=ErrorEventDetails(
                type="invalid_request_error",
                code="invalid_event",
                message=exc.reason,
                param=exc.path,
            )
        )
        await self._satellite.send_text(serialize_event(error).decode())

    # --- upstream -------------------------------------------------------------------------------

    async def _ensure_upstream(
        self, satellite_session: RealtimeRequestSession | None
    ) -> _UpstreamSession | None:
        async with self._opening:
            if self._upstream is not None and not self._upstream.connection.closed:
                return self._upstream
            connection: VoiceLiveConnection | None = None
            try:
                agent = self._agent_getter()
                connection = await agent.async_connect()
                session, tools = await agent.async_build_voice_session(
                    satellite_audio_overrides(satellite_session) if satellite_session else None
                )
            except BaseException as exc:
                if connection is not None:  # never leak a paid session, even when cancelled
                    await connection.close()
                if not isinstance(exc, VoiceLiveError | ValueError):
                    raise
                self.stats.last_error = str(exc)
                _LOGGER.warning("Satellite %s: no Voice Live session: %s", self.name, exc)
                await self._satellite.send_message(link.SessionEnd(reason="upstream_unavailable"))
                self._set_state(BridgeState.IDLE)
                return None
            upstream = _UpstreamSession(agent, connection, tools, session)
            self.stats.sessions_opened += 1
            self._upstream = upstream
            upstream.reader = asyncio.create_task(
                self._pump_upstream(upstream), name=f"voicelive upstream of {self.name}"
            )
            return upstream

    async def _pump_upstream(self, upstream: _UpstreamSession) -> None:
        """Forward every upstream frame to the satellite, acting on the few that concern HA."""
        connection = upstream.connection
        try:
            while True:
                text, event = await connection.recv_frame()
                if event.type.startswith(LINK_TYPE_PREFIX):
                    # Only HA speaks `satellite.*` on the link: passed on, such a frame would
                    # let the service mute the satellite or end its session.
                    _LOGGER.warning(
                        "Satellite %s: dropping a %s event from the service", self.name, event.type
                    )
                    continue
                self.stats.frames_down += 1
                await self._satellite.send_text(text)
                await self._observe(upstream, event)
        except VoiceLiveError as exc:
            if self._upstream is upstream:
                # The service went away on its own (a drop, an expired session): end the
                # satellite's turn; its next wake opens a new session.
                _LOGGER.info("Satellite %s: the Voice Live session ended: %s", self.name, exc)
                self.stats.last_error = str(exc)
                self._upstream = None
                self.stats.sessions_closed += 1
                await self._satellite.send_message(link.SessionEnd(reason="upstream_closed"))
                self._set_state(BridgeState.IDLE)
        finally:
            upstream.response_done.set()
            await connection.close()

    async def _observe(self, upstream: _UpstreamSession, event: AnyServerEvent) -> None:
        if isinstance(event, InputAudioBufferSpeechStarted):
            self._set_state(BridgeState.LISTENING)
        elif isinstance(event, InputAudioBufferSpeechStopped | ResponseCreated):
            self._set_state(BridgeState.PROCESSING)
        elif isinstance(event, InputAudioBufferCommitted):
            upstream.loop.new_turn(Context())
        elif isinstance(event, ResponseAudioDelta):
            self._set_state(BridgeState.RESPONDING)
        elif isinstance(event, InputAudioTranscriptionCompleted):
            self._observer.on_transcript(event.transcript)
        elif isinstance(event, ResponseAudioTranscriptDone):
            self._observer.on_reply(event.transcript)
        elif isinstance(event, ResponseTextDone):
            self._observer.on_reply(event.text)
        elif isinstance(event, ErrorEvent):
            _LOGGER.warning("Satellite %s: Voice Live error: %s", self.name, event.error.message)
        elif isinstance(event, ResponseOutputItemAdded) and isinstance(
            event.item, ResponseFunctionCallItem
        ):
            self._set_state(BridgeState.PROCESSING)
        calls_before = len(upstream.loop.calls)
        follow_up = await upstream.loop.handle(event)
        for name, arguments, output in upstream.loop.calls[calls_before:]:
            self.stats.tool_calls += 1
            self._observer.on_tool_call(name, arguments, output)
        if isinstance(event, ResponseFunctionCallArgumentsDone):
            return
        if isinstance(event, ResponseDone) and not follow_up:
            upstream.response_done.set()
            if self.state in (BridgeState.RESPONDING, BridgeState.PROCESSING):
                self._set_state(BridgeState.LISTENING)

    async def close_upstream(self, reason: str) -> None:
        """Close the Voice Live session, if one is open, within a second."""
        upstream, self._upstream = self._upstream, None
        if upstream is None:
            return
        _LOGGER.debug("Satellite %s: closing the Voice Live session (%s)", self.name, reason)
        try:
            async with asyncio.timeout(UPSTREAM_CLOSE_TIMEOUT):
                await upstream.connection.close()
        except TimeoutError:
            _LOGGER.warning("Satellite %s: the upstream close handshake timed out", self.name)
        if upstream.reader is not None:
            upstream.reader.cancel()
            await asyncio.gather(upstream.reader, return_exceptions=True)
        self.stats.sessions_closed += 1

    # --- HA -> satellite ------------------------------------------------------------------------

    async def announce(self, text: str, *, listen: bool = False) -> None:
        """Have the satellite speak `text` in the agent's voice; return once it is said.

        With `listen`, the satellite opens its follow-up window afterwards, so the user can
        answer (assist_satellite's start_conversation).
        """
        if self.upstream_open:
            raise VoiceLiveError("the satellite is in a conversation")
        await self._satellite.send_message(link.Announce(text=text, listen=listen))
        ready = self._satellite.info.ready
        audio = RealtimeRequestSession(
            input_audio_format=ready.input_audio_format,
            input_audio_sampling_rate=ready.input_audio_sampling_rate,
            output_audio_format=ready.output_audio_format,
        )
        upstream = await self._ensure_upstream(audio)
        if upstream is None:
            raise VoiceLiveError("no Voice Live session could be opened for the announcement")
        self._set_state(BridgeState.RESPONDING)
        try:
            await self._configure(upstream, audio)
            upstream.response_done.clear()
            await upstream.connection.send(
                ConversationItemCreate(
                    item=RequestMessageItem(
                        role="system",
                        content=[
                            InputTextContentPart(
                                text="Read this announcement to the household word for word, "
                                f"and say nothing else: {text}"
                            )
                        ],
                    )
                )
            )
            await upstream.connection.send(
                ResponseCreate(response=RealtimeResponseOptions(tool_choice="none"))
            )
            async with asyncio.timeout(ANNOUNCE_TIMEOUT):
                await upstream.response_done.wait()
        except (VoiceLiveError, TimeoutError):
            # Never leave a paid session open, nor the satellite waiting for audio that will
            # not come (the agent went away while the session opened, or no reply in time).
            if self._upstream is upstream:
                await self.close_upstream("announcement failed")
                await self._satellite.send_message(link.SessionEnd(reason="upstream_unavailable"))
            self._set_state(BridgeState.IDLE)
            raise

    async def set_muted(self, muted: bool) -> None:
        """Mute or unmute the satellite's microphone."""
        await self._satellite.send_message(link.SetMuted(muted=muted))

    def _set_state(self, state: BridgeState) -> None:
        if state is not self.state:
            self.state = state
            self._observer.on_state(state)
