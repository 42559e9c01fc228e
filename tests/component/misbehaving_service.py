"""A tiny WebSocket server on 127.0.0.1 that misbehaves where the emulator cannot.

The emulator accepts every valid `session.update`; a service that refuses one (an `error` event),
or never answers it, is what this stands in for, so that the config flow's `session_rejected` and
timeout branches run over a real socket.
"""

from __future__ import annotations

import json
from typing import Literal, Self

from aiohttp import WSMsgType, web

SESSION = {
    "object": "realtime.session",
    "id": "sess_1",
    "model": "gpt-realtime",
    "modalities": ["text", "audio"],
    "input_audio_sampling_rate": 24000,
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "temperature": 0.8,
    "max_response_output_tokens": "inf",
}


class MisbehavingService:
    """Sends `session.created`, then refuses (`error`) or ignores (`silent`) `session.update`."""

    def __init__(self, mode: Literal["refuse", "silent"]) -> None:
        self.mode = mode
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "session.created", "session": SESSION}))
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                break
            if self.mode == "refuse" and json.loads(msg.data)["type"] == "session.update":
                await ws.send_str(
                    json.dumps(
                        {
                            "type": "error",
                            "error": {
                                "type": "invalid_request_error",
                                "code": "invalid_value",
                                "message": "Voice not available in this region.",
                                "param": "session.voice",
                            },
                        }
                    )
                )
        return ws

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/voice-live/realtime", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
