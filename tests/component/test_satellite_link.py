"""HA's side of the satellite link against peers that do not behave: every failure has its error.

The peers are scripted WebSocket servers on 127.0.0.1 that play a satellite gone wrong (a wrong
protocol, the wrong message, an impostor that accepts any key, a close in the middle); the good
case is the satellite's real link server. `SatelliteLink` must raise `PairingError` only when the
key is at fault (so that HA asks the user for a new one), and `SatelliteLinkError` otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from voicelive.link import (
    CLOSE_PAIRING_FAILED,
    LINK_PATH,
    PROTOCOL_VERSION,
    Auth,
    Hello,
    Ready,
    Wake,
    encode_link_message,
    generate_pairing_key,
    new_nonce,
    parse_link_message,
    satellite_proof,
)

from custom_components.azure_voice_live.satellite_link import (
    PairingError,
    SatelliteLink,
    SatelliteLinkError,
    link_url,
)
from firmware_client.settings import AudioSettings
from firmware_client.transport.link_server import Identity, LinkServer

Script = Callable[[web.WebSocketResponse], Awaitable[None]]
KEY = generate_pairing_key()


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Real sockets, on 127.0.0.1 only (pytest-socket)."""


@pytest.fixture
async def peer() -> AsyncIterator[Callable[[Script], Awaitable[int]]]:
    """Serve one scripted satellite; returns its port."""
    runners: list[web.AppRunner] = []

    async def serve(script: Script) -> int:
        async def handle(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            await script(ws)
            return ws

        app = web.Application()
        app.router.add_get(LINK_PATH, handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return int(runner.addresses[0][1])

    yield serve
    for runner in runners:
        await runner.cleanup()


def hello(protocol: int = PROTOCOL_VERSION, nonce: str = "satellite-nonce") -> str:
    return encode_link_message(
        Hello(satellite_id="pi", name="Pi", version="1", protocol=protocol, nonce=nonce)
    )


def ready(proof: str) -> str:
    return encode_link_message(
        Ready(
            proof=proof,
            input_audio_format="pcm16",
            input_audio_sampling_rate=24000,
            output_audio_format="pcm16",
            noise_reduction=True,
            echo_cancellation=True,
            wake_word="okay_nabu",
            muted=False,
        )
    )


async def dial(hass: HomeAssistant, port: int, key: str = KEY) -> SatelliteLink:
    return await SatelliteLink.connect(async_get_clientsession(hass), "127.0.0.1", port, key)


async def test_link_url_brackets_ipv6_literals() -> None:
    assert link_url("192.168.1.20", 10780) == "ws://192.168.1.20:10780/voicelive"
    assert link_url("fe80::1", 10780) == "ws://[fe80::1]:10780/voicelive"
    assert link_url("[fe80::1]", 1) == "ws://[fe80::1]:1/voicelive"


async def test_a_peer_that_does_not_speak_the_link_protocol(
    hass: HomeAssistant, peer: Callable[[Script], Awaitable[int]]
) -> None:
    async def script(ws: web.WebSocketResponse) -> None:
        await ws.send_str('{"type": "session.created"}')
        await ws.receive()

    with pytest.raises(SatelliteLinkError, match="does not speak the link protocol") as err:
        await dial(hass, await peer(script))
    assert not isinstance(err.value, PairingError)


async def test_a_peer_that_starts_with_the_wrong_message(
    hass: HomeAssistant, peer: Callable[[Script], Awaitable[int]]
) -> None:
    async def script(ws: web.WebSocketResponse) -> None:
        await ws.send_str(encode_link_message(Wake(wake_word="okay_nabu")))
        await ws.receive()

    with pytest.raises(SatelliteLinkError, match="expected satellite.hello, got Wake"):
        await dial(hass, await peer(script))


async def test_a_satellite_of_another_protocol_version(
    hass: HomeAssistant, peer: Callable[[Script], Awaitable[int]]
) -> None:
    async def script(ws: web.WebSocketResponse) -> None:
        await ws.send_str(hello(protocol=PROTOCOL_VERSION + 1))
        await ws.receive()

    with pytest.raises(SatelliteLinkError, match=f"link protocol {PROTOCOL_VERSION + 1}"):
        await dial(hass, await peer(script))


async def test_a_satellite_that_answers_auth_with_something_else(
    hass: HomeAssistant, peer: Callable[[Script], Awaitable[int]]
) -> None:
    async def script(ws: web.WebSocketResponse) -> None:
        await ws.send_str(hello())
        await ws.receive()
        await ws.send_str(encode_link_message(Wake(wake_word="okay_nabu")))
        await ws.receive()

    with pytest.raises(SatelliteLinkError, match="expected satellite.ready"):
        await dial(hass, await peer(script))


async def test_an_impostor_that_accepts_any_key_is_caught_by_its_proof(
    hass: HomeAssistant, peer: Callable[[Script], Awaitable[int]]
) -> None:
    """A fake satellite says ready to any proof; it cannot prove the key, so HA hangs up."""

    async def script(ws: web.WebSocketResponse) -> None:
        nonce = new_nonce()
        await ws.send_str(hello(nonce=nonce))
        auth = parse_link_message((await ws.receive()).data)
        assert isinstance(auth, Auth)
        await ws.send_str(ready(satellite_proof(generate_pairing_key(), nonce, auth.nonce)))
        await ws.receive()

    with pytest.raises(PairingError, match="could not prove"):
        await dial(hass, await peer(script))


async def test_a_close_during_pairing_is_a_pairing_error_only_with_4401(
    hass: HomeAssistant, peer: Callable[[Script], Awaitable[int]]
) -> None:
    def closing(code: int) -> Script:
        async def script(ws: web.WebSocketResponse) -> None:
            await ws.send_str(hello())
            await ws.receive()
            await ws.close(code=code)

        return script

    with pytest.raises(PairingError):
        await dial(hass, await peer(closing(CLOSE_PAIRING_FAILED)))
    with pytest.raises(SatelliteLinkError, match="closed the link during pairing") as err:
        await dial(hass, await peer(closing(aiohttp.WSCloseCode.GOING_AWAY)))
    assert not isinstance(err.value, PairingError)


async def test_nothing_listening_is_unreachable(hass: HomeAssistant) -> None:
    server = LinkServer(
        key=KEY,
        identity=Identity(satellite_id="pi", name="Pi", version="1"),
        audio=AudioSettings.build(),
        wake_word="okay_nabu",
        host="127.0.0.1",
    )
    await server.start()
    port = server.port
    await server.stop()
    with pytest.raises(SatelliteLinkError, match="cannot reach"):
        await dial(hass, port)


async def test_a_linked_satellite_skips_binary_frames_and_ends_cleanly(
    hass: HomeAssistant, peer: Callable[[Script], Awaitable[int]]
) -> None:
    """After pairing: binary frames are skipped, text comes through, and a close ends reading."""
    received: list[str] = []
    closing = asyncio.Event()

    async def script(ws: web.WebSocketResponse) -> None:
        nonce = new_nonce()
        await ws.send_str(hello(nonce=nonce))
        auth = parse_link_message((await ws.receive()).data)
        assert isinstance(auth, Auth)
        await ws.send_str(ready(satellite_proof(KEY, nonce, auth.nonce)))
        await ws.send_bytes(b"\x00\x01")
        await ws.send_str('{"type": "input_audio_buffer.clear"}')
        msg = await ws.receive()
        received.append(msg.data)
        await closing.wait()
        await ws.close()

    satellite = await dial(hass, await peer(script))
    assert satellite.info.satellite_id == "pi" and satellite.info.ready.wake_word == "okay_nabu"
    assert await satellite.receive_text() == '{"type": "input_audio_buffer.clear"}'
    await satellite.send_text("to the satellite")
    closing.set()
    assert await satellite.receive_text() is None
    assert satellite.closed
    await satellite.send_text("dropped: the link is closed")  # no error, nothing sent
    await satellite.close()  # twice is fine
    assert received == ["to the satellite"]
