"""Watch mode fan-out: one session, N viewers on WebSockets against the real web tier.

The full deployment shape on this machine: the web tier (`scripts/web.py`, a daphne process per core,
each with the watch socket and its per-process relay),
a Celery worker running the session's runner, Redis (the session's event stream, control,
lease, viewer counts) and PostgreSQL (a dedicated bench database), with the fake
OpenAI-compatible model server streaming every turn. N viewer sockets (aiohttp, one process)
join through the share link with a JWT, receive the snapshot, then the owner's session is
resumed and runs to its turn limit.

Every event carries the time it was published by the runner (``ts``); each viewer records, per
event, ``receive time - ts`` (a frame that joins several chunks counts every chunk with the
oldest chunk's time: an upper bound). Each viewer also checks the sequence numbers: after its
snapshot it must receive every event exactly once, in order, up to the last one published.

Run: ``.venv/bin/python bench/watch_fanout.py`` (about a minute; ``--viewers``, ``--turns``,
``--tokens``, ``--token-delay`` change the load). Loopback only; every process it starts is
stopped at the end, and the Redis keys it wrote are deleted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
sys.path.insert(0, str(ROOT))


@dataclass
class Viewer:
    since: int = -1
    expected: int = 0
    last_seq: int = 0
    latencies: list[float] = field(default_factory=list)
    frames: int = 0
    events: int = 0
    gaps: int = 0
    duplicates: int = 0
    done: bool = False
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def take(self, data: dict[str, Any], received: float) -> None:
        if data["type"] == "watch.snapshot":
            self.since = self.last_seq = data["seq"]
            self.expected = data["seq"] + 1
            return
        if "seq" not in data:
            return  # viewer counts: not in the log
        first, last = data["first_seq"], data["seq"]
        if first > self.expected:
            self.gaps += first - self.expected
        elif first < self.expected:
            self.duplicates += min(last, self.expected - 1) - first + 1
        self.expected = max(self.expected, last + 1)
        self.last_seq = max(self.last_seq, last)
        count = last - first + 1
        self.frames += 1
        self.events += count
        latency = (received - data["ts"]) * 1000
        self.latencies.extend([latency] * count)
        kind = f"{data['type']}:{data.get('kind', '')}:{last}"
        self.by_kind.setdefault(kind, []).append(latency)
        if data["type"] == "watch.commentary":
            self.done = True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and of the processes it started (the web tier's daphne processes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    children = Path(f"/proc/{pid}/task/{pid}/children")
    below = sum(_cpu_seconds(int(child)) for child in children.read_text().split()) if children.exists() else 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + below


def _environment(args: argparse.Namespace, llm_port: int, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "workplace_roleplay.settings.base",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "REDIS_URL": args.redis,
        "CACHE_KEY_PREFIX": prefix,
        "CHANNEL_PREFIX": prefix,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "OPENAI_API_BASE": f"http://127.0.0.1:{llm_port}/v1",
        "OPENAI_API_KEY": "",
        "GEMINI_API_KEY": "",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": f"/tmp/{prefix}-media",  # transcripts written at the end of each session
        "WATCH_MAX_TURNS": str(args.turns),
        "RATE_LIMIT_DEFAULT": "1000000/m",
        "PYTHONUNBUFFERED": "1",
    }


def _ensure_database(name: str, env: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


class Processes:
    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, command: list[str], env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
        handle = open(log, "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
        self.running.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.running):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _paused_session(owner: Any, turns_done: int = 0) -> Any:
    from watch.models import State, WatchMessage, WatchSession
    from watch.themes import persona_preset

    personas = [persona_preset("colleague").as_dict(), persona_preset("senior").as_dict()]  # type: ignore[union-attr]
    session = WatchSession.objects.create(
        user=owner, theme="smalltalk", title="bench", ai_personas=personas, state=State.PAUSED, pace="fast",
        metadata={"brief": {"situation": "休憩中", "instructions": ""}, "points": [], "run_seconds": 0.0},
    )  # fmt: skip
    WatchMessage.objects.bulk_create(
        [WatchMessage(session=session, persona=i % 2, content="…", seq=i + 1) for i in range(turns_done)]
    )
    return session


def _warm_up(owner: Any, turns: int, timeout: float = 60) -> None:
    """One turn and a commentary on the worker first: its model clients are set up before the run."""
    from watch import services
    from watch.models import WatchSession

    session = services.watch_resume(session=_paused_session(owner, turns_done=turns - 1))
    deadline = time.monotonic() + timeout
    while not WatchSession.objects.get(pk=session.pk).metadata.get("finalized") and time.monotonic() < deadline:
        time.sleep(0.2)


def _prepare(viewers: int, turns: int) -> tuple[Any, str, list[str]]:
    """The owner's paused session with its share link on, and a token per viewer."""
    import django

    django.setup()
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from watch import services

    stamp = time.monotonic_ns()
    owner = User.objects.create(username=f"bench-owner-{stamp}", email=f"owner{stamp}@bench.local")
    users = User.objects.bulk_create(
        [User(username=f"bench-{stamp}-{i}", email=f"v{i}-{stamp}@bench.local") for i in range(viewers)]
    )
    _warm_up(owner, turns)
    session = services.watch_share(session=_paused_session(owner), enabled=True)
    return session, session.share_token, [str(AccessToken.for_user(user)) for user in users]


async def _watch(client: Any, url: str, token: str, viewer: Viewer, ready: asyncio.Event, deadline: float) -> None:
    import aiohttp

    headers = {"Authorization": f"Bearer {token}"}
    async with client.ws_connect(url, headers=headers, max_msg_size=0) as ws:
        # One timer for the whole watch (not one per frame) and orjson: the viewers' own work on
        # each frame is the client's, and it shares the cores with the server being measured.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.1)):
                while not viewer.done:
                    message = await ws.receive()
                    if message.type != aiohttp.WSMsgType.TEXT:
                        break
                    viewer.take(orjson.loads(message.data), time.time())
                    if viewer.since >= 0:
                        ready.set()


async def _connect_all(
    client: Any, url: str, tokens: list[str], viewers: list[Viewer], deadline: float
) -> list[asyncio.Task[None]]:
    tasks, readies = [], []
    for index, (token, viewer) in enumerate(zip(tokens, viewers, strict=True)):
        ready = asyncio.Event()
        readies.append(ready)
        tasks.append(asyncio.create_task(_watch(client, url, token, viewer, ready, deadline)))
        if index % 50 == 49:
            await asyncio.sleep(0.5)  # viewers arrive at 100 a second
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(max(deadline - time.monotonic(), 0.1)):
            await asyncio.gather(*(ready.wait() for ready in readies))
    return tasks


def _report(viewers: list[Viewer], last_seq: int, seconds: float, cpu: dict[str, float]) -> dict[str, Any]:
    latencies = sorted(value for viewer in viewers for value in viewer.latencies)
    dropped = sum(viewer.gaps + max(last_seq - viewer.last_seq, 0) for viewer in viewers)
    percentile = lambda q: latencies[min(int(q * len(latencies)), len(latencies) - 1)]  # noqa: E731
    return {
        "viewers": len(viewers),
        "connected": sum(v.since >= 0 for v in viewers),
        "events_published": last_seq,
        "events_delivered": sum(v.events for v in viewers),
        "frames_delivered": sum(v.frames for v in viewers),
        "frames_per_second": round(sum(v.frames for v in viewers) / seconds),
        "latency_ms_p50": round(percentile(0.50), 1),
        "latency_ms_p99": round(percentile(0.99), 1),
        "latency_ms_max": round(latencies[-1], 1),
        "latency_ms_mean": round(statistics.fmean(latencies), 1),
        "dropped": dropped,
        "duplicated": sum(v.duplicates for v in viewers),
        "run_seconds": round(seconds, 1),
        "cpu_seconds": {name: round(value, 1) for name, value in cpu.items()},
        "slowest_events": _slowest(viewers),
    }


def _slowest(viewers: list[Viewer]) -> list[tuple[str, float]]:
    merged: dict[str, list[float]] = {}
    for viewer in viewers:
        for kind, values in viewer.by_kind.items():
            merged.setdefault(kind, []).extend(values)
    worst = sorted(((kind, max(values)) for kind, values in merged.items()), key=lambda item: -item[1])
    return [(kind, round(value, 1)) for kind, value in worst[:8]]


async def _run(args: argparse.Namespace, session: Any, share: str, tokens: list[str], pids: dict[str, int]) -> None:
    import aiohttp
    from channels.db import database_sync_to_async

    from watch import services
    from watch.bus import get_bus

    url = f"ws://127.0.0.1:{args.port}/ws/watch/{session.id}?share={share}"
    viewers = [Viewer() for _ in tokens]
    deadline = time.monotonic() + args.timeout
    client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    tasks = await _connect_all(client, url, tokens, viewers, deadline)
    print(f"{sum(v.since >= 0 for v in viewers)}/{len(viewers)} viewers connected; resuming the session", flush=True)
    await asyncio.sleep(2)  # let the join announcements settle
    gc.collect()
    gc.freeze()  # the load generator's own collector pauses must not count as delivery latency
    pids = {**pids, "viewers (this process)": os.getpid()}
    cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    started = time.monotonic()
    lag = asyncio.create_task(_loop_lag())
    await database_sync_to_async(services.watch_resume)(session=session)
    await asyncio.gather(*tasks, return_exceptions=True)
    seconds = time.monotonic() - started
    lag.cancel()
    print("viewer loop lag ms (max, p99):", round(max(LAGS), 1), round(sorted(LAGS)[int(len(LAGS) * 0.99)], 1))
    cpu = {name: _cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    last_seq = await get_bus().last_seq(str(session.id))
    await client.close()
    print(json.dumps(_report(viewers, last_seq, seconds, cpu), indent=2), flush=True)


LAGS: list[float] = [0.0]


async def _loop_lag() -> None:
    """How late this process's event loop wakes up (time the viewers' frames wait here)."""
    while True:
        started = time.monotonic()
        await asyncio.sleep(0.01)
        LAGS.append((time.monotonic() - started - 0.01) * 1000)


def _clean_redis(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="web processes")
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--tokens", type=int, default=40, help="tokens per turn")
    parser.add_argument("--token-delay", type=float, default=0.025, help="seconds between tokens")
    parser.add_argument("--database", default="wr_watch_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--timeout", type=float, default=100.0)
    args = parser.parse_args()
    args.port, llm_port = _free_port(), _free_port()
    prefix = f"wrbench{os.getpid()}"
    env = _environment(args, llm_port, prefix)
    os.environ.update(env)
    _ensure_database(args.database, env)
    processes = Processes()
    try:
        llm = [PYTHON, "-m", "testing.fake_llm", "--port", str(llm_port)]
        processes.start(
            [*llm, "--tokens", str(args.tokens), "--delay", str(args.token_delay)], env, "/tmp/bench-llm.log"
        )
        daphne = processes.start(  # the web tier as scripts/run.sh starts it: a daphne process per core
            [PYTHON, "scripts/web.py", "--bind", "127.0.0.1", "--port", str(args.port)],
            {**env, "WEB_CONCURRENCY": str(args.processes)},
            "/tmp/bench-daphne.log",
        )
        worker_command = [PYTHON, "-m", "celery", "-A", "workplace_roleplay", "worker", "--pool=solo", "-c", "1"]
        worker = processes.start([*worker_command, "--loglevel=WARNING"], env, "/tmp/bench-worker.log")
        _wait_port(llm_port)
        _wait_port(args.port)
        session, share, tokens = _prepare(args.viewers, args.turns)
        pids = {"daphne": daphne.pid, "celery_worker": worker.pid}
        asyncio.run(_run(args, session, share, tokens, pids))
    finally:
        processes.stop()
        _clean_redis(args.redis, prefix)
        shutil.rmtree(env["MEDIA_ROOT"], ignore_errors=True)


if __name__ == "__main__":
    main()
