"""A local Azure AI Voice Live service: the emulator that the demo and every test run against.

It speaks the service side of the protocol on aiohttp, built on the `voicelive` package: strict
parsing of client events, schema-valid server events, VAD on real audio, scripted replies with
espeak-ng speech, function and MCP tool calls, interruptions and injected faults. See
`emulator/README.md`.
"""

from .scenario import Pace, Rule, Scenario, ScenarioError, ToolCallSpec
from .server import Emulator
from .session import EmulatorSession

__all__ = [
    "Emulator",
    "EmulatorSession",
    "Pace",
    "Rule",
    "Scenario",
    "ScenarioError",
    "ToolCallSpec",
]
