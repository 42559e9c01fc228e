"""The tool loop of one Voice Live session: run function calls, answer MCP approvals.

Both the text conversation and the satellite bridge feed every server event to `ToolLoop.handle`.
When the model calls a function, the loop runs it through `AgentTools`, sends the result as a
`function_call_output` item, and asks for the next response once the current one is done (the
service refuses a `response.create` while a response is still active). It is bounded: after
`MAX_TOOL_ROUNDS` rounds in one user turn the model gets an error result and a response without
tools, so a model that keeps calling tools cannot loop for ever.

MCP approval requests are answered by the options' policy with an `mcp_approval_response` item
inside `conversation.item.create` (the form the live service documents); the service goes on with
the approved call in the next response, which the loop asks for the same way.
"""

from __future__ import annotations

from typing import Any, Protocol

from homeassistant.core import Context

from .const import LOGGER, MAX_TOOL_ROUNDS
from .tools import AgentTools, error_result
from .voicelive.events import (
    ConversationItemCreate,
    ConversationItemCreated,
    ResponseCreate,
    ResponseDone,
    ResponseFunctionCallArgumentsDone,
    ResponseOutputItemAdded,
    ResponseOutputItemDone,
)
from .voicelive.models import (
    RealtimeResponseOptions,
    RequestFunctionCallOutputItem,
    RequestMCPApprovalResponseItem,
    ResponseFunctionCallItem,
    ResponseMCPApprovalRequestItem,
)


class EventSender(Protocol):
    """Anything that sends client events upstream (a `VoiceLiveConnection`)."""

    async def send(self, event: Any) -> None:
        """Send one client event."""


class ToolLoop:
    """Answers the function calls and MCP approval requests of one session."""

    def __init__(
        self,
        sender: EventSender,
        tools: AgentTools,
        *,
        context: Context | None = None,
        max_rounds: int = MAX_TOOL_ROUNDS,
    ) -> None:
        """Send answers through `sender`; run calls with the HA `context` of the conversation."""
        self.sender = sender
        self.tools = tools
        self.context = context
        self.max_rounds = max_rounds
        self.rounds = 0
        self._names: dict[str, str] = {}  # call_id -> function name
        self._answered: set[str] = set()  # approval request ids already answered
        self._outputs_pending = False
        self.calls: list[tuple[str, str, str]] = []  # (name, arguments, output) of this turn

    def new_turn(self, context: Context | None = None) -> None:
        """Start counting rounds again: the user said something new."""
        self.rounds = 0
        self.calls = []
        if context is not None:
            self.context = context

    async def handle(self, event: Any) -> bool:
        """Act on one server event; True if a new response is coming because of it.

        `response.done` returns True when it ended a round of function calls (the loop has just
        asked for the follow-up response); every other event returns False.
        """
        if isinstance(event, ResponseOutputItemAdded | ResponseOutputItemDone):
            item = event.item
            if isinstance(item, ResponseFunctionCallItem):
                self._names[item.call_id] = item.name
            elif isinstance(item, ResponseMCPApprovalRequestItem):
                await self._answer_approval(item)
        elif isinstance(event, ConversationItemCreated):
            if isinstance(event.item, ResponseMCPApprovalRequestItem):
                await self._answer_approval(event.item)
        elif isinstance(event, ResponseFunctionCallArgumentsDone):
            await self._run_call(event)
        elif isinstance(event, ResponseDone) and self._outputs_pending:
            self._outputs_pending = False
            if self.rounds >= self.max_rounds:
                LOGGER.warning("Stopping the tool loop after %d rounds", self.rounds)
                await self.sender.send(
                    ResponseCreate(response=RealtimeResponseOptions(tool_choice="none"))
                )
            else:
                await self.sender.send(ResponseCreate())
            return True
        return False

    def _start_round(self) -> None:
        """Count a response that needs an answer from us (one round of the loop)."""
        if not self._outputs_pending:
            self.rounds += 1
            self._outputs_pending = True

    async def _run_call(self, event: ResponseFunctionCallArgumentsDone) -> None:
        # The live service may put `name` on this event too; the item announced it anyway.
        name = event.__dict__.get("_vl_extra", {}).get("name") or self._names.get(event.call_id)
        self._start_round()
        if name is None:
            output = error_result("unknown_tool", "The call names no function.")
        elif self.rounds > self.max_rounds:
            output = error_result(
                "too_many_tool_calls",
                "Too many tool calls for one request; answer the user with what you have.",
            )
        else:
            LOGGER.debug("Tool call %s(%s)", name, event.arguments)
            output = await self.tools.async_call(name, event.arguments, self.context)
            LOGGER.debug("Tool result %s: %s", name, output)
        self.calls.append((name or "", event.arguments, output))
        await self.sender.send(
            ConversationItemCreate(
                item=RequestFunctionCallOutputItem(call_id=event.call_id, output=output)
            )
        )

    async def _answer_approval(self, item: ResponseMCPApprovalRequestItem) -> None:
        if item.id in self._answered:
            return
        self._answered.add(item.id)
        self._start_round()  # the service goes on with the call after our next response.create
        approve = self.tools.approves_mcp_call(item.server_label, item.name)
        LOGGER.info(
            "%s the MCP call %s on %s",
            "Approving" if approve else "Denying",
            item.name,
            item.server_label,
        )
        await self.sender.send(
            ConversationItemCreate(
                item=RequestMCPApprovalResponseItem(approve=approve, approval_request_id=item.id)
            )
        )
