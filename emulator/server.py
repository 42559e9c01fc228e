"""The emulator's HTTP side: the `/voice-live/realtime` endpoint, auth, and session bookkeeping.

`Emulator` runs an aiohttp server (in-process from tests and the demo, or from the CLI) that
checks a request the way the service does before the WebSocket upgrade (a 401 without the right
key, a 400 without a model or agent, a 404 on any other path) and then hands the socket to an
`EmulatorSession`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

from aiohttp import web
from voicelive.endpoint import REALTIME_PATH

from .scenario import Scenario, ScenarioSource
from .session import EmulatorSession
from .tts import SpeechSynthesizer
from .vad import VAD_KINDS

_LOGGER = logging.getLogger(__name__)
DEFAULT_LOG_LIMIT = 4000


def _json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


class Emulator:
    """A local Voice Live service. See emulator/README.md."""

    def __init__(
        self,
        api_key: str | None = None,
        scenario: ScenarioSource = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        record: bool = True,
        record_audio: bool = True,
        log_limit: int = DEFAULT_LOG_LIMIT,
        use_espeak: bool | None = None,
        vad: str = "energy",
    ) -> None:
        if vad not in VAD_KINDS:
            raise ValueError(f"vad must be one of {sorted(VAD_KINDS)}, not {vad!r}")
        self.vad = vad
        self.api_key = api_key
        self.scenario: Scenario = Scenario.load(scenario)
        self.host = host
        self.port = port
        self.record = record
        self.record_audio = record_audio
        self.log_limit = log_limit
        self.synth = SpeechSynthesizer(use_espeak=use_espeak)
        self.sessions: list[EmulatorSession] = []
        self._open: set[EmulatorSession] = set()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://host:port`, what `voicelive.connect` takes as its endpoint."""
        if self._url is None:
            raise RuntimeError("the emulator is not running; await start() first")
        return self._url

    async def start(self) -> str:
        """Listen and return the URL."""
        if self._url is not None:
            return self._url
        app = web.Application()
        app.router.add_get(REALTIME_PATH, self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        sockets = [s for s in runner.addresses if isinstance(s, tuple)]
        self.port = int(sockets[0][1]) if sockets else self.port
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._url = f"http://{host}:{self.port}"
        _LOGGER.info("Voice Live emulator listening on %s", self._url)
        return self._url

    async def stop(self) -> None:
        """Close every session and the listener; safe to call twice."""
        runner, self._runner = self._runner, None
        for session in list(self._open):
            await session.close_socket(1001, "emulator shutting down")
        with contextlib.suppress(TimeoutError):
            await self.wait_for(lambda: not self._open, timeout=5.0)
        if runner is not None:
            await runner.cleanup()
        await self.synth.close()
        self._url = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- controls for tests -----------------------------------------------------------------

    @property
    def active_session_count(self) -> int:
        """Sockets open right now."""
        return len(self._open)

    def set_scenario(self, scenario: ScenarioSource) -> None:
        """Swap the brain, for new sessions and current ones alike."""
        self.scenario = Scenario.load(scenario)

    async def drop_all(self) -> None:
        """Abort every open socket without a close frame (a network drop)."""
        for session in list(self._open):
            session.abort()
        await asyncio.sleep(0)

    async def wait_for(
        self,
        predicate: Callable[[], object],
        timeout: float = 5.0,  # noqa: ASYNC109 - the test API takes a plain timeout
    ) -> None:
        """Wait until `predicate()` is true; TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            await asyncio.sleep(0.005)

    # --- the endpoint -----------------------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        if self.api_key is None:
            return True
        if request.headers.get("api-key") == self.api_key:
            return True
        if request.query.get("api-key") == self.api_key:
            return True
        auth = request.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and auth[7:].strip() == self.api_key

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return _json_error(
                401,
                "Unauthorized",
                "Access denied due to invalid subscription key or wrong API endpoint.",
            )
        query = request.query
        model = query.get("model")
        agent = query.get("agent-name")
        if not model and not (agent and query.get("agent-project-name")):
            return _json_error(
                400,
                "BadRequest",
                "The request needs a `model` query parameter, or `agent-name` and "
                "`agent-project-name`.",
            )
        ws = web.WebSocketResponse(compress=False, max_msg_size=16 * 1024 * 1024)
        if not ws.can_prepare(request).ok:
            return _json_error(400, "BadRequest", "This endpoint takes a WebSocket upgrade.")
        await ws.prepare(request)
        session = EmulatorSession(self, ws, request, model=model or str(agent))
        self.sessions.append(session)
        self._open.add(session)
        try:
            await session.run()
        finally:
            self._open.discard(session)
        return ws
