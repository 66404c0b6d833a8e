"""Assignments at scale on PostgreSQL: 200 teams, 10,000 learners, 500 assignments, 200,000 plays.

The script creates a dedicated database (``wr_assignments_bench`` by default; dropped at the end),
migrates it and bulk-creates 20 trainers (each training 10 teams of 50 learners), 20 published
scenarios with three rubric criteria each, 500 assignments (one to three scenarios, one to three of
the trainer's teams; the largest goes to 40 teams, i.e. 2,000 learners, and its first step has a
watch theme), 200,000 plays with feedback (the judge's criterion scores) and rubric totals, and a
finished watch session of that theme for about half of the learners, then runs ``ANALYZE`` and,
each in a fresh child process:

- the trainer's table page for the largest assignment (``/assignments/trainer/<id>/``: the table,
  the team averages per criterion and the completion over time), 50 requests through Django's test
  client after one warm-up; p50 and p99 of the wall time per request;
- the reminder job over everyone (``assignments.reminders.run_reminders``), every assignment begun
  two days before its due date so each not-completed learner is owed a reminder: wall time and peak
  resident memory (``ru_maxrss``), e-mails serialised to bytes as SMTP would and dropped.

Run: ``.venv/bin/python bench/assignments.py`` (``--scale 0.25`` for a quarter of everything,
``--keep`` to keep the database). Targets on the 2-core machine: table p99 at most 1 s; the reminder
job at most 60 s and 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.mail import SerializingBackend  # noqa: E402

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
CRITERIA = ("結論から伝えた", "事実と意見を分けた", "次の行動を示した")
WATCH_THEME = "report"


def _env(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="workplace_roleplay.settings.base",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        REDIS_URL="",
        DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING",
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1",
        RATE_LIMIT_PAGE="100000/h,100000/m",
    )
    return env


def _admin(sql: str, database: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL.rsplit("/", 1)[0] + f"/{database}", autocommit=True) as connection:
        connection.execute(sql)


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


# --- data ---------------------------------------------------------------------------------------------


def _people(scale: float) -> tuple[list[Any], list[Any], list[Any]]:
    from django.contrib.auth.models import Group

    from accounts.models import TRAINER_GROUP, User
    from analytics.models import Team

    group, _ = Group.objects.get_or_create(name=TRAINER_GROUP)
    trainers = [
        User(id=uuid.uuid4(), username=f"trainer{n}", email=f"trainer{n}@example.com", password="!", is_staff=True)
        for n in range(20)
    ]
    User.objects.bulk_create(trainers)
    group.user_set.add(*trainers)
    team_size = max(2, int(50 * scale))
    teams, learners = [], []
    for n in range(200):
        team = Team.objects.create(name=f"チーム{n}")
        team.trainers.add(trainers[n % 20])
        members = [
            User(
                id=uuid.uuid4(),
                username=f"learner{n}-{m}",
                email=f"learner{n}-{m}@example.com",
                password="!",
                display_name=f"学習者{n}-{m}",
                preferences={"language": "en" if m % 5 == 0 else "ja"},
            )
            for m in range(team_size)
        ]
        User.objects.bulk_create(members)
        team.members.add(*members)
        teams.append(team)
        learners.extend(members)
    return trainers, teams, learners


def _scenarios() -> list[Any]:
    from scenarios.models import RubricCriterion, Scenario

    scenarios = [
        Scenario.objects.create(
            slug=f"bench-{n}",
            title=f"練習シナリオ{n}",
            description="-",
            ai_role="上司",
            learner_role="担当者",
            situation="-",
            published=True,
        )
        for n in range(20)
    ]
    RubricCriterion.objects.bulk_create(
        RubricCriterion(scenario=scenario, name=name, weight=1, good="-", poor="-", order=i)
        for scenario in scenarios
        for i, name in enumerate(CRITERIA)
    )
    return scenarios


def _assignments(trainers: list[Any], teams: list[Any], scenarios: list[Any], rng: random.Random) -> list[Any]:
    from django.utils import timezone

    from assignments.models import Assignment, AssignmentStep

    now = timezone.now()
    made = []
    for n in range(500):
        trainer = trainers[n % 20]
        own = [team for i, team in enumerate(teams) if i % 20 == n % 20]
        targets = own if n == 0 else rng.sample(own, rng.randint(1, 3))
        if n == 0:  # the largest: 40 teams of four trainers, assigned by a superuser
            trainer.is_superuser = True
            trainer.save(update_fields=["is_superuser"])
            targets = [team for i, team in enumerate(teams) if i % 20 < 4]
        starts = now - timedelta(days=rng.randint(1, 20))
        assignment = Assignment.objects.create(
            title=f"課題{n}",
            created_by=trainer,
            starts_at=starts,
            due_at=starts + timedelta(days=rng.randint(3, 30)),
            required_attempts=rng.choice([1, 1, 2]),
        )
        picked = rng.sample(scenarios, rng.randint(1, 3))
        AssignmentStep.objects.bulk_create(
            AssignmentStep(assignment=assignment, order=i, scenario=s, watch_theme=WATCH_THEME if n == i == 0 else "")
            for i, s in enumerate(picked)
        )
        assignment.teams.set(targets)
        made.append(assignment)
    return made


def _plays(learners: list[Any], scenarios: list[Any], count: int, rng: random.Random) -> None:
    from django.utils import timezone

    from conversations.models import Conversation, Feedback
    from scenarios.models import ScenarioPlay

    now = timezone.now()
    for start in range(0, count, 10_000):
        conversations, plays, feedbacks = [], [], []
        for _ in range(min(10_000, count - start)):
            user, scenario = rng.choice(learners), rng.choice(scenarios[:10] if rng.random() < 0.7 else scenarios)
            at = now - timedelta(minutes=rng.randint(1, 30 * 24 * 60))
            conversation = Conversation(
                id=uuid.uuid4(), user_id=user.id, mode="scenario", title="-", ended_at=at, metadata={"language": "ja"}
            )
            total = rng.randint(20, 100)
            conversations.append(conversation)
            plays.append(
                ScenarioPlay(
                    user_id=user.id,
                    scenario_id=scenario.pk,
                    conversation_id=conversation.id,
                    feedback_at=at,
                    rubric_total=total,
                    passed=total >= 60,
                )
            )
            feedbacks.append(Feedback(conversation_id=conversation.id, content={"criterion_scores": _scores(rng)}))
        Conversation.objects.bulk_create(conversations, batch_size=5000)
        ScenarioPlay.objects.bulk_create(plays, batch_size=5000)
        Feedback.objects.bulk_create(feedbacks, batch_size=5000)
    # started_at is auto_now_add: put it back just before each play's feedback.
    ScenarioPlay.objects.update(started_at=models_f("feedback_at") - timedelta(minutes=10))


def _scores(rng: random.Random) -> list[dict[str, Any]]:
    """The judge's criterion scores as stored: a few without a quoted line (the rubric counts them 0)."""
    return [
        {
            "criterion": name,
            "score": rng.randint(30, 95),
            "evidence": ["結論から申し上げます"] if rng.random() < 0.9 else [],
            "comment": "-",
        }
        for name in CRITERIA
    ]


def _watch_sessions(learners: list[Any], rng: random.Random) -> None:
    """A finished session of the largest assignment's watch theme for about half of the learners."""
    from django.utils import timezone

    from watch.models import State, WatchSession

    now = timezone.now()
    WatchSession.objects.bulk_create(
        (
            WatchSession(user_id=user.id, theme=WATCH_THEME, title="-", state=State.FINISHED, ended_at=now)
            for user in learners
            if rng.random() < 0.5
        ),
        batch_size=5000,
    )


def models_f(name: str) -> Any:
    from django.db.models import F

    return F(name)


def populate(scale: float, plays: int) -> None:
    rng = random.Random(19)
    trainers, teams, learners = _people(scale)
    scenarios = _scenarios()
    _assignments(trainers, teams, scenarios, rng)
    _plays(learners, scenarios, plays, rng)
    _watch_sessions(learners, rng)


# --- the measured steps ---------------------------------------------------------------------------------


def run_table(requests: int) -> dict[str, Any]:
    from django.test import Client

    from assignments.models import Assignment

    largest = Assignment.objects.get(title="課題0")
    client = Client()
    client.force_login(largest.created_by)
    url = f"/assignments/trainer/{largest.pk}/"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    times.sort()
    learners = first.content.decode().count('<tr class="status-')
    return {
        "learners_in_table": learners,
        "requests": requests,
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 1),
        "max_ms": round(times[-1] * 1000, 1),
    }


def run_reminder_job() -> dict[str, Any]:
    from django.utils import timezone

    from assignments.models import Assignment, AssignmentReminder
    from assignments.reminders import run_reminders

    # Every assignment due in a day: each learner who has not completed it is owed "due soon".
    now = timezone.now()
    Assignment.objects.update(due_at=now + timedelta(days=1))
    AssignmentReminder.objects.all().delete()
    backend = SerializingBackend()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = run_reminders(now=now, connection=backend)  # type: ignore[arg-type]
    wall = time.perf_counter() - started
    again = time.perf_counter()
    second = run_reminders(now=now, connection=backend)  # type: ignore[arg-type]
    return {
        "wall_s": round(wall, 2),
        "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "maxrss_before_job_mb": round(baseline, 1),
        "result": result.as_dict(),
        "email_mb": round(backend.bytes / 2**20, 1),
        "second_run": {**second.as_dict(), "wall_s": round(time.perf_counter() - again, 2)},
    }


def _child(args: argparse.Namespace, env: dict[str, str], step: str) -> str:
    command = [sys.executable, __file__, "--database", args.database, "--scale", str(args.scale), "--step", step]
    command += ["--requests", str(args.requests)]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="share of learners and plays (1 = 10,000 / 200,000)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--database", default="wr_assignments_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--step", choices=["populate", "table", "reminders"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:  # one step, in its own process
        _django(_env(args.database))
        if args.step == "populate":
            populate(args.scale, int(200_000 * args.scale))
        elif args.step == "table":
            print(json.dumps(run_table(args.requests)))
        else:
            print(json.dumps(run_reminder_job()))
        return

    env = _env(args.database)
    _admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{args.database}"')
    try:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)
        started = time.perf_counter()
        _child(args, env, "populate")
        _admin("ANALYZE", args.database)
        print(f"data (scale {args.scale}) created in {time.perf_counter() - started:.0f} s", flush=True)
        table = json.loads(_child(args, env, "table").strip().splitlines()[-1])
        print(json.dumps({"trainer_table": table}, indent=2), flush=True)
        job = json.loads(_child(args, env, "reminders").strip().splitlines()[-1])
        print(json.dumps({"reminder_job": job}, indent=2), flush=True)
    finally:
        if not args.keep:
            _admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
