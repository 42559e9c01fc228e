"""A well-formed SDP answer for `session.avatar.connect`: signalling only.

The emulator renders no avatar video. It answers the client's offer the way a WebRTC peer
would (same media sections and mids, directions mirrored, fresh ICE credentials and a DTLS
fingerprint) so that a client's signalling code can be exercised; no media ever flows.
"""

from __future__ import annotations

import secrets
import time

from .errors import RequestError

_MIRROR = {"sendonly": "recvonly", "recvonly": "sendonly", "sendrecv": "sendrecv"}


def answer_sdp(offer: str) -> str:
    """An SDP answer to `offer`; a text that is not an SDP offer is a RequestError."""
    lines = [line.strip() for line in offer.replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines or lines[0] != "v=0":
        raise RequestError("invalid_value", "client_sdp is not an SDP offer (no v=0)", "client_sdp")
    media: list[list[str]] = []
    for line in lines:
        if line.startswith("m="):
            media.append([line])
        elif media:
            media[-1].append(line)
    if not media:
        raise RequestError("invalid_value", "client_sdp has no media section", "client_sdp")
    ufrag = secrets.token_hex(4)
    pwd = secrets.token_hex(12)
    fingerprint = ":".join(f"{b:02X}" for b in secrets.token_bytes(32))
    session_id = int(time.time() * 1000)
    mids = [
        line.split(":", 1)[1] for section in media for line in section if line.startswith("a=mid:")
    ]
    out = [
        "v=0",
        f"o=- {session_id} 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
    ]
    if mids:
        out.append("a=group:BUNDLE " + " ".join(mids))
    out.append("a=msid-semantic: WMS *")
    for section in media:
        kind_line = section[0].split()
        out.append(
            f"{kind_line[0]} 9 {kind_line[2] if len(kind_line) > 2 else 'UDP/TLS/RTP/SAVPF'} "
            + " ".join(kind_line[3:])
        )
        out += ["c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0"]
        out += [f"a=ice-ufrag:{ufrag}", f"a=ice-pwd:{pwd}", f"a=fingerprint:sha-256 {fingerprint}"]
        out.append("a=setup:active")
        for line in section[1:]:
            key = line[2:].split(":", 1)[0]
            if key in _MIRROR:
                out.append(f"a={_MIRROR[key]}")
            elif key in ("mid", "rtpmap", "fmtp", "rtcp-mux", "rtcp-fb", "extmap"):
                out.append(line)
    return "\r\n".join(out) + "\r\n"
