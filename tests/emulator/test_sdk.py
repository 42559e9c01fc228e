"""The official azure-ai-voicelive SDK against the emulator: it cannot tell it from the service
for a text turn, a spoken reply and a function call round trip."""

from __future__ import annotations

import json
from typing import Any

from azure.ai.voicelive.aio import connect
from azure.ai.voicelive.models import (
    FunctionCallOutputItem,
    FunctionTool,
    InputTextContentPart,
    Modality,
    RequestSession,
    ServerEventType,
    UserMessageItem,
)
from azure.core.credentials import AzureKeyCredential

from emulator import Emulator
from tests.emulator.conftest import FAST_PACE

SCENARIO: dict[str, Any] = {
    "pace": FAST_PACE,
    "rules": [
        {
            "match": "light",
            "tool_calls": [{"name": "turn_on", "arguments": {"name": "kitchen"}}],
            "reply": "The light is on.",
        }
    ],
}
TOOL = FunctionTool(
    name="turn_on",
    description="Turn on a light",
    parameters={"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
)


async def until_done(conn: Any) -> list[Any]:
    events = []
    async for event in conn:
        events.append(event)
        if event.type == ServerEventType.RESPONSE_DONE:
            break
    return events


async def test_sdk_text_turn_and_spoken_reply() -> None:
    async with Emulator(api_key="sdk-key", scenario=SCENARIO) as emu:
        async with connect(
            endpoint=emu.url, credential=AzureKeyCredential("sdk-key"), model="gpt-realtime"
        ) as conn:
            created = await conn.recv()
            assert created.type == ServerEventType.SESSION_CREATED
            assert created.session.id.startswith("sess_")
            await conn.session.update(
                session=RequestSession(modalities=[Modality.TEXT], instructions="Be brief.")
            )
            await conn.conversation.item.create(
                item=UserMessageItem(content=[InputTextContentPart(text="hello there")])
            )
            await conn.response.create()
            events = await until_done(conn)
            texts = [e for e in events if e.type == ServerEventType.RESPONSE_TEXT_DONE]
            assert texts[0].text == "You said: hello there"
            assert events[-1].response.status == "completed"
            # a spoken reply: the SDK reads the audio deltas and the transcript
            await conn.session.update(
                session=RequestSession(modalities=[Modality.TEXT, Modality.AUDIO])
            )
            await conn.conversation.item.create(
                item=UserMessageItem(content=[InputTextContentPart(text="speak up")])
            )
            await conn.response.create()
            events = await until_done(conn)
            # the SDK decodes the base64 of audio deltas into bytes itself
            deltas = [e.delta for e in events if e.type == ServerEventType.RESPONSE_AUDIO_DELTA]
            assert all(isinstance(d, bytes) for d in deltas)
            audio = b"".join(deltas)
            assert len(audio) > 24000
            transcript = [
                e for e in events if e.type == ServerEventType.RESPONSE_AUDIO_TRANSCRIPT_DONE
            ]
            assert transcript[0].transcript == "You said: speak up"
        session = emu.sessions[0]
        assert session.headers["api-key"] == "sdk-key"
        assert session.query["model"] == "gpt-realtime"
        assert "x-ms-client-sdk" in session.query
        assert [e.type for e in session.sent if e.type == "error"] == []


async def test_sdk_function_call_round_trip() -> None:
    async with Emulator(api_key="sdk-key", scenario=SCENARIO) as emu:
        async with connect(
            endpoint=emu.url, credential=AzureKeyCredential("sdk-key"), model="gpt-realtime"
        ) as conn:
            await conn.recv()
            await conn.session.update(
                session=RequestSession(modalities=[Modality.TEXT], tools=[TOOL])
            )
            await conn.conversation.item.create(
                item=UserMessageItem(content=[InputTextContentPart(text="turn on the light")])
            )
            await conn.response.create()
            events = await until_done(conn)
            (call,) = [
                e for e in events if e.type == ServerEventType.RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE
            ]
            assert json.loads(call.arguments) == {"name": "kitchen"}
            assert events[-1].response.output[0].name == "turn_on"
            await conn.conversation.item.create(
                item=FunctionCallOutputItem(call_id=call.call_id, output='{"ok": true}')
            )
            await conn.response.create()
            events = await until_done(conn)
            texts = [e for e in events if e.type == ServerEventType.RESPONSE_TEXT_DONE]
            assert texts[0].text == "The light is on."
        assert [e.type for e in emu.sessions[0].sent if e.type == "error"] == []
