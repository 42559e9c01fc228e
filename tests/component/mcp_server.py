"""A small real MCP server for the tests: JSON-RPC 2.0 over HTTP POST on 127.0.0.1."""

from __future__ import annotations

from typing import Any, Self

from aiohttp import web


class MCPServer:
    """Offers one tool, `get_weather`, and records every JSON-RPC request and its headers."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The `tools/call` requests."""
        return [r for r in self.requests if r.get("method") == "tools/call"]

    async def _handle(self, request: web.Request) -> web.Response:
        message = await request.json()
        self.requests.append(message)
        self.headers.append(dict(request.headers))
        method = message.get("method")
        if "id" not in message:  # a notification
            return web.Response(status=202)
        result: dict[str, Any]
        if method == "initialize":
            result = {
                "protocolVersion": "2025-03-26",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "test-weather", "version": "1.0"},
            }
        elif method == "tools/list":
            result = {
                "tools": [
                    {
                        "name": "get_weather",
                        "description": "The weather in a city.",
                        "inputSchema": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        },
                    }
                ]
            }
        elif method == "tools/call":
            city = message["params"]["arguments"].get("city", "?")
            result = {"content": [{"type": "text", "text": f"Sunny in {city}"}]}
        else:
            return web.json_response(
                {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "no"}}
            )
        return web.json_response({"jsonrpc": "2.0", "id": message["id"], "result": result})

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/mcp", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/mcp"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
