"""Every server event of the schema has a place in the emulator that builds it.

The behaviour behind each is tested in the flow tests of this folder; this check keeps the list
complete when the schema grows: a server event that the emulator never constructs fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from voicelive.events import SERVER_EVENT_CLASSES

SOURCE = "\n".join(
    path.read_text() for path in (Path(__file__).resolve().parents[2] / "emulator").glob("*.py")
)


def test_every_server_event_is_constructed_somewhere() -> None:
    missing = [
        cls.__name__
        for cls in SERVER_EVENT_CLASSES
        if not re.search(rf"\b{cls.__name__}\(", SOURCE)
    ]
    assert missing == []
    assert len(SERVER_EVENT_CLASSES) == 44
