"""A burst of learners pressing Send at the same moment, measured where the learner sits.

The deployment shape on this machine: the product's web processes (daphne, ``WEB_CONCURRENCY``
of them on one port, as ``scripts/run.sh`` starts them) on PostgreSQL (database
``wr_bench_burst``) and Redis (database 10), and the fake OpenAI-compatible model: 0.2 s to the
first token, then 40 tokens at 30 a second (1.5 s of model time). N learners each have an open
conversation (the partner's opening line stored); every client is connected and waits at a
barrier, then all send one line at once. Before the measured bursts, one warm-up burst per path
(other learners, not counted; ``--cold`` leaves it out) grows the processes' pools of database
and model connections as serving would. Paths, each with its own N learners:

- ``floor``: the stack's own ceiling, no product code: a minimal aiohttp server that stores the
  line with one insert (psycopg's async pool) and relays the model's stream over a WebSocket;
- ``ws``: the chat socket (``/ws/chat/<id>``, JWT on the handshake, JSON events);
- ``sse``: ``POST /api/v1/chat/message`` with ``Accept: text/event-stream``, on a connection the
  learner's app opened before the barrier by reading the conversation
  (``GET /api/v1/chat/session/<id>``), as a socket is open and the upstream's learners started
  their chat;
- ``json``: the same endpoint answering the whole reply as JSON;
- ``upstream`` (``--upstream COMMAND``): the app this product replaces, started by the benchmark
  with ``COMMAND`` (``{model}`` and ``{port}`` in it are replaced by the fake model's URL and a
  free port), so it runs against the same fake model: each learner takes a CSRF token and starts a chat
  (``GET /api/csrf-token``, ``POST /api/start_chat``) before the barrier, then sends
  ``POST URL/api/chat`` with ``{"message": ...}`` (its whole reply as JSON).

For each line: send → first token and send → reply stored (the ``message.done`` event or the
JSON answer), as the client sees them, and the model's own share of each (its first chunk and
its last chunk, from the model server's log of when the request arrived and each chunk left;
one monotonic clock for every process on the machine). "Added" = what the learner waited minus
the model's own time. Lines lost (no reply or no stored row) or duplicated (stored twice) are
counted from the clients and from PostgreSQL; server CPU seconds per reply and peak memory come
from /proc for every web process.

``--one-at-a-time LINES``: what one line costs, with nothing else running. One web process (and
the floor's), the model answering at once with one token, LINES lines sent one after another (each
waits for the previous reply to be stored) over each path; per path, the serving process's CPU per
line (from /proc) and PostgreSQL's (its backends on the benchmark's database), wall time per line
and send → first token (p50). The burst's waits follow this CPU, so it shows a change of a few
percent that the burst's spread from run to run hides; a change is kept only if the burst, which is
what the learner waits for, does not lose by it.

Run: ``.venv/bin/python bench/burst.py`` (N = 100 then 300, every path; about 2 minutes), or
``--clients 100 --paths ws json --runs 2``, or ``--one-at-a-time 400`` (about 20 seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.chat_ws import free_port, percentile, proc_stats, wait_for_port  # noqa: E402

DB_NAME = "wr_bench_burst"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "workplace_roleplay.settings.base",
    "DJANGO_DEBUG": "False",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": "redis://127.0.0.1:6379/10",
    "LOG_LEVEL": "WARNING",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    # Every learner sends one line: the limits a person never reaches stay, but a burst from the
    # benchmark's single machine must not be counted as one person.
    "RATE_LIMIT_DEFAULT": "100000/m",
}
TOKENS, PACE, FIRST = 40, 1 / 30, 0.2
PATHS = ("floor", "ws", "sse", "json")
WARM_LINES = 200  # one line at a time: lines sent first, not counted
OPENING = "お疲れさま！"


@dataclass
class Line:
    text: str
    sent: float = 0.0
    first_token: float | None = None
    done: float | None = None
    new_events: int = 0
    stored_at: float | None = None  # the line's message.new event arrived
    done_events: int = 0
    error: str = ""


class Gate:
    """Every client arrives (connected, history read), then all are let through at once."""

    def __init__(self, clients: int) -> None:
        self.clients, self.arrived = clients, 0
        self.all_in, self.open = asyncio.Event(), asyncio.Event()

    async def wait(self) -> None:
        self.arrived += 1
        if self.arrived == self.clients:
            self.all_in.set()
        await self.open.wait()


@dataclass
class Learner:
    index: int
    conversation_id: str
    token: str
    line: Line = field(default_factory=lambda: Line(""))


# --- the floor: no product code --------------------------------------------------------------------
FLOOR_TABLE = "bench_floor_line"


async def serve_floor(port: int, model_url: str, database_url: str = DATABASE_URL) -> None:
    """A minimal async server: one insert per line, then the model's stream relayed chunk by chunk."""
    from aiohttp import web
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(database_url, min_size=4, max_size=10, open=False)
    await pool.open()
    async with pool.connection() as connection:
        await connection.execute(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id bigserial primary key, conversation text, body text)"
        )
    client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "history"})
        async for message in ws:
            text = json.loads(message.data)["text"]
            async with pool.connection() as connection:
                await connection.execute(
                    f"INSERT INTO {FLOOR_TABLE} (conversation, body) VALUES (%s, %s)",  # noqa: S608
                    (request.match_info["cid"], text),
                )
            await ws.send_json({"type": "message.new"})
            body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": text}]}
            async with client.post(model_url, json=body) as response:
                buffer = b""
                async for data in response.content.iter_any():
                    buffer += data
                    *events, buffer = buffer.split(b"\n\n")
                    for event in events:
                        payload = event[6:]
                        if payload == b"[DONE]":
                            continue
                        choices = json.loads(payload).get("choices") or [{}]
                        if delta := choices[0].get("delta", {}).get("content"):
                            await ws.send_json({"type": "token", "text": delta})
            await ws.send_json({"type": "message.done"})
        return ws

    app = web.Application()
    app.router.add_get("/ws/{cid}", socket)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("listening", flush=True)
    await asyncio.Event().wait()


# --- set-up ----------------------------------------------------------------------------------------
def prepare_database() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)
    subprocess.run(["redis-cli", "-n", "10", "flushdb"], check=True, capture_output=True)


def create_learners(n: int) -> list[Learner]:
    """N learners, each with a conversation opened by the partner and an access token."""
    os.environ.update(ENV)
    import django

    django.setup()
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from conversations.models import Conversation, Message

    tag = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        [User(username=f"burst{tag}-{i}", email=f"burst{tag}-{i}@example.com") for i in range(n)]
    )
    conversations = Conversation.objects.bulk_create(
        [
            Conversation(
                user=user, title="bench", metadata={"partner": "同僚", "situation": "休憩中", "language": "ja"}
            )
            for user in users
        ]
    )
    Message.objects.bulk_create([Message(conversation=c, role="assistant", content=OPENING) for c in conversations])
    return [
        Learner(i, str(c.id), str(AccessToken.for_user(u)))
        for i, (c, u) in enumerate(zip(conversations, users, strict=True))
    ]


# --- the clients -----------------------------------------------------------------------------------
async def ws_learner(learner: Learner, session: aiohttp.ClientSession, url: str, ready: Gate, prefix: str) -> None:
    line = learner.line
    async with session.ws_connect(url, headers={"Authorization": f"Bearer {learner.token}"}, heartbeat=None) as ws:
        await ws.receive_json(timeout=60)  # the stored history
        await ready.wait()
        line.sent = time.monotonic()
        await ws.send_json({"type": f"{prefix}message", "text": line.text, "client_id": line.text})
        while True:
            event = await ws.receive_json(timeout=120)
            kind = event["type"].removeprefix(prefix)
            if kind == "message.new":
                line.new_events += 1
                line.stored_at = line.stored_at or time.monotonic()
            elif kind == "token" and line.first_token is None:
                line.first_token = time.monotonic()
            elif kind == "error":
                line.error = event.get("code", "error")
                return
            elif kind == "message.done":
                line.done_events += 1
                line.done = time.monotonic()
                return


async def http_learner(learner: Learner, session: aiohttp.ClientSession, base: str, ready: Gate, stream: bool) -> None:
    line = learner.line
    headers = {"Authorization": f"Bearer {learner.token}"}
    if stream:
        headers["Accept"] = "text/event-stream"
    body = {"conversation_id": learner.conversation_id, "text": line.text, "client_id": line.text}
    # The app opens the conversation before its learner writes (as a socket is open, and as the
    # upstream's learners start their chat): the line goes on a connection already made.
    opening = session.get(
        f"{base}/api/v1/chat/session/{learner.conversation_id}", headers={"Authorization": headers["Authorization"]}
    )
    async with opening as opened:
        opened.raise_for_status()
        await opened.read()
    await ready.wait()
    line.sent = time.monotonic()
    async with session.post(f"{base}/api/v1/chat/message", json=body, headers=headers) as response:
        if response.status >= 400:
            line.error = f"http {response.status}"
            return
        if not stream:
            answer = await response.json()
            line.done = time.monotonic()
            line.first_token = line.done  # a whole reply: its first word shows with the rest
            line.new_events = 1
            line.done_events = 1 if answer.get("reply") else 0
            return
        buffer = b""
        async for data in response.content.iter_any():
            buffer += data
            *frames, buffer = buffer.split(b"\n\n")
            for frame in frames:
                name = next((row[7:] for row in frame.split(b"\n") if row.startswith(b"event: ")), b"")
                if name == b"chat.message.new":
                    line.new_events += 1
                    line.stored_at = line.stored_at or time.monotonic()
                elif name == b"chat.token" and line.first_token is None:
                    line.first_token = time.monotonic()
                elif name == b"chat.message.done":
                    line.done_events += 1
                    line.done = time.monotonic()
                elif name == b"chat.error":
                    line.error = "error"


async def upstream_learner(learner: Learner, session: aiohttp.ClientSession, base: str, ready: Gate) -> None:
    """The replaced app's own client steps: a CSRF token, the chat started (the partner's opening
    line from the same fake model), then at the barrier the line, answered as one JSON reply."""
    line = learner.line
    async with session.get(f"{base}/api/csrf-token") as response:
        headers = {"X-CSRF-Token": (await response.json())["csrf_token"]}
    start = {"partner_type": "colleague", "situation": "break", "topic": "general"}
    async with session.post(f"{base}/api/start_chat", json=start, headers=headers) as response:
        await response.read()
        if response.status >= 400:
            line.error = f"start http {response.status}"
    await ready.wait()
    line.sent = time.monotonic()
    async with session.post(f"{base}/api/chat", json={"message": line.text}, headers=headers) as response:
        if response.status >= 400:
            line.error = f"http {response.status}"
            return
        answer = await response.json()
    line.done = line.first_token = time.monotonic()
    line.new_events = 1
    line.done_events = 1 if answer.get("response") else 0


async def drive(path: str, learners: list[Learner], base: str, at_barrier: Callable[[], None]) -> float:
    """Connect every client, wait until all are ready, then send every line at once
    (``at_barrier`` runs once every client is connected, just before the lines go)."""
    ready = Gate(len(learners))
    ws_base = base.replace("http://", "ws://")
    jars = path == "upstream"  # the upstream keeps each learner's conversation in a cookie session
    sessions = [
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.CookieJar(unsafe=True))
        for _ in (learners if jars else [None])
    ]
    try:
        tasks = []
        for i, learner in enumerate(learners):
            session = sessions[i if jars else 0]
            if path == "floor":
                job = ws_learner(learner, session, f"{ws_base}/ws/{learner.conversation_id}", ready, "")
            elif path == "ws":
                job = ws_learner(learner, session, f"{ws_base}/ws/chat/{learner.conversation_id}", ready, "chat.")
            elif path == "upstream":
                job = upstream_learner(learner, session, base, ready)
            else:
                job = http_learner(learner, session, base, ready, stream=path == "sse")
            tasks.append(asyncio.create_task(job))
        await asyncio.wait_for(ready.all_in.wait(), timeout=120)
        at_barrier()
        began = time.monotonic()
        ready.open.set()
        await asyncio.gather(*tasks)
        return time.monotonic() - began
    finally:
        for session in sessions:
            await session.close()


# --- running and reporting -------------------------------------------------------------------------
def model_timings(port: int) -> dict[str, dict[str, Any]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_timings") as response:  # noqa: S310  # 127.0.0.1
        return {row["tag"]: row for row in json.load(response)["timings"] if row["sent"]}


def stored(learners: list[Learner], path: str) -> tuple[int, int]:
    """(learner lines stored, complete replies stored after them) for these learners' conversations."""
    if path in ("upstream",):
        return len(learners), len(learners)
    from django.db import connection

    ids = [learner.conversation_id for learner in learners]
    with connection.cursor() as cursor:
        if path == "floor":
            cursor.execute(f"SELECT count(*) FROM {FLOOR_TABLE} WHERE conversation = ANY(%s)", [ids])  # noqa: S608
            lines = cursor.fetchone()[0]
            return lines, lines
        cursor.execute(
            "SELECT count(*) FILTER (WHERE role = 'user'), "
            "count(*) FILTER (WHERE role = 'assistant' AND status = 'complete' AND content <> %s) "
            "FROM conversations_message WHERE conversation_id = ANY(%s::uuid[])",
            [OPENING, ids],
        )
        users, replies = cursor.fetchone()
        return users, replies


def ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values) * 1000:7.1f} / {percentile(values, 0.99) * 1000:7.1f}"


def summarise(
    path: str, n: int, learners: list[Learner], timings: dict[str, Any], cpu: float, line_cpu: float, peak: int
) -> str:
    first, done, first_added, done_added, model_first, model_all, to_model = [], [], [], [], [], [], []
    stored_line = [learner.line.stored_at - learner.line.sent for learner in learners if learner.line.stored_at]
    for learner in learners:
        line = learner.line
        row = timings.get(line.text[:64])
        if line.first_token is not None:
            first.append(line.first_token - line.sent)
        if line.done is not None:
            done.append(line.done - line.sent)
        if row is None:
            continue
        own_first, own_all = row["sent"][0] - row["received"], row["sent"][-1] - row["received"]
        to_model.append(row["received"] - line.sent)
        model_first.append(own_first)
        model_all.append(own_all)
        if line.first_token is not None:
            first_added.append(line.first_token - line.sent - (own_all if path in ("json", "upstream") else own_first))
        if line.done is not None:
            done_added.append(line.done - line.sent - own_all)
    users, replies = stored(learners, path)
    received = sum(1 for learner in learners if learner.line.done_events == 1 and learner.line.new_events == 1)
    lost = max(n - received, n - min(users, n), n - min(replies, n))
    duplicated = max(0, users - n) + sum(max(0, learner.line.new_events - 1) for learner in learners)
    errors = sum(1 for learner in learners if learner.line.error)
    cpu_text = f"{cpu / n * 1000:5.1f} ms ({line_cpu / n * 1000:4.1f} ms after connecting)" if cpu else "  n/a"
    return (
        f"{path:8} N={n:3}  first token {ms(first)} (added {ms(first_added)})  reply stored {ms(done)} "
        f"(added {ms(done_added)})  send → line stored {ms(stored_line)}  send → model asked {ms(to_model)}  model first/all {ms(model_first)} | "
        f"{ms(model_all)}  lost {lost} "
        f"dup {duplicated} errors {errors}  server CPU/reply {cpu_text}  peak {peak / 2**20:4.0f} MB"
    )


def start_model(port: int, *, tokens: int, pace: float, first: float) -> subprocess.Popen[bytes]:
    """The fake model: ``first`` seconds to the first token, then ``tokens`` tokens ``pace`` apart."""
    command = ["--port", str(port), "--tokens", str(tokens), "--delay", str(pace), "--first-delay", str(first - pace)]
    return subprocess.Popen(
        [sys.executable, "-m", "testing.fake_llm", *command], cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL
    )


def start_floor(
    port: int, model_port: int, *, env: dict[str, str] = ENV, database_url: str = DATABASE_URL
) -> subprocess.Popen[bytes]:
    """The floor's server (``serve_floor``) on ``port``, storing its lines in ``database_url``."""
    command = ["--serve-floor", str(port), "--model-port", str(model_port), "--floor-database", database_url]
    return subprocess.Popen([sys.executable, __file__, *command], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def start_web(port: int, model_port: int, processes: int) -> list[subprocess.Popen[bytes]]:
    """The product's web processes, as ``scripts/run.sh`` starts them (``scripts/web.py``)."""
    env = {**ENV, "OPENAI_API_BASE": f"http://127.0.0.1:{model_port}/v1", "WEB_CONCURRENCY": str(processes)}
    web = subprocess.Popen(
        [sys.executable, "scripts/web.py", "--bind", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return [web]


def web_pids(parent: int) -> list[int]:
    """The web process and the daphne processes it started."""
    children = Path(f"/proc/{parent}/task/{parent}/children")
    found = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    return [parent, *found]


def cpu_and_peak(pids: list[int]) -> tuple[float, int]:
    cpu, peak = 0.0, 0
    for pid in pids:
        try:
            used, high = proc_stats(pid)
        except FileNotFoundError:
            continue
        cpu, peak = cpu + used, max(peak, high)
    return cpu, peak


def run(levels: list[int], paths: list[str], runs: int, processes: int, upstream: str | None, warm: bool) -> None:
    prepare_database()
    model_port, web_port, floor_port = free_port(), free_port(), free_port()
    model = start_model(model_port, tokens=TOKENS, pace=PACE, first=FIRST)
    floor = start_floor(floor_port, model_port)
    webs = start_web(web_port, model_port, processes)
    others, upstream_url = [], None
    if upstream:
        upstream_port = free_port()
        command = upstream.format(model=f"http://127.0.0.1:{model_port}/v1", port=upstream_port)
        others.append(
            subprocess.Popen(
                shlex.split(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
        )  # noqa: S603
        upstream_url = f"http://127.0.0.1:{upstream_port}"
    try:
        for port in (model_port, web_port, floor_port):
            wait_for_port(port)
        if upstream_url:
            wait_for_port(int(upstream_url.rsplit(":", 1)[1]), seconds=60)
        time.sleep(2)  # every web process listening
        print(
            f"{TOKENS} tokens at {1 / PACE:.0f}/s after {FIRST * 1000:.0f} ms; {processes} web process(es); "
            f"{os.cpu_count()} CPUs; p50 / p99 in ms"
        )
        if warm:  # processes that have been serving: pools of database and model connections grown
            for path in paths:
                if path != "upstream":
                    warm_up = create_learners(max(levels))
                    for learner in warm_up:
                        learner.line = Line(f"warm-{path}-{learner.index} こんにちは")
                    base = f"http://127.0.0.1:{floor_port if path == 'floor' else web_port}"
                    asyncio.run(drive(path, warm_up, base, lambda: None))
            time.sleep(1)
        for n in levels:
            for attempt in range(runs):
                for path in paths:
                    learners = create_learners(n)
                    for learner in learners:
                        learner.line = Line(f"burst-{path}-{n}-{attempt}-{learner.index} 最近どうですか？")
                    pids = [floor.pid] if path == "floor" else web_pids(webs[0].pid)
                    base = upstream_url if path == "upstream" and upstream_url else f"http://127.0.0.1:{web_port}"
                    if path == "floor":
                        base = f"http://127.0.0.1:{floor_port}"
                    cpu_before, _ = cpu_and_peak(pids)
                    at_barrier: list[float] = []

                    def mark(pids: list[int] = pids, at_barrier: list[float] = at_barrier) -> None:
                        at_barrier.append(cpu_and_peak(pids)[0])

                    asyncio.run(drive(path, learners, base, mark))
                    cpu_after, peak = cpu_and_peak(pids)
                    cpu = 0.0 if path == "upstream" else cpu_after - cpu_before
                    line_cpu = 0.0 if path == "upstream" else cpu_after - at_barrier[0]
                    timings = model_timings(model_port)
                    print(summarise(path, n, learners, timings, cpu, line_cpu, peak), flush=True)
                    time.sleep(1)
    finally:
        for process in (*webs, *others, floor, model):
            try:
                os.killpg(process.pid, signal.SIGTERM) if process in (*webs, *others) else process.terminate()
            except ProcessLookupError:
                pass
        for process in (*webs, *others, floor, model):
            process.wait(15)


# --- one line at a time ----------------------------------------------------------------------------
def database_cpu(database: str = DB_NAME) -> dict[int, float]:
    """CPU seconds so far of every PostgreSQL backend connected to ``database``, by process id
    (``/proc/<pid>/schedstat``, nanoseconds: a backend's share of a line is a fraction of a tick)."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
            if title.startswith(b"postgres: ") and f" {database} ".encode() in title:
                found[int(entry.name)] = int((entry / "schedstat").read_text().split()[0]) / 1e9
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # gone, or not ours to read
    return found


def database_cpu_since(before: dict[int, float]) -> float:
    """CPU seconds PostgreSQL's backends on the benchmark's database used since ``before`` (a
    backend opened since then counts from its start)."""
    return sum(used - before.get(pid, 0.0) for pid, used in database_cpu().items())


# One line sent and answered: (send → first token, or None; whether the server answered an error).
SendOne = Callable[[int], Awaitable[tuple[float | None, bool]]]


@dataclass
class Sequential:
    path: str
    cpu: float = 0.0
    database_cpu: float = 0.0
    wall: float = 0.0
    errors: int = 0
    first: list[float] = field(default_factory=list)

    async def run(self, lines: int, measure: Callable[[], float], send: SendOne) -> Sequential:
        """``WARM_LINES`` lines first, not counted (as a serving process has served), then ``lines``
        lines one after another, the server's CPU (``measure``) and the wall clock read around them."""
        for number in range(-WARM_LINES, lines):
            if number == 0:
                self.cpu, self.wall, database_before = -measure(), -time.monotonic(), database_cpu()
            first, failed = await send(number)
            self.errors += failed
            if number >= 0 and first is not None:
                self.first.append(first)
        self.cpu += measure()
        self.wall += time.monotonic()
        self.database_cpu = database_cpu_since(database_before)
        return self

    def line(self, lines: int) -> str:
        first = statistics.median(self.first) * 1000 if self.first else float("nan")
        return (
            f"{self.path:8} one at a time, {lines} lines: server CPU per line {self.cpu / lines * 1000:5.2f} ms "
            f"(PostgreSQL {self.database_cpu / lines * 1000:4.2f} ms), "
            f"wall per line {self.wall / lines * 1000:5.2f} ms, send → first token p50 {first:5.2f} ms, "
            f"errors {self.errors}"
        )


async def ws_lines(
    path: str, learners: list[Learner], base: str, lines: int, measure: Callable[[], float]
) -> Sequential:
    """Every learner's socket open; then the lines, one after another, round the learners."""
    prefix = "chat." if path == "ws" else ""
    route = "/ws/chat/" if path == "ws" else "/ws/"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        sockets = []
        for learner in learners:
            url = f"{base.replace('http://', 'ws://')}{route}{learner.conversation_id}"
            sockets.append(await session.ws_connect(url, headers={"Authorization": f"Bearer {learner.token}"}))
            await sockets[-1].receive_json(timeout=60)  # the stored history

        async def send(number: int) -> tuple[float | None, bool]:
            ws = sockets[number % len(sockets)]
            sent, first = time.monotonic(), None
            await ws.send_json(
                {"type": f"{prefix}message", "text": f"一行ずつ {number}", "client_id": uuid.uuid4().hex}
            )
            while (kind := (await ws.receive_json(timeout=60))["type"]) != f"{prefix}message.done":
                if kind == f"{prefix}token" and first is None:
                    first = time.monotonic() - sent
                if kind == f"{prefix}error":
                    return first, True
            return first, False

        result = await Sequential(path).run(lines, measure, send)
        for ws in sockets:
            await ws.close()
        return result


async def http_lines(
    path: str, learners: list[Learner], base: str, lines: int, measure: Callable[[], float]
) -> Sequential:
    """The API lines, one after another, round the learners, on one open connection."""
    async with aiohttp.ClientSession() as session:

        async def send(number: int) -> tuple[float | None, bool]:
            learner = learners[number % len(learners)]
            headers = {"Authorization": f"Bearer {learner.token}"}
            if path == "sse":
                headers["Accept"] = "text/event-stream"
            body = {
                "conversation_id": learner.conversation_id,
                "text": f"一行ずつ {number}",
                "client_id": uuid.uuid4().hex,
            }
            sent, first = time.monotonic(), None
            async with session.post(f"{base}/api/v1/chat/message", json=body, headers=headers) as response:
                async for data in response.content.iter_any():
                    if first is None and path == "sse" and b"chat.token" in data:
                        first = time.monotonic() - sent
            if path == "json":
                first = time.monotonic() - sent  # the whole reply
            return first, response.status >= 400

        return await Sequential(path).run(lines, measure, send)


def one_at_a_time(paths: list[str], lines: int) -> None:
    prepare_database()
    model_port, web_port, floor_port = free_port(), free_port(), free_port()
    model = start_model(model_port, tokens=1, pace=0.0, first=0.0)
    floor = start_floor(floor_port, model_port)
    webs = start_web(web_port, model_port, 1)
    try:
        for port in (model_port, web_port, floor_port):
            wait_for_port(port)
        time.sleep(2)
        print(f"one web process; the model answers at once with one token; {os.cpu_count()} CPUs")
        for path in paths:
            if path == "upstream":
                continue
            learners = create_learners((lines + WARM_LINES) // 5)  # five lines each: short histories
            pids = [floor.pid] if path == "floor" else web_pids(webs[0].pid)
            base = f"http://127.0.0.1:{floor_port if path == 'floor' else web_port}"

            def measure(pids: list[int] = pids) -> float:
                return cpu_and_peak(pids)[0]

            lines_of = ws_lines if path in ("floor", "ws") else http_lines
            print(asyncio.run(lines_of(path, learners, base, lines, measure)).line(lines), flush=True)
    finally:
        for process in webs:
            os.killpg(process.pid, signal.SIGTERM)
        for process in (floor, model):
            process.terminate()
        for process in (*webs, floor, model):
            process.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="*", default=[100, 300])
    parser.add_argument("--paths", nargs="*", default=list(PATHS), choices=[*PATHS, "upstream"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="web processes")
    parser.add_argument("--cold", action="store_true", help="no warm-up burst before the measured ones")
    parser.add_argument(
        "--upstream", help="the command starting the replaced app, with {model} and {port} (adds the 'upstream' path)"
    )
    parser.add_argument("--one-at-a-time", type=int, metavar="LINES", help="what one line costs (see above)")
    parser.add_argument("--serve-floor", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--floor-database", default=DATABASE_URL, help=argparse.SUPPRESS)
    parser.add_argument("--model-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        model_url = f"http://127.0.0.1:{args.model_port}/v1/chat/completions"
        asyncio.run(serve_floor(args.serve_floor, model_url, args.floor_database))
        return
    paths = list(args.paths)
    if args.one_at_a_time:
        one_at_a_time(paths, args.one_at_a_time)
        return
    if args.upstream and "upstream" not in paths:
        paths.append("upstream")
    run(args.clients, paths, args.runs, args.processes, args.upstream, warm=not args.cold)


if __name__ == "__main__":
    main()
