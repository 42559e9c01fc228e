"""The paired link between a Pi satellite and Home Assistant.

The satellite runs a WebSocket server and advertises it over zeroconf; Home Assistant connects
to it (the ESPHome / Wyoming model: the satellite holds no HA token and no Azure key). On that link
the satellite sends Voice Live client events and receives server events, plus a handful of
`satellite.*` control messages defined here: the pairing handshake, wake, end of session, mute
and announce.

Pairing is a challenge and response over HMAC-SHA256 with the key that the satellite printed at
first start; the key itself never crosses the wire, and both sides prove that they hold it:

    satellite -> HA   satellite.hello  {satellite nonce}
    HA -> satellite   satellite.auth   {client nonce, proof = HMAC(key, "client" | sn | cn)}
    satellite -> HA   satellite.ready  {proof = HMAC(key, "satellite" | sn | cn), audio settings}

A peer whose proof is wrong gets the socket closed with code 4401 and nothing from the mic.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

from .codec import (
    AnyServerEvent,
    _protocol_error,
    parse_server_event,
    parse_strict_client_event,
)
from .errors import ProtocolError
from .events import ClientEvent

PROTOCOL_VERSION = 1
SERVICE_TYPE = "_voicelive._tcp.local."
LINK_PATH = "/voicelive"
DEFAULT_PORT = 10780
CLOSE_PAIRING_FAILED = 4401
CLOSE_PROTOCOL_ERROR = 4400
NONCE_BYTES = 32
_PREFIX = "satellite."
_PROOF_DOMAIN = b"voicelive-link-v1"


class LinkMessage(msgspec.Struct, tag_field="type", forbid_unknown_fields=True, kw_only=True):
    """A control message of the satellite link (type `satellite.*`)."""


class Hello(LinkMessage, tag="satellite.hello", kw_only=True):
    """First message from the satellite: who it is, and the challenge."""

    satellite_id: str
    name: str
    version: str
    protocol: int
    nonce: str


class Auth(LinkMessage, tag="satellite.auth", kw_only=True):
    """Home Assistant's answer to the challenge, with its own nonce."""

    nonce: str
    proof: str


class Ready(LinkMessage, tag="satellite.ready", kw_only=True):
    """The satellite accepted HA's proof; it proves itself and states its audio settings."""

    proof: str
    input_audio_format: Literal["pcm16", "g711_ulaw", "g711_alaw"]
    input_audio_sampling_rate: int
    output_audio_format: Literal["pcm16", "pcm16_8000hz", "pcm16_16000hz", "g711_ulaw", "g711_alaw"]
    noise_reduction: bool
    echo_cancellation: bool
    wake_word: str
    muted: bool


class Wake(LinkMessage, tag="satellite.wake", kw_only=True):
    """The satellite heard its wake word (or was asked to listen); a session starts now."""

    wake_word: str


class SessionEnd(LinkMessage, tag="satellite.session_end", kw_only=True):
    """The satellite stopped listening: the reply was played and the follow-up window closed."""

    reason: str


class Muted(LinkMessage, tag="satellite.muted", kw_only=True):
    """The satellite's mute state changed (from HA or from a local button)."""

    muted: bool


class SetMuted(LinkMessage, tag="satellite.set_muted", kw_only=True):
    """HA asks the satellite to mute or unmute its microphone."""

    muted: bool


class Announce(LinkMessage, tag="satellite.announce", kw_only=True):
    """HA is about to play an announcement: play the response audio that follows, then go idle.

    `listen` asks the satellite to open a follow-up window afterwards, as after a reply.
    """

    text: str
    listen: bool | UnsetType = UNSET


LINK_MESSAGES: dict[str, type[LinkMessage]] = {
    str(cls.__struct_config__.tag): cls
    for cls in (Hello, Auth, Ready, Wake, SessionEnd, Muted, SetMuted, Announce)
}
_link_decoder = msgspec.json.Decoder(
    Hello | Auth | Ready | Wake | SessionEnd | Muted | SetMuted | Announce
)
_encoder = msgspec.json.Encoder()


# --- Pairing key and proofs ---------------------------------------------------------------------


def generate_pairing_key() -> str:
    """A new pairing key: 20 random bytes in base32, in groups of four for reading and typing."""
    text = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalize_pairing_key(key: str) -> str:
    """The canonical form of a key as a user may type it (case, spaces and dashes do not matter)."""
    return "".join(ch for ch in key.upper() if ch.isalnum())


def new_nonce() -> str:
    """A fresh random challenge, base64."""
    return base64.b64encode(secrets.token_bytes(NONCE_BYTES)).decode("ascii")


def _proof(key: str, role: bytes, satellite_nonce: str, client_nonce: str) -> str:
    message = b"|".join(
        (_PROOF_DOMAIN, role, satellite_nonce.encode("ascii"), client_nonce.encode("ascii"))
    )
    secret = normalize_pairing_key(key).encode("ascii")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def client_proof(key: str, satellite_nonce: str, client_nonce: str) -> str:
    """What HA sends to prove that it holds the key."""
    return _proof(key, b"client", satellite_nonce, client_nonce)


def satellite_proof(key: str, satellite_nonce: str, client_nonce: str) -> str:
    """What the satellite sends back to prove that it holds the key too."""
    return _proof(key, b"satellite", satellite_nonce, client_nonce)


def proofs_match(expected: str, given: str) -> bool:
    """Constant-time comparison of two proofs."""
    return hmac.compare_digest(
        expected.encode("ascii", "replace"), given.encode("ascii", "replace")
    )


# --- Frames -------------------------------------------------------------------------------------


def encode_link_message(message: LinkMessage) -> str:
    """A link message as the text of one WebSocket frame."""
    return _encoder.encode(message).decode()


def parse_link_message(data: str | bytes) -> LinkMessage:
    """Parse a `satellite.*` message strictly."""
    try:
        message: LinkMessage = _link_decoder.decode(data)
    except msgspec.MsgspecError as exc:
        error = _protocol_error(exc)
        raise ProtocolError(f"bad link message: {error.reason}", error.path) from None
    except (UnicodeError, RecursionError) as exc:  # not UTF-8, or nested past the stack
        raise ProtocolError(f"bad link message: not valid JSON ({exc})") from None
    return message


def _is_link_frame(data: str | bytes) -> bool:
    # Cheap test before a full parse: audio frames are by far the most common and never match.
    head = data[:64] if isinstance(data, bytes) else data[:64].encode("utf-8", "replace")
    return b'"satellite.' in head


def _is_link_type(event: ClientEvent | AnyServerEvent) -> bool:
    return event.type.startswith(_PREFIX)


def decode_from_satellite(data: str | bytes) -> ClientEvent | LinkMessage:
    """A frame that HA received from a satellite: a link message or a strict client event.

    The cheap test can also match an event whose text starts with `"satellite.` early on (in
    `instructions`, say); such a frame is read as the event it is.
    """
    if _is_link_frame(data):
        try:
            return parse_link_message(data)
        except ProtocolError as link_error:
            try:
                return parse_strict_client_event(data)
            except ProtocolError:
                raise link_error from None
    return parse_strict_client_event(data)


def decode_from_home(data: str | bytes) -> AnyServerEvent | LinkMessage:
    """A frame that a satellite received from HA: a link message or a (lenient) server event."""
    if _is_link_frame(data):
        try:
            return parse_link_message(data)
        except ProtocolError as link_error:
            event = parse_server_event(data, strict=False)
            if _is_link_type(event):  # a malformed link message is not an unknown event
                raise link_error from None
            return event
    return parse_server_event(data, strict=False)
