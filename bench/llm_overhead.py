"""What the LLM gateway adds to time to first token and to each token.

The fake OpenAI-compatible server runs in its own process and streams 30 tokens, one every 33 ms
(about 30 chunks/s per stream). It records when each request arrived and when each chunk was
written (``time.monotonic()``, shared by both processes). For every stream:

    added to first token = (request arrived - call started) + (first token yielded - first chunk written)
    added per token      = token yielded - chunk written   (tokens 2..n)

Scenarios, each for 1 and for 200 concurrent streams (every client starts a new stream as soon as
its previous one ends; each client's first stream warms its connection and is not counted). The
floor and the gateway run in alternating rounds, so noise from other work on the machine falls on
both alike:

- ``floor``: a bare aiohttp client with the same SSE parsing, no gateway (what any client pays)
- ``gateway``: ``llm.stream_reply`` (fallback loop, lean stream, stats, metrics, log)
- ``litellm-stock`` (reference, ``--stock``): litellm's Router streaming an ``openai/`` deployment

Run: ``.venv/bin/python bench/llm_overhead.py`` (about 65 s; 95 s more with ``--stock``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workplace_roleplay.settings.base")
os.environ.setdefault("LOG_LEVEL", "INFO")

TOKENS, PACE = 30, 0.033
LEVELS = (1, 200)


@dataclass
class Sample:
    tag: str
    started: float
    yielded: list[float] = field(default_factory=list)


@dataclass
class Scenario:
    name: str
    concurrency: int
    samples: list[Sample] = field(default_factory=list)
    cpu: float = 0.0
    wall: float = 0.0
    server_cpu: float = 0.0


Runner = Callable[[str], Awaitable[Sample]]


def start_server(port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "testing.fake_llm",
        "--port",
        str(port),
        "--tokens",
        str(TOKENS),
        "--delay",
        str(PACE),
    ]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    assert server.stdout is not None
    server.stdout.readline()  # "listening ..."
    return server


def setup_django(base_url: str) -> None:
    import django

    django.setup()
    from django.conf import settings

    from testing.fake_llm import fake_settings

    settings.LLM = fake_settings(base_url, FIRST_TOKEN_TIMEOUT=15.0, TOTAL_TIMEOUT=60.0, MAX_CONNECTIONS=1000)
    # The gateway's one log line per call is part of its cost: format it, but not onto the terminal.
    devnull = open(os.devnull, "w")  # noqa: SIM115  # lives as long as the process
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)


# --- the clients ------------------------------------------------------------------------------
def messages(tag: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "役割: 先輩\n話し方: フランク"}, {"role": "user", "content": tag}]


async def gateway_stream(tag: str) -> Sample:
    from llm import stream_reply

    sample = Sample(tag, time.monotonic())
    async for _chunk in stream_reply(messages(tag), purpose="chat_partner", mode="chat"):
        sample.yielded.append(time.monotonic())
    return sample


_SESSIONS: list[Any] = []


def floor_client(base_url: str) -> Runner:
    import aiohttp

    state: dict[str, aiohttp.ClientSession] = {}

    async def run(tag: str) -> Sample:
        if "session" not in state:
            state["session"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000))
            _SESSIONS.append(state["session"])
        body = {"model": "m", "stream": True, "messages": messages(tag)}
        sample = Sample(tag, time.monotonic())
        async with state["session"].post(f"{base_url}/v1/chat/completions", json=body) as response:
            buffer = b""
            async for data in response.content.iter_any():
                buffer += data
                *events, buffer = buffer.split(b"\n\n")
                for event in events:
                    payload = event[6:]
                    if payload != b"[DONE]" and (json.loads(payload).get("choices") or [{}])[0].get("delta", {}).get(
                        "content"
                    ):
                        sample.yielded.append(time.monotonic())
        return sample

    return run


def stock_client(base_url: str) -> Runner:
    import litellm

    router = litellm.Router(
        model_list=[
            {
                "model_name": "stock",
                "litellm_params": {"model": "openai/m", "api_base": f"{base_url}/v1", "api_key": "x"},
            }
        ]
    )

    async def run(tag: str) -> Sample:
        sample = Sample(tag, time.monotonic())
        response = await router.acompletion(model="stock", messages=messages(tag), stream=True)
        async for chunk in response:
            if chunk.choices and chunk.choices[0].delta.content:
                sample.yielded.append(time.monotonic())
        return sample

    return run


# --- running and measuring --------------------------------------------------------------------
async def client(run: Runner, scenario: Scenario, number: int, until: float, warm: bool) -> None:
    count = 0
    while time.monotonic() < until:
        sample = await run(f"{scenario.name}-{scenario.concurrency}-{number}-{len(scenario.samples)}-{count}")
        if count or warm:  # a client's first stream opens its connection
            scenario.samples.append(sample)
        count += 1


def process_cpu(pid: int) -> float:
    """CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_scenario(run: Runner, scenario: Scenario, seconds: float, server_pid: int, warm: bool) -> None:
    until = time.monotonic() + seconds
    cpu, wall, server_cpu = time.process_time(), time.monotonic(), process_cpu(server_pid)
    tasks = []
    for number in range(scenario.concurrency):
        tasks.append(asyncio.create_task(client(run, scenario, number, until, warm)))
        await asyncio.sleep(1.0 / scenario.concurrency)  # spread the starts over one stream's length
    await asyncio.gather(*tasks)
    scenario.cpu += time.process_time() - cpu
    scenario.wall += time.monotonic() - wall
    scenario.server_cpu += process_cpu(server_pid) - server_cpu


def timings(base_url: str) -> dict[str, dict[str, Any]]:
    import urllib.request

    with urllib.request.urlopen(f"{base_url}/_timings") as response:  # noqa: S310  # 127.0.0.1
        return {row["tag"]: row for row in json.load(response)["timings"]}


def percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):6.2f} ms  p99 {p99:6.2f} ms"


def report(scenario: Scenario, server: dict[str, dict[str, Any]]) -> str:
    first, per_token = [], []
    for sample in scenario.samples:
        row = server.get(sample.tag[:64])
        if not row or not sample.yielded or not row["sent"]:
            continue
        first.append(((row["received"] - sample.started) + (sample.yielded[0] - row["sent"][0])) * 1000)
        per_token.extend((got - sent) * 1000 for got, sent in zip(sample.yielded[1:], row["sent"][1:], strict=False))
    load = 100 * scenario.cpu / scenario.wall if scenario.wall else 0
    server_load = 100 * scenario.server_cpu / scenario.wall if scenario.wall else 0
    return (
        f"{scenario.name:13} {scenario.concurrency:3} streams n={len(first):4}  first token: "
        f"{percentiles(first)} | per token: {percentiles(per_token)} | CPU: client {load:3.0f}% "
        f"server {server_load:3.0f}%"
    )


async def main(seconds: float, rounds: int, stock: bool, port: int, server_pid: int) -> None:
    base_url = f"http://127.0.0.1:{port}"
    setup_django(base_url)
    plan: list[tuple[str, Runner]] = [("floor", floor_client(base_url)), ("gateway", gateway_stream)]
    scenarios = {(name, level): Scenario(name, level) for name, _ in plan for level in LEVELS}
    for name, run in plan:
        await run(f"warm-up-{name}")
    for level in LEVELS:
        for round_number in range(rounds):
            for name, run in plan:
                scenario = scenarios[(name, level)]
                await run_scenario(run, scenario, seconds / rounds, server_pid, warm=round_number > 0)
    if stock:
        run = stock_client(base_url)
        await run("warm-up-stock")
        for level in LEVELS:
            scenarios[("litellm-stock", level)] = Scenario("litellm-stock", level)
            await run_scenario(run, scenarios[("litellm-stock", level)], seconds, server_pid, warm=False)
    for session in _SESSIONS:
        await session.close()
    server = timings(base_url)
    print(f"{TOKENS} tokens per stream, one every {PACE * 1000:.0f} ms; {os.cpu_count()} CPUs")
    for scenario in sorted(scenarios.values(), key=lambda item: (item.concurrency, item.name)):
        print(report(scenario, server))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0, help="time per scenario and level")
    parser.add_argument("--rounds", type=int, default=3, help="alternating floor/gateway rounds")
    parser.add_argument("--stock", action="store_true", help="also measure litellm's stock stream path")
    parser.add_argument("--port", type=int, default=8097)
    arguments = parser.parse_args()
    fake = start_server(arguments.port)
    try:
        asyncio.run(main(arguments.seconds, arguments.rounds, arguments.stock, arguments.port, fake.pid))
    finally:
        fake.terminate()
        fake.wait()
