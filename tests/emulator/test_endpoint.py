"""The emulator's HTTP side: URL, auth before the upgrade, session.created defaults, lifecycle."""

from __future__ import annotations

import aiohttp
import pytest
from voicelive import to_dict
from voicelive.client import connect
from voicelive.endpoint import AgentTarget
from voicelive.errors import AuthenticationError, ConnectionClosedError, NotFoundError
from voicelive.events import ConversationItemCreate, ResponseCreate
from voicelive.models import InputTextContentPart, RequestMessageItem

from emulator import Emulator


async def test_session_created_has_the_service_defaults(emu: Emulator) -> None:
    conn = await connect(emu.url, api_key="k", model="gpt-realtime")
    try:
        event = await conn.recv()
    finally:
        await conn.close()
    data = to_dict(event)
    assert data["type"] == "session.created"
    assert data["event_id"].startswith("event_")
    session = data["session"]
    assert session["object"] == "realtime.session"
    assert session["id"].startswith("sess_")
    assert session["model"] == "gpt-realtime"
    assert session["modalities"] == ["text", "audio"]
    assert session["turn_detection"] == {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
    }
    assert session["input_audio_format"] == "pcm16"
    assert session["output_audio_format"] == "pcm16"
    assert session["input_audio_sampling_rate"] == 24000
    assert session["temperature"] == 0.8
    assert session["max_response_output_tokens"] == "inf"
    assert session["voice"] == {"type": "azure-standard", "name": "en-US-AvaNeural"}


async def test_api_key_is_checked_before_the_upgrade() -> None:
    async with Emulator(api_key="secret") as emu:
        with pytest.raises(AuthenticationError) as info:
            await connect(emu.url, api_key="wrong", model="m")
        assert info.value.status == 401
        with pytest.raises(AuthenticationError):
            await connect(emu.url, model="m")
        assert emu.sessions == []
        # the header, the query parameter and a bearer token are all accepted
        conn = await connect(emu.url, api_key="secret", model="m")
        await conn.close()
        conn = await connect(emu.url, model="m", headers={"Authorization": "Bearer secret"})
        await conn.close()
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(
                f"{emu.url.replace('http', 'ws')}/voice-live/realtime?model=m&api-key=secret"
            )
            first = await ws.receive_json()
            assert first["type"] == "session.created"
            await ws.close()
        await emu.wait_for(lambda: emu.active_session_count == 0)
        assert len(emu.sessions) == 3
        assert emu.sessions[0].headers["api-key"] == "secret"


async def test_unknown_path_is_404_and_missing_model_is_400(emu: Emulator) -> None:
    with pytest.raises(NotFoundError):
        await connect(emu.url + "/elsewhere", model="m")
    async with aiohttp.ClientSession() as http:
        ws_url = emu.url.replace("http", "ws") + "/voice-live/realtime?api-version=2025-10-01"
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await http.ws_connect(ws_url)
        assert info.value.status == 400
        async with http.get(emu.url + "/voice-live/realtime?model=m") as resp:
            assert resp.status == 400  # a plain GET is no WebSocket upgrade
    assert emu.sessions == []


async def test_agent_parameters_and_query_are_kept(emu: Emulator) -> None:
    agent = AgentTarget(name="helper", project="home", version="3")
    conn = await connect(emu.url, agent=agent)
    try:
        created = to_dict(await conn.recv())
    finally:
        await conn.close()
    assert created["session"]["model"] == "helper"
    query = emu.sessions[0].query
    assert query["agent-name"] == "helper"
    assert query["agent-project-name"] == "home"
    assert query["agent-version"] == "3"
    assert query["api-version"] == "2025-10-01"


async def test_stop_closes_sessions_and_is_idempotent() -> None:
    emu = Emulator()
    url = await emu.start()
    assert emu.url == url and url.startswith("http://127.0.0.1:")
    conn = await connect(url, model="m")
    await conn.recv()
    await emu.wait_for(lambda: emu.active_session_count == 1)
    await emu.stop()
    await emu.stop()
    assert emu.active_session_count == 0
    assert emu.sessions[0].closed
    with pytest.raises(ConnectionClosedError) as info:
        await conn.recv()
    assert info.value.code == 1001  # going away
    assert conn.closed
    await conn.close()


async def test_drop_all_aborts_sockets(emu: Emulator) -> None:
    conn = await connect(emu.url, model="m")
    await conn.recv()
    await emu.drop_all()
    with pytest.raises(ConnectionClosedError) as info:
        await conn.recv()
    assert info.value.code != 1000  # abnormal: no close frame was sent
    await conn.close()
    await emu.wait_for(lambda: emu.active_session_count == 0)
    assert emu.sessions[0].closed


async def test_stop_during_a_response_leaves_nothing_behind() -> None:
    slow = {"pace": {"audio_speed": 0.5, "first_delta_delay_ms": 0}}
    emu = Emulator(scenario=slow)
    await emu.start()
    conn = await connect(emu.url, model="m")
    try:
        await conn.recv()
        await conn.send(
            ConversationItemCreate(
                item=RequestMessageItem(role="user", content=[InputTextContentPart(text="talk")])
            )
        )
        await conn.send(ResponseCreate())
        while (await conn.recv()).type != "response.audio.delta":
            pass
        session = emu.sessions[0]
        assert session.active_response is not None
        await emu.stop()
        assert session.closed
        assert session.active_response is None
    finally:
        await conn.close()
