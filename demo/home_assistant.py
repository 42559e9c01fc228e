"""A real Home Assistant process for the demo: config, start, onboarding, REST and WebSocket API.

The demo drives HA only through the interfaces that a user's browser uses (onboarding, config
flows, the WebSocket API), so what it shows is what a user would get.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
USERNAME = "demo"
PASSWORD = "voice-live-demo"  # a throwaway local account in a temporary config directory


class HomeAssistantError(RuntimeError):
    """Home Assistant did not do what the demo asked."""


class HomeAssistantProcess:
    """`hass -c <dir>` on loopback, with the component linked into its config directory."""

    def __init__(self, config_dir: Path, port: int, configuration_yaml: str) -> None:
        self.config_dir = config_dir
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self._configuration_yaml = configuration_yaml
        self._process: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None
        self.token: str | None = None
        self.log_path = config_dir / "home-assistant.log"

    async def start(self, startup_seconds: float = 120.0) -> None:
        """Write the config, start HA and wait until its HTTP API answers."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(self._configuration_yaml)
        components = self.config_dir / "custom_components"
        components.mkdir(exist_ok=True)
        link = components / "azure_voice_live"
        if not link.exists():
            link.symlink_to(REPO / "custom_components" / "azure_voice_live")
        log = self.log_path.open("ab")
        self._process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("hass")),
            "-c",
            str(self.config_dir),
            "--skip-pip",
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        self._http = aiohttp.ClientSession()
        deadline = asyncio.get_running_loop().time() + startup_seconds
        while True:
            if self._process.returncode is not None:
                raise HomeAssistantError(f"Home Assistant exited; see {self.log_path}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with self._http.get(f"{self.base}/api/onboarding") as resp:
                    if resp.status == 200:
                        return
            if asyncio.get_running_loop().time() > deadline:
                raise HomeAssistantError(f"Home Assistant did not start; see {self.log_path}")
            await asyncio.sleep(0.5)

    async def onboard(self) -> None:
        """Create the owner account and finish onboarding, as the first browser visit does."""
        http = self._session
        client_id = f"{self.base}/"
        async with http.post(
            f"{self.base}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Demo",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        ) as resp:
            if resp.status != 200:
                raise HomeAssistantError(f"onboarding refused the user: {await resp.text()}")
            code = (await resp.json())["auth_code"]
        async with http.post(
            f"{self.base}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": client_id},
        ) as resp:
            self.token = (await resp.json())["access_token"]
        await self.rest("POST", "/api/onboarding/core_config", {})
        await self.rest("POST", "/api/onboarding/analytics", {})
        await self.rest(
            "POST",
            "/api/onboarding/integration",
            {"client_id": client_id, "redirect_uri": f"{client_id}?auth_callback=1"},
        )

    @property
    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            raise HomeAssistantError("Home Assistant is not started")
        return self._http

    async def rest(self, method: str, path: str, payload: Any = None) -> Any:
        """Call HA's REST API with the owner's token; raise on an HTTP error."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self._session.request(
            method, f"{self.base}{path}", json=payload, headers=headers
        ) as resp:
            text = await resp.text()
            if resp.status >= 400:
                raise HomeAssistantError(f"{method} {path}: HTTP {resp.status}: {text}")
            return json.loads(text) if text else None

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        """An entity's state object, or None when it does not exist (yet)."""
        try:
            result: dict[str, Any] = await self.rest("GET", f"/api/states/{entity_id}")
        except HomeAssistantError:
            return None
        return result

    @contextlib.asynccontextmanager
    async def websocket(self) -> AsyncIterator[HomeAssistantWebSocket]:
        """An authenticated connection to HA's WebSocket API."""
        ws = await self._session.ws_connect(f"{self.base}/api/websocket")
        try:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            reply = await ws.receive_json()
            if reply.get("type") != "auth_ok":
                raise HomeAssistantError(f"WebSocket auth failed: {reply}")
            yield HomeAssistantWebSocket(ws)
        finally:
            await ws.close()

    async def stop(self) -> None:
        """Stop HA (SIGTERM, then SIGKILL after a grace period) and close the HTTP session."""
        if self._http is not None:
            await self._http.close()
            self._http = None
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


class HomeAssistantWebSocket:
    """A thin wrapper over HA's WebSocket API: commands with ids, and event subscriptions."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._next_id = 1

    async def send(self, message: dict[str, Any]) -> int:
        """Send a command; return its id."""
        message_id = self._next_id
        self._next_id += 1
        await self._ws.send_json({"id": message_id, **message})
        return message_id

    async def subscribe_state_changes(self) -> int:
        """Subscribe to `state_changed` events."""
        return await self.send({"type": "subscribe_events", "event_type": "state_changed"})

    async def receive(self) -> dict[str, Any]:
        """The next message from HA."""
        message: dict[str, Any] = await self._ws.receive_json()
        return message
