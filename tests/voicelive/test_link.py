"""The satellite link's messages and pairing proofs (`voicelive.link`), without a socket.

The satellite and component tests run the handshake end to end; here each piece is held to its
contract: keys and proofs, every message's round trip, strict parsing with a path, and the routing
of a frame to the link or to the Voice Live parser.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import msgspec
import pytest
from voicelive import ProtocolError, UnknownEvent
from voicelive.events import InputAudioBufferAppend, ResponseAudioDelta, SessionUpdate
from voicelive.link import (
    LINK_MESSAGES,
    Announce,
    Auth,
    Hello,
    LinkMessage,
    Muted,
    Ready,
    SessionEnd,
    SetMuted,
    Wake,
    client_proof,
    decode_from_home,
    decode_from_satellite,
    encode_link_message,
    generate_pairing_key,
    new_nonce,
    normalize_pairing_key,
    parse_link_message,
    proofs_match,
    satellite_proof,
)

MESSAGES: list[LinkMessage] = [
    Hello(satellite_id="pi-kitchen", name="Kitchen", version="0.1.0", protocol=1, nonce="bm9uY2U="),
    Auth(nonce="Y2xpZW50", proof="ab" * 32),
    Ready(
        proof="cd" * 32,
        input_audio_format="pcm16",
        input_audio_sampling_rate=24000,
        output_audio_format="pcm16",
        noise_reduction=True,
        echo_cancellation=True,
        wake_word="okay_nabu",
        muted=False,
    ),
    Wake(wake_word="okay_nabu"),
    SessionEnd(reason="follow_up_timeout"),
    Muted(muted=True),
    SetMuted(muted=False),
    Announce(text="The washing machine is done.", listen=True),
    Announce(text="Dinner is ready."),
]


def test_registry_names_every_message_under_the_satellite_prefix() -> None:
    assert set(LINK_MESSAGES) == {
        "satellite.hello",
        "satellite.auth",
        "satellite.ready",
        "satellite.wake",
        "satellite.session_end",
        "satellite.muted",
        "satellite.set_muted",
        "satellite.announce",
    }
    assert {type(m) for m in MESSAGES} == set(LINK_MESSAGES.values())


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_round_trips(message: LinkMessage) -> None:
    text = encode_link_message(message)
    assert isinstance(text, str)
    assert json.loads(text)["type"] == message.__struct_config__.tag
    assert parse_link_message(text) == message
    assert parse_link_message(text.encode()) == message
    assert decode_from_satellite(text) == message
    assert decode_from_home(text) == message
    if isinstance(message, Announce) and message.listen is msgspec.UNSET:
        assert "listen" not in json.loads(text)


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ('{"type": "satellite.wake", "wake_word": "x", "extra": 1}', "extra"),
        ('{"type": "satellite.wake"}', "wake_word"),
        ('{"type": "satellite.muted", "muted": "yes"}', "muted"),
        ('{"type": "satellite.sleep"}', "type"),
        (
            '{"type": "satellite.hello", "satellite_id": "s", "name": "n", "version": "v",'
            ' "protocol": 1.5, "nonce": "x"}',
            "protocol",
        ),
        ("not json", ""),
        (b'{"type": "satellite.wake", "wake_word": "\xff"}', ""),
        ('{"type": "satellite.wake", "wake_word": "\ud800"}', ""),
        ("[" * 200_000, ""),
    ],
)
def test_bad_link_messages_are_protocol_errors(data: str | bytes, path: str) -> None:
    with pytest.raises(ProtocolError, match="bad link message") as info:
        parse_link_message(data)
    assert info.value.path == path


def test_ready_holds_the_schemas_audio_formats() -> None:
    ready = json.loads(encode_link_message(MESSAGES[2]))
    with pytest.raises(ProtocolError) as info:
        parse_link_message(json.dumps({**ready, "input_audio_format": "pcm16_8000hz"}))
    assert info.value.path == "input_audio_format"
    assert parse_link_message(json.dumps({**ready, "output_audio_format": "pcm16_8000hz"}))


# --- Routing a frame ----------------------------------------------------------------------------

APPEND = '{"type": "input_audio_buffer.append", "audio": "AAAA"}'
DELTA = json.dumps(
    {
        "type": "response.audio.delta",
        "response_id": "r",
        "item_id": "i",
        "output_index": 0,
        "content_index": 0,
        "delta": "AAAA",
    }
)
# An event whose text has `"satellite.` early on: it is an event all the same.
TRICKY_CLIENT = '{"type":"session.update","session":{"instructions":"satellite.wake is a word"}}'
TRICKY_SERVER = (
    '{"type":"response.text.delta","delta":"satellite.x","response_id":"r",'
    '"item_id":"i","output_index":0,"content_index":0}'
)


def test_frames_from_the_satellite() -> None:
    assert isinstance(decode_from_satellite(APPEND), InputAudioBufferAppend)
    event = decode_from_satellite(TRICKY_CLIENT)
    assert isinstance(event, SessionUpdate)
    assert event.session.instructions == "satellite.wake is a word"
    with pytest.raises(ProtocolError, match="bad link message"):
        decode_from_satellite('{"type": "satellite.wake"}')
    with pytest.raises(ProtocolError) as info:
        decode_from_satellite('{"type": "input_audio_buffer.append"}')  # strict
    assert info.value.path == "audio"
    with pytest.raises(ProtocolError):
        decode_from_satellite('{"type": "warning"}')
    with pytest.raises(ProtocolError):
        decode_from_satellite("\ud800")


def test_frames_from_home() -> None:
    assert isinstance(decode_from_home(DELTA), ResponseAudioDelta)
    assert decode_from_home(TRICKY_SERVER).type == "response.text.delta"
    unknown = decode_from_home('{"type": "warning", "message": "m"}')  # lenient
    assert isinstance(unknown, UnknownEvent)
    with pytest.raises(ProtocolError, match="bad link message"):
        decode_from_home('{"type": "satellite.set_muted", "muted": 3}')
    with pytest.raises(ProtocolError):
        decode_from_home("\ud800")


# --- Keys and proofs ----------------------------------------------------------------------------


def test_pairing_keys_are_readable_and_random() -> None:
    key = generate_pairing_key()
    assert re.fullmatch(r"([A-Z2-7]{4}-){7}[A-Z2-7]{4}", key), key
    assert len(base64.b32decode(normalize_pairing_key(key))) == 20
    assert generate_pairing_key() != key
    assert normalize_pairing_key(" abcd-efgh 2345 ") == "ABCDEFGH2345"


def test_nonces_are_32_random_bytes() -> None:
    nonce = new_nonce()
    assert len(base64.b64decode(nonce)) == 32
    assert new_nonce() != nonce


@pytest.mark.parametrize("key_form", ["ABCD-EFGH-IJKL", "abcd efgh ijkl", "abcdefghijkl"])
def test_proofs_ignore_how_the_key_was_typed(key_form: str) -> None:
    assert client_proof(key_form, "sn", "cn") == client_proof("ABCDEFGHIJKL", "sn", "cn")


def test_proofs_bind_the_role_the_key_and_both_nonces() -> None:
    base = client_proof("KEY1", "sn", "cn")
    assert re.fullmatch(r"[0-9a-f]{64}", base)
    different: list[Any] = [
        satellite_proof("KEY1", "sn", "cn"),
        client_proof("KEY2", "sn", "cn"),
        client_proof("KEY1", "sn2", "cn"),
        client_proof("KEY1", "sn", "cn2"),
    ]
    assert base not in different
    assert proofs_match(base, client_proof("KEY1", "sn", "cn"))
    assert not proofs_match(base, different[0])
    assert not proofs_match(base, "é" * 64)  # no exception for text that is not ASCII
