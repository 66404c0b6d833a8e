"""The whole product under load, with faults: 200 learners for 5 minutes.

Starts the full deployment shape on this machine — daphne (``workplace_roleplay.asgi``), a
Celery worker, PostgreSQL (a dedicated ``wr_bench_load`` database) and Redis — and the fake
OpenAI-compatible model server streaming 30 tokens/s (structured requests answered with
schema-valid JSON). Each simulated learner repeats a realistic session, with think time:

    log in (once per visit) -> [list scenarios -> start a chat -> open its socket -> send 5 lines
    (each waits for the streamed reply) -> end with feedback -> open their progress -> read] ...

Learners arrive over the first minute and keep practising until the end.

Beside them, in the same run, ``--floor-users`` learners (20; 0 leaves them out) hold the same
chat with the stack's floor (``bench/burst.py``'s minimal aiohttp server: one insert per line, the
model's stream relayed chunk by chunk, no product code) on the same model and cores: 5 lines with
typing time, then reading, again and again. Their send → first token and send → whole reply are
reported as ``floor``, the ceiling beside the learners' own.

Reported: throughput, p50/p95/p99 per step, the error rate (429s counted apart; in fault runs,
failures the learner is shown clearly — a failed reply with Retry, a 503 with a message — are
counted apart too), messages lost (every line acknowledged on the socket and every reply
delivered must be stored exactly once, as delivered), server CPU and peak memory.

    .venv/bin/python bench/load.py                         # the plain run
    .venv/bin/python bench/load.py --redis-restart-at 120  # Redis restarted mid-run
    .venv/bin/python bench/load.py --llm-fail-rate 0.2     # the model server fails 20% of requests

``--users`` and ``--seconds`` make shorter runs. Loopback only; every loop is bounded in time.
The Redis restart restarts the machine's Redis on 127.0.0.1:6379 (nothing kept on disk).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from burst import start_floor  # noqa: E402
from chat_ws import ROOT, free_port, proc_stats, wait_for_port  # noqa: E402

DB_NAME = "wr_bench_load"
PASSWORD = "bench-learner-passphrase"
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "workplace_roleplay.settings.base",
    "DJANGO_DEBUG": "False",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": "redis://127.0.0.1:6379/10",
    "LOG_LEVEL": "WARNING",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "CELERY_TASK_ALWAYS_EAGER": "False",
    "TRUSTED_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
}
RAMP_UP_SECONDS = 60
STEPS = ("login", "scenarios", "chat_start", "socket_open", "message", "first_token", "feedback", "progress")


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    ok: int = 0
    limited: int = 0  # HTTP 429 or a rate_limited socket event
    shown: int = 0  # failures the learner sees clearly (failed reply with Retry, 503 with a message)
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    acknowledged: dict[str, str] = field(default_factory=dict)  # client_id -> conversation id
    replies: dict[str, tuple[str, str]] = field(default_factory=dict)  # message id -> (status, content)


class Learner:
    def __init__(self, index: int, username: str, base: str, stats: Stats, deadline: float) -> None:
        self.username, self.base, self.stats, self.deadline = username, base, stats, deadline
        self.token = ""
        # Each learner comes from an address of their own, as set by the trusted reverse proxy.
        self.address = f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256 + 1}"

    async def timed(self, step: str, session: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> Any:
        headers = {"X-Forwarded-For": self.address}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        started = time.monotonic()
        try:
            async with session.request(method, self.base + path, headers=headers, **kw) as response:
                body = await response.json(content_type=None)
                status = response.status
        except (TimeoutError, aiohttp.ClientError, json.JSONDecodeError) as error:
            self.stats.errors[f"{step}:{type(error).__name__}"] += 1
            return None
        self.stats.latencies[step].append((time.monotonic() - started) * 1000)
        return self.judge(step, status, body)

    def judge(self, step: str, status: int, body: Any) -> Any:
        if status == 401:
            self.token = ""  # logged out: the learner logs in again
        if status < 400:
            self.stats.ok += 1
            return body
        if status == 429:
            self.stats.limited += 1
        elif status == 503 and isinstance(body, dict) and body.get("detail"):
            self.stats.shown += 1
        else:
            self.stats.errors[f"{step}:{status}"] += 1
        return None

    async def run(self, session: aiohttp.ClientSession) -> None:
        await asyncio.sleep(random.uniform(0, RAMP_UP_SECONDS))  # learners arrive over the first minute
        while time.monotonic() < self.deadline - 30:
            if not self.token and not await self.log_in(session):
                await asyncio.sleep(random.uniform(5, 10))  # trying again after a failed log-in
                continue
            await self.practice(session)
            await asyncio.sleep(random.uniform(10, 30))  # reading the feedback

    async def log_in(self, session: aiohttp.ClientSession) -> bool:
        """Once per visit, as the app does: its access token outlasts the run (15 minutes)."""
        login = await self.timed(
            "login", session, "POST", "/api/v1/auth/login", json={"username": self.username, "password": PASSWORD}
        )
        self.token = login["access"] if login else ""
        return bool(login)

    async def practice(self, session: aiohttp.ClientSession) -> None:
        await self.timed("scenarios", session, "GET", "/api/v1/scenarios")
        started = await self.timed(
            "chat_start", session, "POST", "/api/v1/chat/start", json={"partner": "先輩", "situation": "ランチ"}
        )
        if not started:
            return
        conversation_id = started["conversation"]["id"]
        await self.chat(session, conversation_id)
        await self.timed(
            "feedback", session, "POST", "/api/v1/chat/feedback", json={"conversation_id": conversation_id}
        )
        await self.timed("progress", session, "GET", "/api/v1/analytics/progress")

    async def chat(self, session: aiohttp.ClientSession, conversation_id: str) -> None:
        url = self.base.replace("http", "ws") + f"/ws/chat/{conversation_id}"
        opened = time.monotonic()
        try:
            async with session.ws_connect(url, headers={"Authorization": f"Bearer {self.token}"}, heartbeat=None) as ws:
                await ws.receive_json(timeout=30)
                self.stats.latencies["socket_open"].append((time.monotonic() - opened) * 1000)
                for n in range(5):
                    await asyncio.sleep(random.uniform(2, 5))  # typing
                    await self.line(ws, conversation_id, f"{uuid.uuid4()}", f"{n}回目: 最近の仕事の調子はどうですか？")
        except (TimeoutError, aiohttp.ClientError, TypeError, ValueError) as error:
            self.stats.errors[f"socket:{type(error).__name__}"] += 1

    async def line(self, ws: Any, conversation_id: str, client_id: str, text: str) -> None:
        sent = time.monotonic()
        await ws.send_json({"type": "chat.message", "text": text, "client_id": client_id})
        while True:
            event = await ws.receive_json(timeout=90)
            kind = event["type"]
            if kind == "chat.message.new":
                self.stats.acknowledged[client_id] = conversation_id
            elif kind == "chat.token" and "first" not in locals():
                first = True
                self.stats.latencies["first_token"].append((time.monotonic() - sent) * 1000)
            elif kind == "chat.error":
                if event.get("code") == "rate_limited":
                    self.stats.limited += 1
                else:
                    self.stats.errors[f"socket_event:{event.get('code')}"] += 1
                return
            elif kind == "chat.message.done":
                message = event["message"]
                self.stats.replies[message["id"]] = (message["status"], message["content"])
                self.stats.latencies["message"].append((time.monotonic() - sent) * 1000)
                if message["status"] == "complete":
                    self.stats.ok += 1
                elif message["status"] == "failed" and message.get("error"):
                    self.stats.shown += 1
                else:
                    self.stats.errors[f"reply:{message['status']}"] += 1
                return


class FloorLearner:
    """The same chat as a learner's (5 lines with typing time, then reading), with the floor server."""

    def __init__(self, base: str, stats: Stats, deadline: float) -> None:
        self.base, self.stats, self.deadline = base.replace("http", "ws"), stats, deadline

    async def run(self, session: aiohttp.ClientSession) -> None:
        await asyncio.sleep(random.uniform(0, RAMP_UP_SECONDS))
        while time.monotonic() < self.deadline - 30:
            try:
                async with session.ws_connect(f"{self.base}/ws/{uuid.uuid4()}", heartbeat=None) as ws:
                    await ws.receive_json(timeout=30)
                    for n in range(5):
                        await asyncio.sleep(random.uniform(2, 5))  # typing
                        await self.line(ws, f"{n}回目: 最近の仕事の調子はどうですか？")
            except (TimeoutError, aiohttp.ClientError, TypeError, ValueError) as error:
                self.stats.errors[f"socket:{type(error).__name__}"] += 1
            await asyncio.sleep(random.uniform(10, 30))

    async def line(self, ws: Any, text: str) -> None:
        sent, first = time.monotonic(), None
        await ws.send_json({"type": "message", "text": text})
        while True:
            kind = (await ws.receive_json(timeout=90))["type"]
            if kind == "token" and first is None:
                first = time.monotonic()
                self.stats.latencies["first_token"].append((first - sent) * 1000)
            elif kind == "message.done":
                self.stats.latencies["message"].append((time.monotonic() - sent) * 1000)
                self.stats.ok += 1
                return


def prepare() -> list[str]:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)
    subprocess.run([sys.executable, "manage.py", "demo_data"], cwd=ROOT, env=ENV, check=True, capture_output=True)
    subprocess.run(["redis-cli", "-n", "10", "flushdb"], check=True, capture_output=True)
    os.environ.update(ENV)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    hashed = make_password(PASSWORD)
    names = [f"load{i:04d}" for i in range(400)]
    User.objects.bulk_create([User(username=n, email=f"{n}@example.com", password=hashed) for n in names])
    return names


def restart_redis_later(at: float, log: list[str]) -> threading.Thread:
    def restart() -> None:
        time.sleep(at)
        log.append(f"redis stopped at {at:.0f}s")
        subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
        time.sleep(3)
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            capture_output=True,
        )
        log.append(f"redis started again at {at + 3:.0f}s")

    thread = threading.Thread(target=restart, daemon=True)
    thread.start()
    return thread


def stored_check(stats: Stats) -> tuple[int, int]:
    """(lost, duplicated): acknowledged lines and delivered replies compared with PostgreSQL."""
    from conversations.models import Message

    lines = dict(
        Message.objects.filter(client_id__in=list(stats.acknowledged)).values_list("client_id", "conversation_id")
    )
    counts = Message.objects.filter(client_id__in=list(stats.acknowledged)).values_list("client_id", flat=True)
    duplicated = len(counts) - len(set(counts))
    lost = sum(1 for cid, conv in stats.acknowledged.items() if str(lines.get(cid)) != conv)
    rows = {
        str(i): (s, c)
        for i, s, c in Message.objects.filter(id__in=list(stats.replies)).values_list("id", "status", "content")
    }
    lost += sum(1 for mid, delivered in stats.replies.items() if rows.get(mid) != delivered)
    return lost, duplicated


def analyses() -> dict[str, int]:
    """Strength analyses of the chats ended in the run, by status (done by the Celery worker)."""
    from django.db.models import Count

    from analytics.models import StrengthAnalysis

    return dict(StrengthAnalysis.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


def log_warnings(path: Path) -> dict[str, int]:
    """Warning and error lines a server process logged, counted by event."""
    counted: dict[str, int] = defaultdict(int)
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
            counted[f"{record.get('level')}: {str(record.get('event'))[:80]}"] += 1
        except (json.JSONDecodeError, AttributeError):
            counted[f"text: {line[:80]}"] += 1
    return dict(sorted(counted.items(), key=lambda item: -item[1])[:15])


def step_figures(stats: Stats) -> dict[str, dict[str, float]]:
    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))], 1)

    return {
        s: {"n": len(v), "p50_ms": round(statistics.median(v), 1), "p95_ms": pct(v, 0.95), "p99_ms": pct(v, 0.99)}
        for s in STEPS
        if (v := stats.latencies.get(s))
    }


def summary(
    stats: Stats, wall: float, cpu: dict[str, float], peak: dict[str, int], lost: int, duplicated: int
) -> dict[str, Any]:
    steps = step_figures(stats)
    total = stats.ok + stats.limited + stats.shown + sum(stats.errors.values())
    return {
        "throughput_per_s": round(total / wall, 1),
        "requests": total,
        "rate_limited_429": stats.limited,
        "clear_failures_shown": stats.shown,
        "errors": dict(stats.errors),
        "error_rate": round(sum(stats.errors.values()) / max(total, 1), 4),
        "messages_lost": lost,
        "messages_duplicated": duplicated,
        "server_cpu_cores": {k: round(v / wall, 2) for k, v in cpu.items()},
        "server_peak_mb": {k: round(v / 2**20) for k, v in peak.items()},
        "steps": steps,
    }


async def drive(
    names: list[str], base: str, seconds: float, floor_base: str, floor_users: int
) -> tuple[Stats, Stats, float]:
    stats, floor = Stats(), Stats()
    deadline = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as session:
        learners = [Learner(i, name, base, stats, deadline) for i, name in enumerate(names)]
        floor_learners = [FloorLearner(floor_base, floor, deadline) for _ in range(floor_users)]
        began = time.monotonic()
        tasks = [asyncio.create_task(learner.run(session)) for learner in learners]
        floor_tasks = [asyncio.create_task(learner.run(session)) for learner in floor_learners]
        _, pending = await asyncio.wait(tasks + floor_tasks, timeout=seconds + 180)
        for task in pending:  # a session still going three minutes after the end is reported, not awaited
            task.cancel()
        stats.errors["session_unfinished"] += len(pending - set(floor_tasks))
        floor.errors["session_unfinished"] += len(pending & set(floor_tasks))
    return stats, floor, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--redis-restart-at", type=float, default=0)
    parser.add_argument("--llm-fail-rate", type=float, default=0.0)
    parser.add_argument("--floor-users", type=int, default=20, help="learners chatting with the floor server")
    args = parser.parse_args()
    names = prepare()[: args.users]
    llm_port, web_port, floor_port = free_port(), free_port(), free_port()
    llm = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "testing.fake_llm",
            "--port",
            str(llm_port),
            "--tokens",
            "30",
            "--delay",
            str(1 / 30),
            "--structured",
            "--fail-rate",
            str(args.llm_fail_rate),
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
    )
    floor_server = start_floor(floor_port, llm_port, env=ENV, database_url=ENV["DATABASE_URL"])
    server_env = {**ENV, "OPENAI_API_BASE": f"http://127.0.0.1:{llm_port}/v1"}
    log_dir = Path(tempfile.mkdtemp(prefix="wr-load-"))
    logs = {name: (log_dir / f"{name}.log").open("w") for name in ("web", "worker")}
    web = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(web_port), "workplace_roleplay.asgi:application"],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=logs["web"],
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workplace_roleplay",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "4",
            "--loglevel",
            "ERROR",
        ],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=logs["worker"],
    )
    events: list[str] = []
    try:
        wait_for_port(llm_port)
        wait_for_port(web_port)
        wait_for_port(floor_port)
        time.sleep(3)
        before = {"web": proc_stats(web.pid)[0], "worker": proc_stats(worker.pid)[0]}
        if args.redis_restart_at:
            restart_redis_later(args.redis_restart_at, events)
        stats, floor, wall = asyncio.run(
            drive(
                names, f"http://127.0.0.1:{web_port}", args.seconds, f"http://127.0.0.1:{floor_port}", args.floor_users
            )
        )
        cpu = {"web": proc_stats(web.pid)[0] - before["web"], "worker": proc_stats(worker.pid)[0] - before["worker"]}
        peak = {"web": proc_stats(web.pid)[1], "worker": proc_stats(worker.pid)[1]}
    finally:
        for process in (web, worker, llm, floor_server):
            process.terminate()
        for process in (web, worker, llm, floor_server):
            process.wait(15)
        for log in logs.values():
            log.close()
    lost, duplicated = stored_check(stats)
    result = summary(stats, wall, cpu, peak, lost, duplicated)
    result["floor"] = {"users": args.floor_users, "steps": step_figures(floor), "errors": dict(floor.errors)}
    result["analyses"] = analyses()
    result["server_log_warnings"] = {name: log_warnings(log_dir / f"{name}.log") for name in logs}
    result["server_logs"] = str(log_dir)
    result.update({"users": len(names), "seconds": args.seconds, "llm_fail_rate": args.llm_fail_rate, "events": events})
    print(json.dumps(result, ensure_ascii=False, indent=1), flush=True)


if __name__ == "__main__":
    main()
