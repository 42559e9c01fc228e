"""How much time the Home Assistant component adds to a text turn, over a direct client.

Both sides talk to the same local emulator with zero pacing delays, so what is left is the cost of
each side. The component side runs a real Home Assistant core (bootstrapped in a temporary config
dir, with the integration added through its real config flow) and times
`conversation.async_converse`. The direct side times the same turn with the bare `voicelive`
client: `conversation.item.create`, `response.create`, read until `response.done`.

Warm: one conversation (one open session) for every turn. Cold: a new conversation each turn, so
the component opens a session (connect, session.update, session.updated) inside the turn, and the
direct client does the same. Turns alternate between the two sides so that they share conditions;
the figures are the median and p95 of the per-pair difference and the ratio of the medians.

Run: .venv/bin/python bench/conversation.py [--warm N] [--cold N] [--assist]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

API_KEY = "bench-key"
SCENARIO = {
    "pace": {
        "audio_speed": 1000,
        "text_delta_chars": 8,
        "delta_interval_ms": 0,
        "first_delta_delay_ms": 0,
    },
    "default_reply": "You said: {text}",
}
TEXT = "what is the capital of France"


async def boot_home_assistant(config_dir: Path) -> Any:
    """A real HA core with our integration available from `config_dir/custom_components`."""
    from homeassistant import bootstrap, runner

    (config_dir / "custom_components").mkdir()
    (config_dir / "custom_components" / "azure_voice_live").symlink_to(
        ROOT / "custom_components" / "azure_voice_live"
    )
    (config_dir / "configuration.yaml").write_text("homeassistant:\n  name: Bench\n")
    hass = await bootstrap.async_setup_hass(
        runner.RuntimeConfig(config_dir=str(config_dir), skip_pip=True)
    )
    if hass is None:
        raise RuntimeError("Home Assistant did not start")
    await hass.async_start()
    return hass


async def add_entry(hass: Any, url: str, assist: bool) -> Any:
    """Add the integration through its real config flow (which opens a validation session)."""
    from custom_components.azure_voice_live.const import DOMAIN

    flow = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "model"}
    )
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {
            "endpoint": url,
            "api_key": API_KEY,
            "model": "gpt-realtime",
            "advanced": {"api_version": "2025-10-01"},
        },
    )
    entry = result["result"]
    options = {"prompt": "You are a helpful assistant."}
    if assist:
        options["llm_hass_api"] = "assist"
    hass.config_entries.async_update_entry(entry, options=options)
    await hass.async_block_till_done()
    return entry


class DirectClient:
    """The same turn with the bare client: no Home Assistant at all."""

    def __init__(self, url: str, session: Any) -> None:
        self.url = url
        self.session = session
        self.conn: Any = None

    async def open(self) -> None:
        from custom_components.azure_voice_live.voicelive.client import connect
        from custom_components.azure_voice_live.voicelive.events import (
            SessionCreated,
            SessionUpdate,
            SessionUpdated,
        )

        self.conn = await connect(self.url, api_key=API_KEY, model="gpt-realtime")
        sent = False
        while True:
            event = await self.conn.recv()
            if isinstance(event, SessionCreated):
                await self.conn.send(SessionUpdate(session=self.session))
                sent = True
            elif isinstance(event, SessionUpdated) and sent:
                return

    async def turn(self, text: str) -> str:
        from custom_components.azure_voice_live.voicelive.events import (
            ConversationItemCreate,
            ResponseCreate,
            ResponseDone,
            ResponseTextDelta,
        )
        from custom_components.azure_voice_live.voicelive.models import (
            InputTextContentPart,
            RequestMessageItem,
        )

        await self.conn.send(
            ConversationItemCreate(
                item=RequestMessageItem(role="user", content=[InputTextContentPart(text=text)])
            )
        )
        await self.conn.send(ResponseCreate())
        reply = []
        while True:
            event = await self.conn.recv()
            if isinstance(event, ResponseTextDelta):
                reply.append(event.delta)
            elif isinstance(event, ResponseDone):
                return "".join(reply)

    async def close(self) -> None:
        await self.conn.close()


def summary(name: str, component: list[float], direct: list[float]) -> None:
    """Print median/p95 of both sides and of the per-pair difference, and the ratio."""
    diffs = [c - d for c, d in zip(component, direct, strict=True)]

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)

    med_c, med_d = statistics.median(component), statistics.median(direct)
    print(f"\n{name} ({len(component)} turns each)")
    print(f"  component turn     median {med_c:7.2f} ms   p95 {p95(component):7.2f} ms")
    print(f"  direct client turn median {med_d:7.2f} ms   p95 {p95(direct):7.2f} ms")
    print(
        f"  added by component median {statistics.median(diffs):7.2f} ms   p95 {p95(diffs):7.2f} ms"
    )
    print(f"  ratio (median component / median direct) {med_c / med_d:5.2f}x")


async def run(tmp: str, warm: int, cold: int, assist: bool) -> None:
    """Boot HA, add the entry, and time both sides."""
    from homeassistant.components import conversation
    from homeassistant.core import Context

    from custom_components.azure_voice_live.session_config import build_session
    from emulator import Emulator

    async with Emulator(api_key=API_KEY, scenario=SCENARIO, use_espeak=False, record=False) as emu:
        hass = await boot_home_assistant(Path(tmp))
        try:
            entry = await add_entry(hass, emu.url, assist)
            agent_id = next(
                e.entity_id
                for e in hass.data["entity_components"]["conversation"].entities
                if getattr(e, "entry", None) is entry
            )
            session = build_session(entry.options, modalities=["text"], instructions="x" * 400)

            async def component_turn(conversation_id: str | None) -> tuple[float, str | None]:
                start = time.perf_counter()
                result = await conversation.async_converse(
                    hass, TEXT, conversation_id, Context(), agent_id=agent_id
                )
                elapsed = (time.perf_counter() - start) * 1000
                speech = result.response.speech["plain"]["speech"]
                assert speech == f"You said: {TEXT}", speech
                return elapsed, result.conversation_id

            # Warm: one session each, reused for every turn.
            direct = DirectClient(emu.url, session)
            await direct.open()
            _, conversation_id = await component_turn(None)
            for _ in range(20):  # warm up both paths
                await component_turn(conversation_id)
                await direct.turn(TEXT)
            comp_ms: list[float] = []
            direct_ms: list[float] = []
            for _ in range(warm):
                elapsed, _ = await component_turn(conversation_id)
                comp_ms.append(elapsed)
                start = time.perf_counter()
                assert await direct.turn(TEXT) == f"You said: {TEXT}"
                direct_ms.append((time.perf_counter() - start) * 1000)
            await direct.close()
            summary("WARM session", comp_ms, direct_ms)

            # Cold: a new session inside every turn.
            comp_ms, direct_ms = [], []
            entity = hass.data["entity_components"]["conversation"].get_entity(agent_id)
            for _ in range(cold):
                elapsed, cid = await component_turn(None)
                comp_ms.append(elapsed)
                await entity._async_close(cid)  # do not keep them all open
                start = time.perf_counter()
                client = DirectClient(emu.url, session)
                await client.open()
                await client.turn(TEXT)
                direct_ms.append((time.perf_counter() - start) * 1000)
                await client.close()
            summary("COLD session (connect + session.update inside the turn)", comp_ms, direct_ms)
            print(f"\nAssist LLM API in the options: {'yes' if assist else 'no'}")
        finally:
            await hass.async_stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warm", type=int, default=300, help="warm turns per side")
    parser.add_argument("--cold", type=int, default=60, help="cold turns per side")
    parser.add_argument("--assist", action="store_true", help="enable the Assist LLM API")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    # Home Assistant's own start-up chatter (pip skipped, optional libraries) is not the point.
    logging.basicConfig(level=logging.CRITICAL)
    tmp = tempfile.mkdtemp(prefix="bench-ha-")
    try:
        asyncio.run(run(tmp, args.warm, args.cold, args.assist))
    finally:
        # HA's loop protection flags file I/O on the loop's thread even after the loop ended.
        cleanup = threading.Thread(
            target=shutil.rmtree, args=(tmp,), kwargs={"ignore_errors": True}
        )
        cleanup.start()
        cleanup.join()


if __name__ == "__main__":
    main()
