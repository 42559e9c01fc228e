"""What the satellite keeps on disk: its id and its pairing key, in the state directory.

The pairing key is made at first start with `voicelive.link.generate_pairing_key`, written with
mode 0600 (only the satellite's user may read it) and printed once, for the user to type into
Home Assistant. The id is a random UUID that stays the same across restarts, so HA recognises the
satellite when its name or address changes.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from voicelive.link import generate_pairing_key, normalize_pairing_key

KEY_FILE = "pairing_key"
ID_FILE = "satellite_id"
APP_DIR = "voicelive-satellite"


def default_state_dir() -> Path:
    """systemd's StateDirectory when run as a service, else ~/.local/state/voicelive-satellite."""
    systemd = os.environ.get("STATE_DIRECTORY")
    if systemd:
        return Path(systemd.split(":")[0])
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / APP_DIR


@dataclass(frozen=True, slots=True)
class StoredState:
    """The satellite's persistent identity."""

    satellite_id: str
    pairing_key: str
    key_is_new: bool


def _write_private(path: Path, text: str) -> None:
    """Create `path` with mode 0600 (never readable by others, not even for an instant)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text + "\n")


def load_or_create(state_dir: Path, *, reset_key: bool = False) -> StoredState:
    """Read the id and key, making them on first start (or a new key when `reset_key`)."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    id_path = state_dir / ID_FILE
    if id_path.exists():
        satellite_id = id_path.read_text(encoding="ascii").strip()
    else:
        satellite_id = uuid.uuid4().hex
        _write_private(id_path, satellite_id)
    key_path = state_dir / KEY_FILE
    if reset_key and key_path.exists():
        key_path.unlink()
    key_is_new = False
    if key_path.exists():
        if key_path.stat().st_mode & 0o077:
            key_path.chmod(0o600)  # someone loosened it; the key is a secret
        key = key_path.read_text(encoding="ascii").strip()
        if not normalize_pairing_key(key):
            raise ValueError(f"{key_path} is empty; delete it to make a new pairing key")
    else:
        key = generate_pairing_key()
        _write_private(key_path, key)
        key_is_new = True
    return StoredState(satellite_id=satellite_id, pairing_key=key, key_is_new=key_is_new)
