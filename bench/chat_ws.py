"""Chat over WebSockets under load: what the product adds between the model and the learner.

Runs the real deployment shape on this machine: the web tier (``scripts/web.py``: a daphne
process per core, ``--processes`` to change it) on
PostgreSQL (a dedicated ``wr_bench_chat`` database) and Redis (database 9), and the fake
OpenAI-compatible model server streaming 30 tokens per reply at 30 tokens/s. N learners each
hold one conversation socket (JWT on the handshake) and send a few lines, one after the other.

For every reply: added latency = when the learner's socket received the first token frame
- when the model server wrote its first chunk (both ``time.monotonic()``, one clock for all
processes on the machine). Messages lost or duplicated are counted from the events each client
received and from the rows stored in PostgreSQL. Server CPU (user+system seconds per wall
second, all web processes together) and peak memory (the largest process) come from /proc.

Run: ``.venv/bin/python bench/chat_ws.py`` (N = 50 then 200; about 2 minutes), or
``--clients 200 --messages 3``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "wr_bench_chat"
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "workplace_roleplay.settings.base",
    "DJANGO_DEBUG": "False",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "LOG_LEVEL": "WARNING",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
}
TOKENS, PACE = 30, 1 / 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def prepare_database() -> None:
    if "django.db" in sys.modules:  # a previous run's queries: back to the pool, which replaces what --force cuts
        from django.db import connections

        connections.close_all()
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)
    subprocess.run(["redis-cli", "-n", "9", "flushdb"], check=True, capture_output=True)


def create_learners(n: int) -> list[tuple[str, str]]:
    """(conversation id, access token) per learner, each conversation opened by the partner."""
    os.environ.update(ENV)
    import django

    django.setup()
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from conversations.models import Conversation, Message

    users = User.objects.bulk_create(
        [
            User(username=f"bench{i}-{uuid.uuid4().hex[:6]}", email=f"bench{i}-{uuid.uuid4().hex[:6]}@example.com")
            for i in range(n)
        ]
    )
    conversations = Conversation.objects.bulk_create(
        [Conversation(user=user, title="bench", metadata={"partner": "同僚", "situation": "休憩中"}) for user in users]
    )
    Message.objects.bulk_create(
        [Message(conversation=c, role="assistant", content="お疲れさま！") for c in conversations]
    )
    return [(str(c.id), str(AccessToken.for_user(u))) for c, u in zip(conversations, users, strict=True)]


class Learner:
    def __init__(self, index: int, conversation_id: str, token: str) -> None:
        self.index, self.conversation_id, self.token = index, conversation_id, token
        self.first_token: dict[str, float] = {}
        self.new_events: dict[str, int] = {}
        self.done_events: dict[str, int] = {}
        self.errors: list[str] = []

    async def run(self, session: aiohttp.ClientSession, port: int, messages: int, start: asyncio.Event) -> None:
        url = f"ws://127.0.0.1:{port}/ws/chat/{self.conversation_id}"
        async with session.ws_connect(url, headers={"Authorization": f"Bearer {self.token}"}, heartbeat=None) as ws:
            await ws.receive_json(timeout=30)  # the stored history
            await start.wait()
            await asyncio.sleep((self.index % 50) / 50)  # learners do not all type at the same instant
            for m in range(messages):
                await self.exchange(ws, f"bench-{self.index}-{m} 最近どうですか？")

    async def exchange(self, ws: Any, text: str) -> None:
        await ws.send_json({"type": "chat.message", "text": text, "client_id": text})
        while True:
            event = await ws.receive_json(timeout=60)
            kind = event["type"]
            if kind == "chat.message.new":
                self.new_events[text] = self.new_events.get(text, 0) + 1
            elif kind == "chat.token" and text not in self.first_token:
                self.first_token[text] = time.monotonic()
            elif kind == "chat.error":
                self.errors.append(event.get("code", "error"))
                return
            elif kind == "chat.message.done":
                self.done_events[text] = self.done_events.get(text, 0) + 1
                return


def proc_stats(pid: int) -> tuple[float, int]:
    """(user+system CPU seconds, peak resident memory in bytes) of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    status = Path(f"/proc/{pid}/status").read_text()
    peak = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmHWM"))
    return cpu, peak


def tier_stats(parent: int) -> tuple[float, int]:
    """CPU seconds of the web tier's processes together, and the largest one's peak memory."""
    children = Path(f"/proc/{parent}/task/{parent}/children")
    pids = [parent, *(int(pid) for pid in children.read_text().split())] if children.exists() else [parent]
    cpu, peak = 0.0, 0
    for pid in pids:
        used, high = proc_stats(pid)
        cpu, peak = cpu + used, max(peak, high)
    return cpu, peak


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


async def drive(learners: list[Learner], port: int, messages: int) -> float:
    start = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.create_task(learner.run(session, port, messages, start)) for learner in learners]
        await asyncio.sleep(2 + len(learners) / 100)  # every socket connected and idle
        began = time.monotonic()
        start.set()
        await asyncio.gather(*tasks)
    return time.monotonic() - began


def stored_counts() -> tuple[int, int, int]:
    from conversations.models import Message

    users = Message.objects.filter(role="user").count()
    distinct = Message.objects.filter(role="user").values("conversation_id", "client_id").distinct().count()
    complete = Message.objects.filter(role="assistant", status="complete").exclude(content="お疲れさま！").count()
    return users, distinct, complete


def run(n: int, messages: int, processes: int) -> dict[str, Any]:
    prepare_database()
    llm_port, web_port = free_port(), free_port()
    llm = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "testing.fake_llm",
            "--port",
            str(llm_port),
            "--tokens",
            str(TOKENS),
            "--delay",
            str(PACE),
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
    )
    server_env = {**ENV, "OPENAI_API_BASE": f"http://127.0.0.1:{llm_port}/v1"}
    server_env["WEB_CONCURRENCY"] = str(processes)
    web = subprocess.Popen(  # the web tier as scripts/run.sh starts it: a daphne process per core
        [sys.executable, "scripts/web.py", "--bind", "127.0.0.1", "--port", str(web_port)],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(llm_port)
        wait_for_port(web_port)
        learners = [Learner(i, cid, token) for i, (cid, token) in enumerate(create_learners(n))]
        time.sleep(1)  # every daphne process listening
        cpu_before, _ = tier_stats(web.pid)
        wall = asyncio.run(drive(learners, web_port, messages))
        cpu_after, peak = tier_stats(web.pid)
        with urllib.request.urlopen(f"http://127.0.0.1:{llm_port}/_timings") as response:  # noqa: S310
            sent = {row["tag"]: row["sent"][0] for row in json.load(response)["timings"] if row["sent"]}
    finally:
        web.terminate()
        llm.terminate()
        web.wait(10)
        llm.wait(10)
    added = [(lr.first_token[t] - sent[t[:64]]) * 1000 for lr in learners for t in lr.first_token if t[:64] in sent]
    expected = n * messages
    users, distinct, complete = stored_counts()
    received_once = sum(
        1 for lr in learners for t in lr.done_events if lr.done_events[t] == 1 and lr.new_events.get(t) == 1
    )
    return {
        "clients": n,
        "replies": expected,
        "added_p50_ms": round(statistics.median(added), 1) if added else None,
        "added_p99_ms": round(percentile(added, 0.99), 1),
        "lost": expected - received_once + (expected - complete if complete < expected else 0),
        "duplicated": (users - distinct) + sum(max(0, c - 1) for lr in learners for c in lr.new_events.values()),
        "errors": sum(len(lr.errors) for lr in learners),
        "web_processes": processes,
        "server_cpu_cores": round((cpu_after - cpu_before) / wall, 2),
        "server_peak_mb": round(peak / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="*", default=[50, 200])
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="web processes")
    args = parser.parse_args()
    for n in args.clients:
        print(json.dumps(run(n, args.messages, args.processes), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
