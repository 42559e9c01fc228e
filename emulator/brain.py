"""The "model": decides what a response does, from the scenario and the conversation.

A `Plan` is the whole decision (MCP approvals to ask, MCP calls to make, function calls, the
reply text, pace and fault); `response.py` streams it. Deciding first and streaming second keeps
the script logic apart from the event choreography.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from msgspec import UNSET
from voicelive.models import (
    FunctionTool,
    MCPApprovalFilter,
    MCPTool,
    RealtimeTool,
    RealtimeToolChoice,
    ToolChoiceFunction,
)

from .mcp import MCPToolInfo
from .scenario import Pace, Rule, Scenario
from .schema_args import example_object


@dataclass(slots=True)
class PlannedCall:
    """A tool call the model makes: a client `function`, or an `mcp` tool the emulator calls."""

    kind: Literal["function", "mcp"]
    name: str
    arguments: dict[str, Any]
    server: MCPTool | None = None
    approval_request_id: str | None = None

    @property
    def arguments_json(self) -> str:
        """The arguments as the JSON text that deltas carry."""
        return json.dumps(self.arguments, separators=(",", ":"))


@dataclass(slots=True)
class Plan:
    """What one response does."""

    pace: Pace
    reply: str | None = None  # a template: `{text}` and `{output}` are filled when streamed
    text: str = ""  # what the user said
    output: str = ""  # the function output that this follow-up answers
    approvals: list[PlannedCall] = field(default_factory=list)
    mcp_calls: list[PlannedCall] = field(default_factory=list)
    function_calls: list[PlannedCall] = field(default_factory=list)
    followup: Rule | None = None  # what to say once function outputs come back
    fault: str | None = None
    fault_after_deltas: int = 0


@dataclass(slots=True)
class Context:
    """What the brain may look at for one response."""

    scenario: Scenario
    user_text: str
    tools: list[RealtimeTool]
    tool_choice: RealtimeToolChoice
    mcp_tools: dict[str, list[MCPToolInfo]]  # server_label -> listed tools
    function_outputs: list[str]  # outputs that arrived since the last response (a follow-up)
    pending_followup: Rule | None
    approved: list[PlannedCall]  # MCP calls approved since the last response
    denied: list[PlannedCall]


def fill(template: str, **values: str) -> str:
    """Replace `{text}` and `{output}` without tripping over other braces in the reply."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def needs_approval(server: MCPTool, tool: str) -> bool:
    """Whether `require_approval` asks the client before calling `tool` (default: always)."""
    mode = server.require_approval
    if mode is UNSET or mode == "always":
        return True
    if mode == "never":
        return False
    assert isinstance(mode, MCPApprovalFilter)
    return mode.never is UNSET or tool not in mode.never


def _mcp_tool(ctx: Context, name: str) -> tuple[MCPTool, MCPToolInfo] | None:
    for tool in ctx.tools:
        if not isinstance(tool, MCPTool):
            continue
        if tool.allowed_tools is not UNSET and name not in tool.allowed_tools:
            continue
        for info in ctx.mcp_tools.get(tool.server_label, []):
            if info.name == name:
                return tool, info
    return None


def _function(ctx: Context, name: str) -> FunctionTool | None:
    return next((t for t in ctx.tools if isinstance(t, FunctionTool) and t.name == name), None)


def _call(ctx: Context, name: str, arguments: dict[str, Any] | None) -> PlannedCall | None:
    """A call of the session tool `name`, or None when the session has no such tool."""
    function = _function(ctx, name)
    if function is not None:
        args = arguments if arguments is not None else example_object(function.parameters)
        return PlannedCall("function", name, args)
    found = _mcp_tool(ctx, name)
    if found is not None:
        server, info = found
        args = arguments if arguments is not None else example_object(info.input_schema)
        return PlannedCall("mcp", name, args, server=server)
    return None


def _forced_call(ctx: Context) -> PlannedCall | None:
    """The call that `tool_choice: required` or a named function forces when no rule gives one."""
    choice = ctx.tool_choice
    if isinstance(choice, ToolChoiceFunction):
        return _call(ctx, choice.name, None)
    if choice != "required":
        return None
    for tool in ctx.tools:
        if isinstance(tool, FunctionTool):
            return _call(ctx, tool.name, None)
    for tool in ctx.tools:
        if isinstance(tool, MCPTool):
            listed = ctx.mcp_tools.get(tool.server_label, [])
            allowed = [
                t for t in listed if tool.allowed_tools is UNSET or t.name in tool.allowed_tools
            ]
            if allowed:
                return _call(ctx, allowed[0].name, None)
    return None


def decide(ctx: Context) -> Plan:
    """The plan of the next response."""
    scenario = ctx.scenario
    if ctx.approved or ctx.denied:
        rule = ctx.pending_followup
        plan = Plan(pace=rule.pace(scenario.pace) if rule else scenario.pace, text=ctx.user_text)
        plan.mcp_calls = list(ctx.approved)
        if ctx.denied and not ctx.approved:
            names = ", ".join(c.name for c in ctx.denied)
            plan.reply = f"Okay, I won't run {names}."
        else:
            plan.reply = (
                rule.reply if rule and rule.reply else None
            ) or scenario.tool_followup_reply
        return plan
    if ctx.function_outputs:
        rule = ctx.pending_followup
        output = ctx.function_outputs[-1]
        template = (rule.reply if rule and rule.reply else None) or scenario.tool_followup_reply
        return Plan(
            pace=rule.pace(scenario.pace) if rule else scenario.pace,
            reply=template,
            text=ctx.user_text,
            output=output,
        )
    rule = scenario.match(ctx.user_text)
    plan = Plan(pace=rule.pace(scenario.pace) if rule else scenario.pace, text=ctx.user_text)
    if rule is not None:
        plan.fault = rule.fault
        plan.fault_after_deltas = rule.fault_after_deltas
    reply_template = rule.reply if rule is not None and rule.reply is not None else None
    calls: list[PlannedCall] = []
    if ctx.tool_choice != "none":
        if rule is not None:
            for spec in rule.tool_calls:
                call = _call(ctx, spec.name, spec.arguments)
                if call is not None:
                    calls.append(call)
        if not calls:
            forced = _forced_call(ctx)
            if forced is not None:
                calls.append(forced)
    for call in calls:
        if call.kind == "function":
            plan.function_calls.append(call)
        elif call.server is not None and needs_approval(call.server, call.name):
            plan.approvals.append(call)
        else:
            plan.mcp_calls.append(call)
    if plan.function_calls or plan.approvals:
        plan.followup = rule
        return plan
    plan.reply = reply_template if reply_template is not None else scenario.default_reply
    return plan
