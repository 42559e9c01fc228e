"""The component must install on Home Assistant OS: nothing beyond its manifest's requirements.

soxr (the resampler of the satellite and the emulator) has no musllinux wheels, so the component
must load, and run its protocol client, without it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPONENT = ROOT / "custom_components" / "azure_voice_live"

PROBE = """
import importlib, pkgutil, sys
sys.modules["soxr"] = None  # importing it now raises ImportError
import custom_components.azure_voice_live as component
for module in pkgutil.walk_packages(component.__path__, component.__name__ + "."):
    importlib.import_module(module.name)
from custom_components.azure_voice_live.voicelive import audio
assert audio.b64decode(audio.b64encode(b"ab")) == b"ab"
assert audio.ulaw_decode(audio.ulaw_encode(b"\\0\\0"))
print("ok")
"""


def test_the_component_loads_without_soxr() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_manifest_requires_only_what_home_assistant_does_not_ship() -> None:
    manifest = json.loads((COMPONENT / "manifest.json").read_text())
    assert manifest["requirements"] == ["msgspec==0.22.0"]
    for key in ("version", "iot_class", "documentation", "issue_tracker", "codeowners"):
        assert manifest[key]
    assert manifest["config_flow"] is True
    assert manifest["zeroconf"] == ["_voicelive._tcp.local."]
