"""Test-wide setup.

pytest-homeassistant-custom-component ships a `custom_components` package of its own; our
repository root must come first on `sys.path` and our integration must be imported before any
`hass` fixture runs, or Home Assistant reports "Cannot find integration".
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import custom_components.azure_voice_live  # noqa: E402, F401
