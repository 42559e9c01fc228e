"""Paired mode: advertising the satellite over zeroconf so Home Assistant finds it.

The service type is `_voicelive._tcp.local.`; the TXT record carries the satellite's id, name,
software version and link protocol version, which HA's zeroconf matcher and config flow read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Any

import ifaddr
from voicelive.link import PROTOCOL_VERSION, SERVICE_TYPE
from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from .link_server import Identity

_LOGGER = logging.getLogger(__name__)


def lan_addresses() -> list[str]:
    """The host's IPv4 addresses that HA could reach (loopback only as a last resort)."""
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and not ip.ip.startswith("127."):
                found.append(ip.ip)
    return found or ["127.0.0.1"]


def service_name(name: str) -> str:
    """The instance name of the service: the satellite's name, made DNS-safe."""
    label = (
        "".join(ch if ch.isalnum() or ch in "-_ " else "-" for ch in name).strip() or "satellite"
    )
    return f"{label[:63]}.{SERVICE_TYPE}"


def build_service_info(identity: Identity, port: int, addresses: list[str]) -> ServiceInfo:
    """The zeroconf record for this satellite."""
    host = socket.gethostname().split(".")[0] or "voicelive-satellite"
    return ServiceInfo(
        SERVICE_TYPE,
        service_name(identity.name),
        port=port,
        properties={
            "id": identity.satellite_id,
            "name": identity.name,
            "version": identity.version,
            "protocol": str(PROTOCOL_VERSION),
        },
        server=f"{host}.local.",
        parsed_addresses=addresses,
    )


class Advertiser:
    """Registers the service while the satellite runs."""

    def __init__(
        self,
        identity: Identity,
        port: int,
        *,
        addresses: list[str] | None = None,
        interfaces: list[str] | None = None,
    ) -> None:
        self.identity = identity
        self.port = port
        self.addresses = addresses or lan_addresses()
        self.interfaces = interfaces
        self.info: ServiceInfo | None = None
        self._zc: AsyncZeroconf | None = None
        self._broadcast: asyncio.Future[Any] | None = None

    async def start(self) -> None:
        """Announce the service (renaming it if the name is taken on the network)."""
        if self.interfaces is None:
            self._zc = AsyncZeroconf(ip_version=IPVersion.V4Only)
        else:
            self._zc = AsyncZeroconf(interfaces=self.interfaces, ip_version=IPVersion.V4Only)
        self.info = build_service_info(self.identity, self.port, self.addresses)
        # The first await registers; the task it returns repeats the announcement for a couple
        # of seconds, which need not hold up the start (stop() ends it if still running).
        self._broadcast = asyncio.ensure_future(
            await self._zc.async_register_service(self.info, allow_name_change=True)
        )
        _LOGGER.info(
            "advertising %s on %s port %d", self.info.name, ", ".join(self.addresses), self.port
        )

    async def stop(self) -> None:
        """Withdraw the service and close zeroconf."""
        if self._zc is None:
            return
        if self._broadcast is not None:
            self._broadcast.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._broadcast
            self._broadcast = None
        if self.info is not None:
            goodbye = await self._zc.async_unregister_service(self.info)
            await goodbye
        await self._zc.async_close()
        self._zc = None
