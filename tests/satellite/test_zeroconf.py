"""The satellite's zeroconf advertisement, as a python-zeroconf browser on this machine sees it.

Both sides bind to the loopback interface: the sandbox (and pytest-socket) allow only 127.0.0.1,
and multicast on loopback is what this machine can do without a LAN.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from voicelive.link import PROTOCOL_VERSION, SERVICE_TYPE
from zeroconf import ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from firmware_client import __version__
from firmware_client.app import SatelliteApp

from .conftest import wav_options
from .speech import silence


async def test_home_assistant_can_find_the_satellite(tmp_path: Path) -> None:
    options = wav_options(tmp_path, silence(0.1), host="127.0.0.1", port=0, name="Kitchen Pi")
    app = SatelliteApp(options, zeroconf_interfaces=["127.0.0.1"], zeroconf_addresses=["127.0.0.1"])
    await app.start()
    browser_zc = AsyncZeroconf(interfaces=["127.0.0.1"])
    found: asyncio.Queue[str] = asyncio.Queue()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Added:
            found.put_nowait(name)

    browser = AsyncServiceBrowser(browser_zc.zeroconf, [SERVICE_TYPE], handlers=[on_change])
    try:
        name = await asyncio.wait_for(found.get(), 10)
        assert name == f"Kitchen Pi.{SERVICE_TYPE}"
        info = AsyncServiceInfo(SERVICE_TYPE, name)
        assert await info.async_request(browser_zc.zeroconf, 3000)
        assert app.link is not None and app.stored is not None
        assert info.port == app.link.port
        assert info.parsed_addresses() == ["127.0.0.1"]
        assert info.decoded_properties == {
            "id": app.stored.satellite_id,
            "name": "Kitchen Pi",
            "version": __version__,
            "protocol": str(PROTOCOL_VERSION),
        }
    finally:
        await browser.async_cancel()
        await browser_zc.async_close()
        await app.stop()
