"""Turning what a user pastes (an Azure resource URL or a local server) into the WebSocket URL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from .errors import VoiceLiveError

DEFAULT_API_VERSION = "2025-10-01"
REALTIME_PATH = "/voice-live/realtime"
AZURE_HOST_SUFFIXES = (".services.ai.azure.com", ".cognitiveservices.azure.com")
_SCHEMES = {"https": "wss", "http": "ws", "wss": "wss", "ws": "ws"}


class EndpointError(VoiceLiveError, ValueError):
    """The endpoint is not a URL that Voice Live can be reached at."""


@dataclass(frozen=True, slots=True)
class AgentTarget:
    """An Azure AI Foundry agent to talk to instead of a model."""

    name: str
    project: str
    version: str | None = None


def is_azure_host(host: str) -> bool:
    """True for the two host forms of an Azure AI resource."""
    return host.lower().endswith(AZURE_HOST_SUFFIXES)


def build_url(
    endpoint: str,
    *,
    model: str | None = None,
    agent: AgentTarget | None = None,
    api_version: str = DEFAULT_API_VERSION,
) -> str:
    """The `ws(s)://host/voice-live/realtime?...` URL for an endpoint and a model or an agent.

    Accepts `https://<resource>.services.ai.azure.com`, `https://<resource>.cognitiveservices.azure.com`
    and `http(s)://host:port` for local servers, with or without a trailing slash or the realtime
    path itself. `https` becomes `wss` and `http` becomes `ws`.
    """
    text = endpoint.strip()
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise EndpointError(f"not a valid URL: {text!r} ({exc})") from None
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None:
        raise EndpointError(f"the endpoint must start with https:// or http://, not {text!r}")
    if not parts.hostname:
        raise EndpointError(f"the endpoint has no host: {text!r}")
    if parts.query or parts.fragment:
        raise EndpointError("the endpoint takes no query string; give the resource URL only")
    if (model is None) == (agent is None):
        raise EndpointError("give either a model or an agent")
    path = parts.path.rstrip("/")
    if path.endswith(REALTIME_PATH):
        path = path[: -len(REALTIME_PATH)]
    query: dict[str, str] = {"api-version": api_version}
    if agent is not None:
        if not agent.name or not agent.project:
            raise EndpointError("an agent needs a name and a project")
        query["agent-name"] = agent.name
        query["agent-project-name"] = agent.project
        if agent.version:
            query["agent-version"] = agent.version
    else:
        model_name = (model or "").strip()
        if not model_name:
            raise EndpointError("the model name is empty")
        query["model"] = model_name
    netloc = parts.hostname if port is None else f"{parts.hostname}:{port}"
    if ":" in parts.hostname:  # IPv6 literal
        netloc = f"[{parts.hostname}]" + ("" if port is None else f":{port}")
    return urlunsplit((scheme, netloc, path + REALTIME_PATH, urlencode(query), ""))
