"""Identifiers in the service's style: a prefix and a random token (`sess_...`, `item_...`)."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """A fresh id such as `item_4f9c2a7d01b34e5f8a1c`."""
    return f"{prefix}_{secrets.token_hex(10)}"
