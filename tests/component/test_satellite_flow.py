"""Adopting a Pi satellite: zeroconf, the manual step, reauth, reconfigure and its options.

Every pairing is a real handshake with the satellite's own link server on 127.0.0.1
(`firmware_client.transport.link_server.LinkServer`), so a wrong key is refused by the satellite
itself, exactly as on a Pi.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from ipaddress import ip_address
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, SOURCE_ZEROCONF, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry
from voicelive.link import PROTOCOL_VERSION, SERVICE_TYPE, generate_pairing_key

from custom_components.azure_voice_live import satellite as satellite_module
from custom_components.azure_voice_live.const import (
    CONF_AGENT_ENTRY_ID,
    CONF_HOST,
    CONF_KIND,
    CONF_PAIRING_KEY,
    CONF_PORT,
    CONF_SATELLITE_ID,
    DOMAIN,
    KIND_SATELLITE,
)
from custom_components.azure_voice_live.satellite import SatelliteRuntime
from firmware_client.settings import AudioSettings
from firmware_client.transport.link_server import Identity, LinkServer

from .conftest import entry_data

SATELLITE_ID = "pi-kitchen-0001"


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Real sockets, on 127.0.0.1 only (pytest-socket)."""


@pytest.fixture(autouse=True)
def _fast_redial(monkeypatch: pytest.MonkeyPatch) -> None:
    """A created satellite entry dials at once; keep its retry short in these tests."""
    monkeypatch.setattr(satellite_module, "RECONNECT_MIN", 0.05)


StartServer = Callable[..., Awaitable[LinkServer]]


@pytest.fixture
async def start_server() -> AsyncIterator[StartServer]:
    """Start satellite link servers on free loopback ports; stop them all afterwards."""
    servers: list[LinkServer] = []

    async def start(
        key: str, satellite_id: str = SATELLITE_ID, name: str = "Kitchen Pi", port: int = 0
    ) -> LinkServer:
        server = LinkServer(
            key=key,
            identity=Identity(satellite_id=satellite_id, name=name, version="1.2.3"),
            audio=AudioSettings.build(),
            wake_word="okay_nabu",
            host="127.0.0.1",
            port=port,
        )
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


def agent_entry(hass: HomeAssistant, title: str = "gpt-realtime") -> MockConfigEntry:
    """An agent entry (not loaded: the flow only needs to list it)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data=entry_data("http://127.0.0.1:9"),
        unique_id=f"127.0.0.1:9/{title}",
    )
    entry.add_to_hass(hass)
    return entry


def satellite_entry(
    hass: HomeAssistant, agent: MockConfigEntry, port: int, key: str, **data: Any
) -> MockConfigEntry:
    """A satellite entry as the flow creates it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Kitchen Pi",
        data={
            CONF_KIND: KIND_SATELLITE,
            CONF_HOST: "127.0.0.1",
            CONF_PORT: port,
            CONF_SATELLITE_ID: SATELLITE_ID,
            CONF_PAIRING_KEY: key,
            **data,
        },
        options={CONF_AGENT_ENTRY_ID: agent.entry_id},
        unique_id=f"satellite-{SATELLITE_ID}",
    )
    entry.add_to_hass(hass)
    return entry


def discovery(port: int, **properties: str) -> ZeroconfServiceInfo:
    """What zeroconf reports for a satellite on this machine."""
    props = {
        "id": SATELLITE_ID,
        "name": "Kitchen Pi",
        "version": "1.2.3",
        "protocol": str(PROTOCOL_VERSION),
    }
    props.update(properties)
    return ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        port=port,
        hostname="kitchen-pi.local.",
        type=SERVICE_TYPE,
        name=f"kitchen-pi.{SERVICE_TYPE}",
        properties={k: v for k, v in props.items() if v},
    )


async def discover(hass: HomeAssistant, info: ZeroconfServiceInfo) -> Any:
    """Start the zeroconf flow."""
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=info
    )


def runtime(entry: Any) -> SatelliteRuntime:
    """A satellite entry's runtime."""
    value = entry.runtime_data
    assert isinstance(value, SatelliteRuntime)
    return value


async def wait_until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll a condition (everything runs in this loop)."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - no single event covers these
            await asyncio.sleep(0.01)


async def unload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Let a reload that a flow scheduled finish, then unload the entry (stops its dialling)."""
    await hass.async_block_till_done()
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)


# --- zeroconf -----------------------------------------------------------------------------------


async def test_discovery_with_the_right_key_creates_the_entry(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    agent = agent_entry(hass)
    key = generate_pairing_key()
    server = await start_server(key)

    result = await discover(hass, discovery(server.port))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "satellite_pair"
    assert result["description_placeholders"] == {
        "name": "Kitchen Pi",
        "host": f"127.0.0.1:{server.port}",
    }
    (progress,) = hass.config_entries.flow.async_progress()
    assert progress["context"]["title_placeholders"] == {"name": "Kitchen Pi"}

    # Typed as a user may: lower case, spaces instead of dashes.
    typed = key.lower().replace("-", " ")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING_KEY: typed, CONF_AGENT_ENTRY_ID: agent.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Kitchen Pi"
    assert result["data"] == {
        CONF_KIND: KIND_SATELLITE,
        CONF_HOST: "127.0.0.1",
        CONF_PORT: server.port,
        CONF_SATELLITE_ID: SATELLITE_ID,
        CONF_PAIRING_KEY: key.replace("-", ""),
    }
    assert result["options"] == {CONF_AGENT_ENTRY_ID: agent.entry_id}
    entry = result["result"]
    assert entry.unique_id == f"satellite-{SATELLITE_ID}"
    # The new entry links to the satellite by itself.
    await wait_until(lambda: server.paired.is_set())
    await wait_until(lambda: runtime(entry).status.connected)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_discovery_with_a_wrong_key_asks_again(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    agent = agent_entry(hass)
    server = await start_server(generate_pairing_key())
    result = await discover(hass, discovery(server.port))

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_PAIRING_KEY: generate_pairing_key(), CONF_AGENT_ENTRY_ID: agent.entry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "satellite_pair"
    assert result["errors"] == {"base": "invalid_pairing_key"}
    assert not hass.config_entries.async_entries(DOMAIN)[1:]  # only the agent


async def test_discovery_of_a_satellite_that_went_away_cannot_connect(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    agent = agent_entry(hass)
    server = await start_server(generate_pairing_key())
    port = server.port
    await server.stop()  # the port is free now: nothing answers

    result = await discover(hass, discovery(port))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_PAIRING_KEY: generate_pairing_key(), CONF_AGENT_ENTRY_ID: agent.entry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_discovery_without_an_agent_aborts(hass: HomeAssistant) -> None:
    result = await discover(hass, discovery(10780))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_agents"


@pytest.mark.parametrize(
    ("properties", "reason"),
    [({"id": ""}, "invalid_discovery"), ({"protocol": "99"}, "unsupported_protocol")],
)
async def test_a_bad_announcement_aborts(
    hass: HomeAssistant, properties: dict[str, str], reason: str
) -> None:
    agent_entry(hass)
    result = await discover(hass, discovery(10780, **properties))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_rediscovery_at_a_new_address_updates_the_entry(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    agent = agent_entry(hass)
    key = generate_pairing_key()
    entry = satellite_entry(hass, agent, 1, key.replace("-", ""), **{CONF_HOST: "127.0.0.2"})
    server = await start_server(key)

    result = await discover(hass, discovery(server.port))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "127.0.0.1"
    assert entry.data[CONF_PORT] == server.port
    assert entry.data[CONF_PAIRING_KEY] == key.replace("-", "")  # the rest stays
    await unload(hass, entry)


# --- manual -------------------------------------------------------------------------------------


async def test_the_user_menu_adds_a_satellite_by_address(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    agent = agent_entry(hass)
    key = generate_pairing_key()
    server = await start_server(key)

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert KIND_SATELLITE in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": KIND_SATELLITE}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "satellite"

    answer = {
        CONF_HOST: " 127.0.0.1 ",
        CONF_PORT: server.port,
        CONF_PAIRING_KEY: generate_pairing_key(),
        CONF_AGENT_ENTRY_ID: agent.entry_id,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_pairing_key"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**answer, CONF_PAIRING_KEY: key}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"
    assert result["data"][CONF_SATELLITE_ID] == SATELLITE_ID
    assert result["data"][CONF_PAIRING_KEY] == key.replace("-", "")
    assert result["options"] == {CONF_AGENT_ENTRY_ID: agent.entry_id}
    await wait_until(lambda: runtime(result["result"]).status.connected)
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_the_manual_step_refuses_an_unreachable_address_and_an_adopted_satellite(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    agent = agent_entry(hass)
    key = generate_pairing_key()
    server = await start_server(key)
    satellite_entry(hass, agent, 1, key)

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": KIND_SATELLITE}
    )
    answer = {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: 1,
        CONF_PAIRING_KEY: key,
        CONF_AGENT_ENTRY_ID: agent.entry_id,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**answer, CONF_PORT: server.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_the_manual_step_without_an_agent_aborts(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": KIND_SATELLITE}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_agents"


# --- reauth -------------------------------------------------------------------------------------


async def test_a_reset_satellite_starts_reauth_and_the_new_key_links_it(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    agent = agent_entry(hass)
    new_key = generate_pairing_key()
    server = await start_server(new_key)  # reset: it printed a new key
    entry = satellite_entry(hass, agent, server.port, generate_pairing_key())
    assert await hass.config_entries.async_setup(entry.entry_id)

    # The runtime saw the refusal and asked the user, instead of dialling for ever.
    await wait_until(lambda: bool(list(entry.async_get_active_flows(hass, {"reauth"}))))
    (flow,) = entry.async_get_active_flows(hass, {"reauth"})
    assert flow["step_id"] == "satellite_reauth"
    assert not runtime(entry).status.connected

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PAIRING_KEY: generate_pairing_key()}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_pairing_key"}
    assert result["description_placeholders"] == {"name": "Kitchen Pi"}

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PAIRING_KEY: new_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PAIRING_KEY] == new_key.replace("-", "")
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await wait_until(lambda: runtime(entry).status.connected)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_reauth_started_by_hand_shows_the_satellite_form(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    agent = agent_entry(hass)
    key = generate_pairing_key()
    server = await start_server(key)
    entry = satellite_entry(hass, agent, server.port, "OLDKEY")

    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "satellite_reauth"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING_KEY: key}
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PAIRING_KEY] == key.replace("-", "")
    await unload(hass, entry)


# --- reconfigure --------------------------------------------------------------------------------


async def test_reconfigure_follows_the_satellite_to_a_new_port(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    agent = agent_entry(hass)
    key = generate_pairing_key()
    entry = satellite_entry(hass, agent, 1, key.replace("-", ""))
    server = await start_server(key)  # the same satellite, restarted on another port

    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "satellite_reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: 1}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: server.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == server.port
    assert entry.data[CONF_PAIRING_KEY] == key.replace("-", "")
    await unload(hass, entry)


async def test_reconfigure_refuses_another_satellite_at_that_address(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    agent = agent_entry(hass)
    key = generate_pairing_key()
    entry = satellite_entry(hass, agent, 1, key)
    # Another satellite that (by chance or by copy) accepts the same key.
    other = await start_server(key, satellite_id="pi-hall-0002", name="Hall Pi")

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: other.port}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "wrong_satellite"}
    assert entry.data[CONF_PORT] == 1


# --- options ------------------------------------------------------------------------------------


async def test_the_options_flow_changes_the_agent(hass: HomeAssistant) -> None:
    first = agent_entry(hass, "first")
    second = agent_entry(hass, "second")
    entry = satellite_entry(hass, first, 1, "KEY")

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "satellite_agent"
    schema = result["data_schema"].schema
    (field,) = schema
    assert field == CONF_AGENT_ENTRY_ID and field.default() == first.entry_id
    options = schema[field].config["options"]
    assert [o["value"] for o in options] == [first.entry_id, second.entry_id]

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_AGENT_ENTRY_ID: second.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_AGENT_ENTRY_ID: second.entry_id}
    await unload(hass, entry)


async def test_discovery_refuses_another_satellite_at_the_announced_address(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    """The announcement names one satellite, another answers (a stale record, a swapped address).

    Adopting it under the announced id would give one Pi two entries, the second one's entities
    clashing with the first; the flow says so instead.
    """
    agent = agent_entry(hass)
    key = generate_pairing_key()
    other = await start_server(key, satellite_id="pi-hall-0002", name="Hall Pi")

    result = await discover(hass, discovery(other.port))  # announced as pi-kitchen-0001
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING_KEY: key, CONF_AGENT_ENTRY_ID: agent.entry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "wrong_satellite"}
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1  # only the agent
