"""The monthly report job for 10,000 users with 20 practice sessions each, on PostgreSQL.

The script creates a dedicated database (``wr_bench`` by default; dropped at the end), migrates it,
bulk-creates the users, conversations, analyses and ten published scenarios, runs ``ANALYZE``, then runs
``analytics.reports.run_reports(kind="monthly")`` in a fresh child process and measures:

- wall time of the job (``time.perf_counter``) and the child's peak resident memory
  (``resource.getrusage(RUSAGE_SELF).ru_maxrss``: the Django process, its data and the job);
- then, with the reports removed again, a second run under ``tracemalloc`` for the Python heap peak
  (tracemalloc slows the run down, so its time is not the figure to quote).

E-mails go through one connection of a backend that serialises every message to bytes as SMTP
would (``message.message().as_bytes()``) and drops it; reports are written with the file-system
storage into a temporary directory.

Run: ``.venv/bin/python bench/reports.py`` (``--users``, ``--sessions``, ``--keep`` to keep the database).
Targets on the 2-core machine: at most 60 s and 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.mail import SerializingBackend  # noqa: E402

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = date(2026, 7, 1)  # the job reports on June 2026 and compares with May


def _env(database: str, media: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="workplace_roleplay.settings.base",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        REDIS_URL="",
        DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING",
        MEDIA_ROOT=media,
    )
    return env


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql)


def _admin_on(database: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL.rsplit("/", 1)[0] + f"/{database}", autocommit=True) as connection:
        connection.execute(sql)


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


# --- data -------------------------------------------------------------------------------------------


def _moment(rng: random.Random, month: int) -> datetime:
    day = rng.randint(1, 30 if month == 6 else 31)
    return datetime.combine(date(2026, month, day), dtime(rng.randint(7, 22), rng.randint(0, 59)), tzinfo=TOKYO)


def _scores(rng: random.Random, axes: tuple[str, ...]) -> dict[str, Any]:
    return {axis: {"score": rng.randint(30, 95), "evidence": ["承知しました。"]} for axis in axes}


def populate(users: int, sessions: int) -> None:
    from accounts.models import User
    from analytics.models import StrengthAnalysis
    from conversations.feedback import AXIS_NAMES
    from conversations.models import Conversation
    from scenarios.models import Category, Scenario

    rng = random.Random(7)
    categories = list(Category.values)
    scenario_ids = [
        Scenario.objects.create(
            slug=f"bench-{n}",
            title=f"練習シナリオ{n}",
            description="-",
            ai_role="上司",
            learner_role="担当者",
            situation="-",
            category=categories[n % len(categories)],
            published=True,
            tags=["報告"] if n % 2 else ["傾聴"],
        ).pk
        for n in range(10)
    ]
    for start in range(0, users, 1000):
        batch = [
            User(
                id=uuid.uuid4(),
                username=f"bench{n}",
                email=f"bench{n}@example.com",
                password="!",
                display_name=f"学習者{n}",
                preferences={"language": "en" if n % 5 == 0 else "ja"},
            )
            for n in range(start, min(users, start + 1000))
        ]
        User.objects.bulk_create(batch)
        conversations, analyses = [], []
        for user in batch:
            for index in range(sessions):
                started = _moment(rng, 6 if index % 2 == 0 else 5)
                conversation = Conversation(
                    id=uuid.uuid4(),
                    user_id=user.id,
                    mode="chat",
                    title="同僚・休憩中",
                    ended_at=started + timedelta(minutes=15),
                )
                conversations.append(conversation)
                status = rng.choices(["done", "failed", "pending"], weights=[90, 5, 5])[0]
                analyses.append(
                    StrengthAnalysis(
                        user_id=user.id,
                        conversation_id=conversation.id,
                        mode="chat",
                        session_title="同僚・休憩中",
                        session_started_at=started,
                        session_ended_at=started + timedelta(minutes=15),
                        duration_seconds=rng.randint(300, 1800),
                        scenario_id=rng.choice(scenario_ids) if rng.random() < 0.3 else None,
                        scores=_scores(rng, AXIS_NAMES) if status == "done" else {},
                        status=status,
                        top_strengths=[{"axis": "empathy", "reason": "-", "quote": "承知しました。"}]
                        if status == "done"
                        else [],
                        feedback="-" if status == "done" else "",
                        attempts=1,
                        analyzed_at=started + timedelta(minutes=16) if status == "done" else None,
                    )
                )
        Conversation.objects.bulk_create(conversations, batch_size=5000)
        StrengthAnalysis.objects.bulk_create(analyses, batch_size=5000)


# --- the measured job --------------------------------------------------------------------------------


def run_job(trace: bool) -> dict[str, Any]:
    from analytics.models import Report
    from analytics.reports import run_reports

    Report.objects.all().delete()
    backend = SerializingBackend()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Django set up, before the job
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = run_reports(kind="monthly", today=TODAY, connection=backend)  # type: ignore[arg-type]
    wall = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    return {
        "wall_s": round(wall, 2),
        "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "maxrss_before_job_mb": round(baseline, 1),
        "tracemalloc_peak_mb": round(heap_peak / 2**20, 1) if heap_peak else None,
        "result": result.as_dict(),
        "email_mb": round(backend.bytes / 2**20, 1),
        "reports_in_db": Report.objects.count(),
    }


def _child(args: argparse.Namespace, env: dict[str, str], *flags: str) -> str:
    command = [
        sys.executable,
        __file__,
        "--database",
        args.database,
        "--media",
        env["MEDIA_ROOT"],
        "--users",
        str(args.users),
        "--sessions",
        str(args.sessions),
        *flags,
    ]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--database", default="wr_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--step", choices=["populate", "job", "traced-job"], help=argparse.SUPPRESS)
    parser.add_argument("--media", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:  # one step, in its own process
        _django(_env(args.database, args.media))
        if args.step == "populate":
            populate(args.users, args.sessions)
        else:
            print(json.dumps(run_job(trace=args.step == "traced-job")))
        return

    media = tempfile.mkdtemp(prefix="wr-bench-media-")
    env = _env(args.database, media)
    _admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{args.database}"')
    try:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)
        started = time.perf_counter()
        _child(args, env, "--step", "populate")
        _admin_on(args.database, "ANALYZE")  # planner statistics, as autovacuum keeps them in production
        print(f"data: {args.users} users x {args.sessions} sessions created in {time.perf_counter() - started:.0f} s")
        timed = json.loads(_child(args, env, "--step", "job").strip().splitlines()[-1])
        traced = json.loads(_child(args, env, "--step", "traced-job").strip().splitlines()[-1])
        print(json.dumps({"job": timed, "job_under_tracemalloc": traced}, indent=2))
    finally:
        if not args.keep:
            _admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
