"""A small MCP client over streamable HTTP: JSON-RPC 2.0 POSTs on aiohttp.

The live service calls a session's `mcp` tools itself; so does the emulator. It speaks the
streamable-HTTP transport: every request is a POST of one JSON-RPC message, the answer is either
`application/json` or a `text/event-stream` whose `data:` lines carry the response. The server's
`Mcp-Session-Id` header, when given at `initialize`, goes back on every later request.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp

PROTOCOL_VERSION = "2025-03-26"
TIMEOUT = aiohttp.ClientTimeout(total=30)


class MCPError(Exception):
    """The MCP server could not be reached, or answered with an error."""


@dataclass(slots=True)
class MCPToolInfo:
    """One tool an MCP server offers."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass
class MCPClient:
    """One MCP server of a session (one `mcp` tool)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    session_id: str | None = None
    initialized: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def _post(
        self, http: aiohttp.ClientSession, message: dict[str, Any]
    ) -> dict[str, Any] | None:
        headers = {
            **self.headers,
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": PROTOCOL_VERSION,
        }
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        try:
            async with http.post(self.url, json=message, headers=headers) as resp:
                if resp.status == 202 or "id" not in message:
                    return None
                if resp.status >= 400:
                    text = (await resp.text())[:200]
                    raise MCPError(f"MCP server answered HTTP {resp.status}: {text}")
                if sid := resp.headers.get("Mcp-Session-Id"):
                    self.session_id = sid
                kind = resp.headers.get("Content-Type", "").split(";")[0].strip()
                if kind == "text/event-stream":
                    return await _read_sse(resp, message["id"])
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise MCPError(f"MCP request {message.get('method')} failed: {exc}") from exc
        if not isinstance(data, dict):
            raise MCPError("MCP server answered something that is not a JSON-RPC object")
        return data

    async def request(
        self, http: aiohttp.ClientSession, method: str, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send a request and return its `result`; a JSON-RPC error raises MCPError."""
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": next(self._ids), "method": method}
        if params is not None:
            message["params"] = params
        data = await self._post(http, message)
        if data is None:
            raise MCPError(f"MCP server gave no answer to {method}")
        if "error" in data:
            error = data["error"] or {}
            raise MCPError(f"MCP error {error.get('code')}: {error.get('message')}")
        result = data.get("result")
        if not isinstance(result, dict):
            raise MCPError(f"MCP answer to {method} has no result object")
        return result

    async def ensure_initialized(self, http: aiohttp.ClientSession) -> None:
        """Run the initialize handshake once."""
        if self.initialized:
            return
        await self.request(
            http,
            "initialize",
            {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "voicelive-emulator", "version": "0.1.0"},
            },
        )
        await self._post(http, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.initialized = True

    async def list_tools(self) -> list[MCPToolInfo]:
        """The server's tools (`tools/list`, following pagination)."""
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            await self.ensure_initialized(http)
            tools: list[MCPToolInfo] = []
            cursor: str | None = None
            for _ in range(50):
                result = await self.request(
                    http, "tools/list", {"cursor": cursor} if cursor else {}
                )
                for raw in result.get("tools", []):
                    if isinstance(raw, dict) and isinstance(raw.get("name"), str):
                        tools.append(
                            MCPToolInfo(
                                name=raw["name"],
                                description=str(raw.get("description", "")),
                                input_schema=raw.get("inputSchema") or {"type": "object"},
                            )
                        )
                cursor = result.get("nextCursor")
                if not cursor:
                    break
            return tools

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> str:
        """Call a tool and return its text output; a tool error raises MCPError."""
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            await self.ensure_initialized(http)
            result = await self.request(http, "tools/call", {"name": name, "arguments": arguments})
        text = "\n".join(
            str(part.get("text", ""))
            for part in result.get("content", [])
            if isinstance(part, dict) and part.get("type") == "text"
        )
        if not text and "structuredContent" in result:
            text = json.dumps(result["structuredContent"])
        if result.get("isError"):
            raise MCPError(text or f"tool {name} failed")
        return text


async def _read_sse(resp: aiohttp.ClientResponse, want_id: Any) -> dict[str, Any]:
    """The JSON-RPC response with id `want_id` from an event stream."""
    data_lines: list[str] = []
    async for raw_line in resp.content:
        line = raw_line.decode("utf-8").rstrip("\r\n")
        if line.startswith("data:"):
            data_lines.append(line[5:].lstrip())
            continue
        if line == "" and data_lines:
            payload = json.loads("\n".join(data_lines))
            data_lines = []
            if isinstance(payload, dict) and payload.get("id") == want_id:
                return payload
    if data_lines:
        payload = json.loads("\n".join(data_lines))
        if isinstance(payload, dict) and payload.get("id") == want_id:
            return payload
    raise MCPError("the MCP event stream ended without a response")
