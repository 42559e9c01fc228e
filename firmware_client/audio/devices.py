"""Finding PortAudio devices by index or by name, and listing them for `--list-devices`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One PortAudio device as the CLI shows it."""

    index: int
    name: str
    host_api: str
    max_input_channels: int
    max_output_channels: int
    default_rate: int


def list_devices(pa: Any) -> list[DeviceInfo]:
    """Every device that PortAudio sees (`pa` is a `pyaudio.PyAudio`)."""
    devices = []
    for index in range(pa.get_device_count()):
        info = pa.get_device_info_by_index(index)
        api = pa.get_host_api_info_by_index(info["hostApi"])["name"]
        devices.append(
            DeviceInfo(
                index=index,
                name=str(info["name"]),
                host_api=str(api),
                max_input_channels=int(info["maxInputChannels"]),
                max_output_channels=int(info["maxOutputChannels"]),
                default_rate=int(info["defaultSampleRate"]),
            )
        )
    return devices


def format_devices(devices: list[DeviceInfo]) -> str:
    """A table for people: index, direction, channels, default rate, name."""
    if not devices:
        return (
            "no audio devices found: is the mic or speaker plugged in, and is this user in "
            "the 'audio' group?"
        )
    lines = ["index  in  out  rate   name (host API)"]
    for dev in devices:
        lines.append(
            f"{dev.index:5}  {dev.max_input_channels:2}  {dev.max_output_channels:3}  "
            f"{dev.default_rate:5}  {dev.name} ({dev.host_api})"
        )
    return "\n".join(lines)


def find_device(devices: list[DeviceInfo], spec: str | None, *, output: bool) -> int | None:
    """The index of the device that `spec` names (an index or part of a name); None = default.

    Raises ValueError with the choices when nothing or more than one device matches.
    """
    if spec is None or spec == "":
        return None
    usable = [d for d in devices if (d.max_output_channels if output else d.max_input_channels)]
    kind = "output" if output else "input"
    if spec.isdigit():
        index = int(spec)
        for dev in usable:
            if dev.index == index:
                return index
        raise ValueError(f"no {kind} device with index {index}; see --list-devices")
    matches = [d for d in usable if spec.lower() in d.name.lower()]
    exact = [d for d in matches if d.name.lower() == spec.lower()]
    if len(exact) == 1:
        return exact[0].index
    if len(matches) == 1:
        return matches[0].index
    if not matches:
        raise ValueError(f"no {kind} device named like {spec!r}; see --list-devices")
    names = ", ".join(f"{d.index}: {d.name}" for d in matches)
    raise ValueError(f"{spec!r} matches several {kind} devices ({names}); give the index")
