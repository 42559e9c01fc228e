"""A small MCP server (streamable HTTP, JSON-RPC 2.0) on aiohttp, for the emulator's MCP tests.

It answers either with `application/json` or with a `text/event-stream`, hands out an
`Mcp-Session-Id` at `initialize` and insists on it afterwards, and offers two tools: `lookup`
(echoes its argument) and `explode` (a tool error).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

TOOLS = [
    {
        "name": "lookup",
        "description": "Look something up",
        "inputSchema": {
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"],
        },
    },
    {
        "name": "explode",
        "description": "Always fails",
        "inputSchema": {"type": "object", "properties": {}},
    },
]


class MCPServer:
    """Start with `await server.start()`; `url` is the endpoint; `calls` logs tools/call."""

    def __init__(self, *, sse: bool = False, fail_listing: bool = False) -> None:
        self.sse = sse
        self.fail_listing = fail_listing
        self.calls: list[dict[str, Any]] = []
        self.methods: list[str] = []
        self.headers: list[dict[str, str]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/mcp", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/mcp"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        message = await request.json()
        method = message.get("method", "")
        self.methods.append(method)
        self.headers.append(dict(request.headers))
        if "id" not in message:
            return web.Response(status=202)
        if method != "initialize" and request.headers.get("Mcp-Session-Id") != "s-1":
            return web.Response(status=400, text="missing session")
        result: dict[str, Any] | None = None
        error: dict[str, Any] | None = None
        if method == "initialize":
            result = {
                "protocolVersion": "2025-03-26",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "test", "version": "1"},
            }
        elif method == "tools/list":
            if self.fail_listing:
                return web.Response(status=500, text="broken")
            result = {"tools": TOOLS}
        elif method == "tools/call":
            params = message["params"]
            self.calls.append(params)
            if params["name"] == "lookup":
                text = f"found: {params['arguments'].get('query')}"
                result = {"content": [{"type": "text", "text": text}], "isError": False}
            else:
                result = {"content": [{"type": "text", "text": "kaboom"}], "isError": True}
        else:
            error = {"code": -32601, "message": "method not found"}
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": message["id"]}
        body.update({"error": error} if error else {"result": result})
        headers = {"Mcp-Session-Id": "s-1"}
        if not self.sse:
            return web.json_response(body, headers=headers)
        response = web.StreamResponse(headers={**headers, "Content-Type": "text/event-stream"})
        await response.prepare(request)
        note = {"jsonrpc": "2.0", "method": "notifications/message", "params": {"data": "hi"}}
        await response.write(f"event: message\ndata: {json.dumps(note)}\n\n".encode())
        await response.write(f"event: message\ndata: {json.dumps(body)}\n\n".encode())
        await response.write_eof()
        return response
