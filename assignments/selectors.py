"""Reads: who an assignment is for, each learner's status, the trainer's table, the learner's list.

Status is computed with a fixed number of set-based queries per assignment and round, whatever
the number of learners: one grouped query over ``ScenarioPlay`` (per learner and scenario: counted
attempts, passes, best total, last activity; it runs on the index on (scenario, user,
feedback_at)), one for the learners with their latest total, one window query for when the N-th
attempt was made (only when more than one attempt is required), one for the sessions of the
path's watch themes (only when a step has one) and, for the team averages, one for the rubric
scores of the counted attempts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import Window
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.selectors import learners_trained_by
from analytics.models import Team
from analytics.selectors import teams_for_trainer
from assignments.models import Assignment, AssignmentState, AssignmentStep, Requirement
from assignments.rounds import Round, round_at, rounds_until
from assignments.status import STATUS_RANK, Progress, Status, StepResult, progress_of, step_done_at
from conversations.models import Conversation
from scenarios.models import Scenario, ScenarioPlay
from scenarios.rubric import rubric_result
from watch.selectors import Viewing, viewings

Key = tuple[Any, int]  # (user id, scenario id)
WatchKey = tuple[Any, str]  # (user id, watch theme)

# --- who ---------------------------------------------------------------------------------------


def assigned_learners(*, assignment: Assignment, viewer: User | None = None) -> QuerySet[User]:
    """Everyone the assignment is for (current members of its teams and its learners); with a
    ``viewer``, only those the viewer may see (a trainer: members of the teams they train).

    The ids are read first from the two link tables (index scans), so that the queries built on
    this one filter on a known list and PostgreSQL plans them by learner."""
    ids = set(Team.members.through.objects.filter(team__assignments=assignment.pk).values_list("user_id", flat=True))
    ids |= set(
        Assignment.learners.through.objects.filter(assignment_id=assignment.pk).values_list("user_id", flat=True)
    )
    learners = User.objects.filter(pk__in=ids)
    if viewer is not None and not viewer.is_superuser:
        learners = learners.filter(pk__in=learners_trained_by(viewer).values("pk"))
    return learners


def assignments_for_trainer(*, user: User) -> QuerySet[Assignment]:
    """Assignments ``user`` manages: every one for a superuser, those they made for a trainer."""
    if user.is_superuser:
        return Assignment.objects.all()
    if user.is_trainer:
        return Assignment.objects.filter(created_by=user)
    return Assignment.objects.none()


def assignment_get_for_trainer(*, user: User, assignment_id: Any) -> Assignment:
    try:
        return assignments_for_trainer(user=user).select_related("created_by").get(pk=int(assignment_id))
    except (Assignment.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such assignment.") from error


def scenario_ids(assignment: Assignment) -> list[int]:
    return [step.scenario_id for step in assignment.steps.all()]


def step_plan(assignment: Assignment) -> list[tuple[int, str]]:
    """Each step's (scenario id, watch theme or ""), in order."""
    return [(step.scenario_id, step.watch_theme) for step in assignment.steps.all()]


# --- results of one round -------------------------------------------------------------------------


def _counted(round_: Round, until: datetime | None) -> Q:
    counted = Q(feedback_at__gte=round_.starts_at)
    return counted & Q(feedback_at__lt=until) if until is not None else counted


def _round_plays(
    scenarios: list[int], learner_ids: list[Any], round_: Round, until: datetime | None
) -> QuerySet[ScenarioPlay]:
    # A play with feedback began before it: "feedback in the round, or no feedback yet and begun in
    # the round" is every play touched in the round, and each half can use the (scenario, user,
    # feedback_at) index.
    touched = _counted(round_, until) | Q(feedback_at__isnull=True, started_at__gte=round_.starts_at)
    plays = ScenarioPlay.objects.filter(touched, scenario_id__in=scenarios, user_id__in=learner_ids)
    return plays.filter(started_at__lt=until) if until is not None else plays


@dataclass
class RoundResults:
    """What the learners did in one round: per (learner, scenario) their plays, per (learner,
    watch theme) when they first watched it and last began to."""

    assignment: Assignment
    round: Round
    plan: list[tuple[int, str]]
    plays: dict[Key, StepResult]
    watches: dict[WatchKey, tuple[datetime | None, datetime | None]]

    def steps_of(self, user_id: Any) -> list[StepResult]:
        return [
            _with_watch(self.plays.get((user_id, scenario_id), StepResult()), user_id, theme, self.watches)
            for scenario_id, theme in self.plan
        ]

    def progress(self, user_id: Any, now: datetime) -> Progress:
        return progress_of(
            self.steps_of(user_id),
            requirement=self.assignment.requirement,
            required_attempts=self.assignment.required_attempts,
            due_at=self.round.due_at,
            now=now,
        )

    def users(self) -> set[Any]:
        """The learners who did anything in the round."""
        return {user_id for user_id, _scenario in self.plays} | {user_id for user_id, _theme in self.watches}


def _with_watch(
    result: StepResult, user_id: Any, theme: str, watches: dict[WatchKey, tuple[datetime | None, datetime | None]]
) -> StepResult:
    """``result`` with the step's watch theme and the learner's watching of it (unchanged without one)."""
    if not theme:
        return result
    watched_at, started_at = watches.get((user_id, theme), (None, None))
    return replace(result, watch_theme=theme, watched_at=watched_at, watch_started_at=started_at)


def watch_summary(found: list[Viewing], since: datetime) -> dict[WatchKey, tuple[datetime | None, datetime | None]]:
    """Per (learner, theme), of the sessions begun at or after ``since``: (first watched, last begun)."""
    summary: dict[WatchKey, tuple[datetime | None, datetime | None]] = {}
    for viewing in found:
        if viewing.started_at < since:
            continue
        watched, started = summary.get((viewing.user_id, viewing.theme), (None, None))
        if viewing.watched_at is not None and (watched is None or viewing.watched_at < watched):
            watched = viewing.watched_at
        started = viewing.started_at if started is None else max(started, viewing.started_at)
        summary[(viewing.user_id, viewing.theme)] = (watched, started)
    return summary


def step_results(
    *,
    assignment: Assignment,
    learners: QuerySet[User],
    round_: Round,
    until: datetime | None = None,
) -> RoundResults:
    """The round's counted attempts per (learner, scenario) and the watching of its watch themes."""
    plan = step_plan(assignment)
    learner_ids = list(learners.values_list("pk", flat=True))
    themes = {theme for _scenario, theme in plan if theme}
    found = viewings(user_ids=learner_ids, themes=themes, since=round_.starts_at, until=until) if themes else []
    plays = _play_results(assignment, [scenario for scenario, _theme in plan], learner_ids, round_, until)
    return RoundResults(assignment, round_, plan, plays, watch_summary(found, round_.starts_at))


def _play_results(
    assignment: Assignment, scenarios: list[int], learner_ids: list[Any], round_: Round, until: datetime | None
) -> dict[Key, StepResult]:
    """Per (learner, scenario): the round's counted attempts and when the requirement was met."""
    counted = _counted(round_, until)
    passed = counted & Q(passed=True)
    rows = (
        _round_plays(scenarios, learner_ids, round_, until)
        .values("user_id", "scenario_id")
        .annotate(
            attempts=Count("id", filter=counted),
            passes=Count("id", filter=passed),
            judged=Count("id", filter=counted & Q(passed__isnull=False)),
            best=Max("rubric_total", filter=counted),
            last_feedback_at=Max("feedback_at", filter=counted),
            last_started_at=Max("started_at"),
            first_feedback_at=Min("feedback_at", filter=counted),
            first_pass_at=Min("feedback_at", filter=passed),
        )
        .order_by()
    )
    results: dict[Key, StepResult] = {}
    for row in rows:
        first = row["first_pass_at"] if assignment.requirement == Requirement.PASS else row["first_feedback_at"]
        results[(row["user_id"], row["scenario_id"])] = StepResult(
            attempts=row["attempts"],
            passes=row["passes"],
            judged=row["judged"],
            best=row["best"],
            last_feedback_at=row["last_feedback_at"],
            last_started_at=row["last_started_at"] if row["last_started_at"] >= round_.starts_at else None,
            done_at=first,
        )
    if assignment.requirement == Requirement.ATTEMPTS and assignment.required_attempts > 1:
        _nth_attempt_times(results, scenarios, learner_ids, round_, until, assignment.required_attempts)
    return results


def _nth_attempt_times(
    results: dict[Key, StepResult],
    scenarios: list[int],
    learner_ids: list[Any],
    round_: Round,
    until: datetime | None,
    nth: int,
) -> None:
    ranked = (
        ScenarioPlay.objects.filter(_counted(round_, until), scenario_id__in=scenarios, user_id__in=learner_ids)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("user_id"), F("scenario_id")], order_by=F("feedback_at").asc())
        )
        .filter(rank=nth)
        .values_list("user_id", "scenario_id", "feedback_at")
    )
    done = {(user_id, scenario_id): moment for user_id, scenario_id, moment in ranked}
    for key, result in results.items():
        result.done_at = done.get(key)


# --- the trainer's table ------------------------------------------------------------------------------


@dataclass
class LearnerRow:
    user_id: Any
    username: str
    name: str
    teams: list[str]
    progress: Progress
    latest: int | None

    @property
    def status(self) -> str:
        return self.progress.status

    def as_dict(self) -> dict[str, Any]:
        p = self.progress
        return {
            "user_id": str(self.user_id),
            "username": self.username,
            "name": self.name,
            "teams": self.teams,
            "status": p.status,
            "status_label": str(Status(p.status).label),
            "attempts": p.attempts,
            "steps_done": p.steps_done,
            "best_total": p.best,
            "latest_total": self.latest,
            "passed": p.passed,
            "last_activity": p.last_activity.isoformat() if p.last_activity else None,
            "completed_at": p.completed_at.isoformat() if p.completed_at else None,
        }


SORTS = {
    "status": lambda row: (STATUS_RANK[Status(row.status)], row.name.lower()),
    "name": lambda row: (row.name.lower(),),
    "attempts": lambda row: (row.progress.attempts, row.name.lower()),
    "best": lambda row: (row.progress.best if row.progress.best is not None else -1, row.name.lower()),
    "latest": lambda row: (row.latest if row.latest is not None else -1, row.name.lower()),
    "activity": lambda row: (row.progress.last_activity or datetime.min.replace(tzinfo=UTC), row.name.lower()),
}


def _learner_values(learners: QuerySet[User], scenarios: list[int], round_: Round) -> list[dict[str, Any]]:
    latest = (
        ScenarioPlay.objects.filter(
            user_id=OuterRef("pk"), scenario_id__in=scenarios, feedback_at__gte=round_.starts_at
        )
        .order_by("-feedback_at")
        .values("rubric_total")[:1]
    )
    return list(
        learners.annotate(latest_total=Subquery(latest)).values("id", "username", "display_name", "latest_total")
    )


def _memberships(assignment: Assignment) -> tuple[dict[Any, list[str]], dict[int, str]]:
    teams = dict(assignment.teams.values_list("id", "name"))
    by_user: dict[Any, list[str]] = defaultdict(list)
    for team_id, user_id in Team.members.through.objects.filter(team_id__in=list(teams)).values_list(
        "team_id", "user_id"
    ):
        by_user[user_id].append(teams[team_id])
    return by_user, teams


def learner_rows(*, assignment: Assignment, viewer: User, now: datetime | None = None) -> list[LearnerRow]:
    """Every assigned learner the viewer may see, with their status in the current round."""
    now = now or timezone.now()
    round_ = round_at(assignment, now)
    learners = assigned_learners(assignment=assignment, viewer=viewer)
    results = step_results(assignment=assignment, learners=learners, round_=round_)
    team_names, _teams = _memberships(assignment)
    rows = []
    for learner in _learner_values(learners, [scenario for scenario, _theme in results.plan], round_):
        rows.append(
            LearnerRow(
                user_id=learner["id"],
                username=learner["username"],
                name=learner["display_name"] or learner["username"],
                teams=sorted(team_names.get(learner["id"], [])),
                progress=results.progress(learner["id"], now),
                latest=learner["latest_total"],
            )
        )
    return rows


def filter_rows(
    rows: list[LearnerRow], *, status: str = "", team: str = "", sort: str = "status", descending: bool = False
) -> list[LearnerRow]:
    """The table as asked: one status, one team, sorted (overdue first by default)."""
    if status:
        rows = [row for row in rows if row.status == status]
    if team:
        rows = [row for row in rows if team in row.teams]
    return sorted(rows, key=SORTS.get(sort, SORTS["status"]), reverse=descending)


def status_counts(rows: list[LearnerRow]) -> dict[str, int]:
    counts = dict.fromkeys(Status.values, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


# --- per criterion and per team ---------------------------------------------------------------------


def criteria_by_team(*, assignment: Assignment, viewer: User, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per step's scenario, in the path's order: its rubric criteria and, per team, each criterion's
    average over the round's counted attempts of its learners that the rubric judged.

    A criterion's score in an attempt is the judge's, as the attempt's total counts it
    (``scenarios.rubric.rubric_result``: a criterion scored without a quoted line, or not scored,
    counts 0). Each learner weighs the same: their own mean over their attempts, then the team's
    mean of those. A team's figures are shown only when at least ``TEAM_MIN_LEARNERS`` of its
    learners have a judged attempt of the scenario (``withheld`` otherwise); a scenario without a
    rubric has no criteria and nothing per team. Scores only: no evidence or comment leaves here.
    """
    round_ = round_at(assignment, now or timezone.now())
    steps = list(
        assignment.steps.select_related("scenario").prefetch_related("scenario__criteria").order_by("order", "pk")
    )
    learner_ids = list(assigned_learners(assignment=assignment, viewer=viewer).values_list("pk", flat=True))
    scenarios = {step.scenario_id: step.scenario for step in steps}
    means = _criterion_means(scenarios, learner_ids, round_)
    team_names, teams = _memberships(assignment)
    return [_scenario_criteria(step.scenario, means, team_names, sorted(teams.values())) for step in steps]


def _criterion_means(scenarios: dict[int, Scenario], learner_ids: list[Any], round_: Round) -> dict[Key, list[float]]:
    """Per (learner, scenario): the learner's mean score of each of the scenario's criteria, in
    the rubric's order, over their counted attempts with a rubric verdict (one query)."""
    judged = [pk for pk, scenario in scenarios.items() if scenario.criteria.all()]
    plays = ScenarioPlay.objects.filter(
        _counted(round_, None), rubric_total__isnull=False, scenario_id__in=judged, user_id__in=learner_ids
    ).values_list(
        "user_id",
        "scenario_id",
        KeyTransform("criterion_scores", "conversation__feedback__content"),
        KeyTextTransform("language", "conversation__metadata"),
    )
    sums: dict[Key, list[float]] = {}
    counts: dict[Key, int] = defaultdict(int)
    for user_id, scenario_id, scores, language in plays.order_by():
        result = rubric_result(
            scenarios[scenario_id], scores if isinstance(scores, list) else [], language=_play_language(language)
        )
        if result is None:
            continue
        key = (user_id, scenario_id)
        totals = sums.setdefault(key, [0.0] * len(result.criteria))
        for i, criterion in enumerate(result.criteria):
            totals[i] += criterion.score
        counts[key] += 1
    return {key: [total / counts[key] for total in totals] for key, totals in sums.items()}


def _play_language(language: str | None) -> str:
    """The language a play's criterion names were written in (as the judge was given them)."""
    return "en" if language == "en" else "ja"


def _scenario_criteria(
    scenario: Scenario, means: dict[Key, list[float]], team_names: dict[Any, list[str]], teams: list[str]
) -> dict[str, Any]:
    criteria = list(scenario.criteria.all())
    return {
        "scenario_id": scenario.pk,
        "title": scenario.display_title,
        "has_rubric": bool(criteria),
        "criteria": [{"id": c.pk, "name": c.display_name, "weight": c.weight} for c in criteria],
        "teams": [_team_criteria(name, scenario.pk, criteria, means, team_names) for name in teams] if criteria else [],
    }


def _team_criteria(
    name: str, scenario_id: int, criteria: list[Any], means: dict[Key, list[float]], team_names: dict[Any, list[str]]
) -> dict[str, Any]:
    members = [
        means[(u, scenario_id)] for u, names in team_names.items() if name in names and (u, scenario_id) in means
    ]
    withheld = len(members) < max(1, int(settings.TEAM_MIN_LEARNERS))
    averages = [
        {
            "criterion_id": criterion.pk,
            "name": criterion.display_name,
            "average": None if withheld else round(sum(m[i] for m in members) / len(members), 1),
        }
        for i, criterion in enumerate(criteria)
    ]
    return {"team": name, "learners": len(members), "withheld": withheld, "averages": averages}


def completion_over_time(
    *,
    assignment: Assignment,
    viewer: User,
    now: datetime | None = None,
    points: int = 8,
    rows: list[LearnerRow] | None = None,
) -> list[dict[str, Any]]:
    """Per team, the share of its assigned learners who had completed: for a recurring assignment
    at the end of each of the last rounds, otherwise at a few moments from the start until now.
    ``rows`` (the current round's ``learner_rows``) saves computing the current round again."""
    now = now or timezone.now()
    rows = rows if rows is not None else learner_rows(assignment=assignment, viewer=viewer, now=now)
    learners = assigned_learners(assignment=assignment, viewer=viewer)
    series: dict[str, list[dict[str, Any]]] = {name: [] for name in assignment.teams.values_list("name", flat=True)}
    for moment, completed in _completions(assignment, learners, rows, now, points):
        for name in series:
            members = [row.user_id for row in rows if name in row.teams]
            done = sum(1 for u in members if u in completed)
            rate = round(100 * done / len(members)) if members else None
            series[name].append({"at": moment.isoformat(), "completed": done, "learners": len(members), "rate": rate})
    return [{"team": name, "points": series[name]} for name in sorted(series)]


def _completions(
    assignment: Assignment, learners: QuerySet[User], rows: list[LearnerRow], now: datetime, points: int
) -> list[tuple[datetime, set[Any]]]:
    current = round_at(assignment, now)
    finished = {row.user_id: row.progress.completed_at for row in rows}
    if assignment.recurrence != "none":
        out = []
        for round_ in rounds_until(assignment, now, limit=points):
            end = min(now, round_.due_at)
            if round_.index == current.index:
                out.append((end, {u for u, at in finished.items() if at is not None and at <= end}))
                continue
            results = step_results(assignment=assignment, learners=learners, round_=round_, until=end)
            out.append((end, {u for u in results.users() if results.progress(u, end).status == Status.COMPLETED}))
        return out
    end = max(current.starts_at, min(now, current.due_at))
    moments = [current.starts_at + (end - current.starts_at) * (k + 1) / points for k in range(points)]
    return [(m, {u for u, at in finished.items() if at is not None and at <= m}) for m in moments]


# --- the learner's side ---------------------------------------------------------------------------------


@dataclass
class MyAssignment:
    assignment: Assignment
    round: Round
    progress: Progress
    steps: list[tuple[AssignmentStep, StepResult, bool]]  # step, its results, done

    def as_dict(self) -> dict[str, Any]:
        p = self.progress
        return {
            "id": self.assignment.pk,
            "title": self.assignment.title,
            "note": self.assignment.note,
            "assigned_by": self.assignment.created_by.name,
            "starts_at": self.round.starts_at.isoformat(),
            "due_at": self.round.due_at.isoformat(),
            "round": self.round.index,
            "recurrence": self.assignment.recurrence,
            "requirement": self.assignment.requirement,
            "required_attempts": self.assignment.required_attempts,
            "status": p.status,
            "status_label": str(Status(p.status).label),
            "attempts": p.attempts,
            "best_total": p.best,
            "passed": p.passed,
            "steps": [
                {
                    "scenario_id": step.scenario_id,
                    "title": step.scenario.display_title,
                    "watch_theme": step.watch_theme,
                    "watched": result.watched,
                    "attempts": result.attempts,
                    "best_total": result.best,
                    "done": done,
                }
                for step, result, done in self.steps
            ],
        }


def learner_assignments_qs(*, user: User, now: datetime | None = None) -> QuerySet[Assignment]:
    """Active, begun assignments given to ``user`` or to a team they are in."""
    now = now or timezone.now()
    mine = Q(pk__in=Assignment.learners.through.objects.filter(user_id=user.pk).values("assignment_id")) | Q(
        pk__in=Assignment.teams.through.objects.filter(team__members=user).values("assignment_id")
    )
    return (
        Assignment.objects.filter(mine, state=AssignmentState.ACTIVE, starts_at__lte=now)
        .select_related("created_by")
        .prefetch_related("steps__scenario")
    )


def my_assignments(*, user: User, now: datetime | None = None) -> list[MyAssignment]:
    """The learner's assignments with their status in the current round, newest due first
    (one query for the assignments, one for their steps, one for the learner's plays and, when a
    step has a watch theme, one for their sessions of those themes)."""
    now = now or timezone.now()
    assignments = list(learner_assignments_qs(user=user, now=now))
    if not assignments:
        return []
    rounds = {a.pk: round_at(a, now) for a in assignments}
    since = min(r.starts_at for r in rounds.values())
    plays: list[dict[str, Any]] = [
        dict(row)
        for row in ScenarioPlay.objects.filter(
            Q(started_at__gte=since) | Q(feedback_at__gte=since),
            user=user,
            scenario_id__in={s.scenario_id for a in assignments for s in a.steps.all()},
        ).values("scenario_id", "started_at", "feedback_at", "rubric_total", "passed")
    ]
    themes = {s.watch_theme for a in assignments for s in a.steps.all() if s.watch_theme}
    found = viewings(user_ids=[user.pk], themes=themes, since=since) if themes else []
    mine = [_mine(a, rounds[a.pk], plays, found, user.pk, now) for a in assignments]
    return sorted(mine, key=lambda m: (m.round.due_at, m.assignment.pk), reverse=True)


def _step_result(plays: list[dict[str, Any]], scenario_id: int, round_: Round, assignment: Assignment) -> StepResult:
    own = [p for p in plays if p["scenario_id"] == scenario_id]
    counted = sorted(
        (p for p in own if p["feedback_at"] is not None and p["feedback_at"] >= round_.starts_at),
        key=lambda p: p["feedback_at"],
    )
    passes = [p for p in counted if p["passed"]]
    started = [p["started_at"] for p in own if p["started_at"] >= round_.starts_at]
    nth = max(1, assignment.required_attempts)
    if assignment.requirement == Requirement.PASS:
        done_at = passes[0]["feedback_at"] if passes else None
    else:
        done_at = counted[nth - 1]["feedback_at"] if len(counted) >= nth else None
    totals = [p["rubric_total"] for p in counted if p["rubric_total"] is not None]
    return StepResult(
        attempts=len(counted),
        passes=len(passes),
        judged=sum(1 for p in counted if p["passed"] is not None),
        best=max(totals) if totals else None,
        last_feedback_at=counted[-1]["feedback_at"] if counted else None,
        last_started_at=max(started) if started else None,
        done_at=done_at,
    )


def _mine(
    assignment: Assignment,
    round_: Round,
    plays: list[dict[str, Any]],
    found: list[Viewing],
    user_id: Any,
    now: datetime,
) -> MyAssignment:
    steps = list(assignment.steps.all())
    watches = watch_summary(found, round_.starts_at)
    results = [
        _with_watch(_step_result(plays, step.scenario_id, round_, assignment), user_id, step.watch_theme, watches)
        for step in steps
    ]
    progress = progress_of(
        results,
        requirement=assignment.requirement,
        required_attempts=assignment.required_attempts,
        due_at=round_.due_at,
        now=now,
    )
    done = [
        step_done_at(result, assignment.requirement, assignment.required_attempts) is not None for result in results
    ]
    return MyAssignment(assignment, round_, progress, list(zip(steps, results, done, strict=True)))


def my_assignment_get(*, user: User, assignment_id: Any, now: datetime | None = None) -> MyAssignment:
    try:
        pk = int(assignment_id)
    except (ValueError, TypeError, OverflowError) as error:
        raise Http404("No such assignment.") from error
    for mine in my_assignments(user=user, now=now):
        if mine.assignment.pk == pk:
            return mine
    raise Http404("No such assignment.")


def trainer_teams(*, user: User) -> QuerySet[Team]:
    return teams_for_trainer(user=user)


# --- what a trainer may read of one learner -----------------------------------------------------------


def assigned_learner_get(*, assignment: Assignment, viewer: User, user_id: Any) -> User:
    """One learner of the assignment whom the viewer may see, or Http404."""
    try:
        return assigned_learners(assignment=assignment, viewer=viewer).get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError, DjangoValidationError) as error:
        raise Http404("No such learner.") from error


def learner_plays(*, assignment: Assignment, learner: User, now: datetime | None = None) -> list[dict[str, Any]]:
    """The learner's plays of the assignment's scenarios in the current round: results only, and
    whether the learner shared the conversation (only then may it be opened)."""
    round_ = round_at(assignment, now or timezone.now())
    plays = (
        ScenarioPlay.objects.filter(
            Q(started_at__gte=round_.starts_at) | Q(feedback_at__gte=round_.starts_at),
            user=learner,
            scenario_id__in=scenario_ids(assignment),
        )
        .select_related("scenario", "conversation")
        .order_by("-started_at")
    )
    return [
        {
            "scenario": play.scenario,
            "started_at": play.started_at,
            "feedback_at": play.feedback_at,
            "counted": play.feedback_at is not None and play.feedback_at >= round_.starts_at,
            "rubric_total": play.rubric_total,
            "passed": play.passed,
            "conversation_id": play.conversation_id if play.conversation.shared_with_trainer_at else None,
        }
        for play in plays
    ]


def shared_conversation_get(*, viewer: User, conversation_id: Any) -> Conversation:
    """A conversation its learner shared with their trainers, if the viewer trains them; else Http404."""
    if not viewer.is_trainer:
        raise Http404("No such conversation.")
    try:
        return (
            Conversation.objects.filter(
                shared_with_trainer_at__isnull=False, user__in=learners_trained_by(viewer).values("pk")
            )
            .select_related("user")
            .get(pk=conversation_id)
        )
    except (Conversation.DoesNotExist, ValueError, TypeError, DjangoValidationError) as error:
        raise Http404("No such conversation.") from error
