"""Reads for the progress pages, the API, reports and teams.

Everything is scoped: a learner's figures come from their own rows only; a trainer's team
figures are aggregates over the team's members (never a transcript or an individual's row).
Figures are aggregated in the database (one query for the counts, minutes and axis averages
of a window and the window before it, for one user, a list of users or all users at once).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDate, TruncWeek
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts.models import User
from analytics.models import AnalysisStatus, Report, StrengthAnalysis, Team
from analytics.periods import Window, local_date, local_midnight, local_tz, period_buckets, period_window, week_start
from analytics.sources import SessionSource, SessionSummary, all_sources, session_lookup
from analytics.suggestions import pick_suggestions, suggestions_by_axis, weakest_axis
from conversations.feedback import AXIS_NAMES, axis_label

Averages = dict[str, float | None]
ACTIVITY_WEEKS = 8
EVIDENCE_PER_STRENGTH = 2
TOP_STRENGTHS = 3
JOURNAL_PAGE_SIZE = 20
# A pending analysis untouched for this long may be asked for again (its worker was lost).
STALE_PENDING = timedelta(minutes=10)


def _language() -> str:
    return "en" if (translation.get_language() or "ja").startswith("en") else "ja"


def axes_meta() -> list[dict[str, str]]:
    language = _language()
    return [{"name": axis, "label": axis_label(axis, language)} for axis in AXIS_NAMES]


def _label(axis: str | None) -> str:
    return axis_label(axis, _language()) if axis else ""


def _score(axis: str) -> Cast:
    return Cast(KT(f"scores__{axis}__score"), FloatField())


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


# --- figures of a window ------------------------------------------------------------------------


@dataclass
class Figures:
    sessions: int = 0
    minutes: int = 0
    analysed: int = 0
    averages: Averages = field(default_factory=lambda: dict.fromkeys(AXIS_NAMES))
    previous: Averages = field(default_factory=lambda: dict.fromkeys(AXIS_NAMES))

    @property
    def deltas(self) -> Averages:
        return {
            axis: None
            if self.averages[axis] is None or self.previous[axis] is None
            else round(float(self.averages[axis]) - float(self.previous[axis]), 1)  # type: ignore[arg-type]
            for axis in AXIS_NAMES
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "minutes": self.minutes,
            "analysed": self.analysed,
            "averages": self.averages,
            "previous": self.previous,
            "deltas": self.deltas,
        }


def _window_q(window: Window) -> Q:
    return Q(session_started_at__gte=window.start, session_started_at__lt=window.end)


def _figure_aggregates(window: Window, previous: Window) -> dict[str, Any]:
    current, before, done = _window_q(window), _window_q(previous), Q(status=AnalysisStatus.DONE)
    aggregates: dict[str, Any] = {
        "sessions": Count("id", filter=current),
        "seconds": Sum("duration_seconds", filter=current),
        "analysed": Count("id", filter=current & done),
    }
    for axis in AXIS_NAMES:
        aggregates[f"now_{axis}"] = Avg(_score(axis), filter=current & done)
        aggregates[f"before_{axis}"] = Avg(_score(axis), filter=before & done)
    return aggregates


def _figures_from(row: dict[str, Any]) -> Figures:
    return Figures(
        sessions=row["sessions"] or 0,
        minutes=round((row["seconds"] or 0) / 60),
        analysed=row["analysed"] or 0,
        averages={axis: _rounded(row[f"now_{axis}"]) for axis in AXIS_NAMES},
        previous={axis: _rounded(row[f"before_{axis}"]) for axis in AXIS_NAMES},
    )


def _both_windows(window: Window, previous: Window) -> QuerySet[StrengthAnalysis]:
    """Rows of both windows as one range (the aggregates' filters pick each window's rows)."""
    covering = Window(min(window.start, previous.start), max(window.end, previous.end))
    return StrengthAnalysis.objects.filter(_window_q(covering))


def figures_by_user(
    *, window: Window, previous: Window | None = None, user_ids: list[Any] | None = None
) -> dict[Any, Figures]:
    """Figures of ``window`` (and averages of ``previous``, by default the window just before) per
    user, in one query. ``user_ids=None`` means every user; users without sessions are absent.
    """
    previous = previous or window.previous()
    queryset = _both_windows(window, previous)
    if user_ids is not None:
        queryset = queryset.filter(user_id__in=user_ids)
    rows = queryset.values("user_id").annotate(**_figure_aggregates(window, previous)).order_by()
    return {row["user_id"]: _figures_from(row) for row in rows}


def figures_for_group(*, window: Window, user_ids: list[Any], min_learners: int = 1) -> tuple[Figures, bool]:
    """The same figures over a group of users together (a team), and whether averages were withheld:
    the averages of a window in which fewer than ``min_learners`` users had an analysis are not given."""
    previous, done = window.previous(), Q(status=AnalysisStatus.DONE)
    row = (
        _both_windows(window, previous)
        .filter(user_id__in=user_ids)
        .aggregate(
            **_figure_aggregates(window, previous),
            now_learners=Count("user_id", distinct=True, filter=_window_q(window) & done),
            before_learners=Count("user_id", distinct=True, filter=_window_q(previous) & done),
        )
    )
    figures, withheld = _figures_from(row), False
    if row["now_learners"] and row["now_learners"] < min_learners:
        figures.averages, withheld = dict.fromkeys(AXIS_NAMES), True
    if row["before_learners"] and row["before_learners"] < min_learners:
        figures.previous, withheld = dict.fromkeys(AXIS_NAMES), True
    return figures, withheld


def figures_for_user(*, user_id: Any, window: Window) -> Figures:
    return figures_by_user(window=window, user_ids=[user_id]).get(user_id, Figures())


# --- a learner's progress -------------------------------------------------------------------------


def _bucket_point(window: Window, sessions: int, seconds: int, scores: dict[str, list[int]]) -> dict[str, Any]:
    return {
        "start": local_date(window.start).isoformat(),
        "end": local_date(window.end - timedelta(seconds=1)).isoformat(),
        "sessions": sessions,
        "minutes": round(seconds / 60),
        "scores": {axis: _rounded(sum(v) / len(v)) if (v := scores[axis]) else None for axis in AXIS_NAMES},
    }


def progress_series(*, user_id: Any, period: str, now: datetime | None = None) -> dict[str, Any]:
    """Sessions, minutes and axis averages per bucket of ``period`` (days, weeks or months)."""
    buckets = period_buckets(period, now)
    rows = StrengthAnalysis.objects.filter(
        user_id=user_id, session_started_at__gte=buckets[0].start, session_started_at__lt=buckets[-1].end
    ).values_list("session_started_at", "duration_seconds", "status", "scores")
    starts = [bucket.start for bucket in buckets]
    counts, seconds = [0] * len(buckets), [0] * len(buckets)
    scores: list[dict[str, list[int]]] = [{axis: [] for axis in AXIS_NAMES} for _ in buckets]
    for started, duration, status, values in rows:
        index = bisect_right(starts, started) - 1
        counts[index] += 1
        seconds[index] += duration
        if status == AnalysisStatus.DONE:
            for axis in AXIS_NAMES:
                scores[index][axis].append(int(values[axis]["score"]))
    points = [_bucket_point(b, counts[i], seconds[i], scores[i]) for i, b in enumerate(buckets)]
    return {"period": period, "axes": axes_meta(), "points": points}


def weekly_activity(
    *, user_ids: list[Any], weeks: int = ACTIVITY_WEEKS, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Sessions and minutes per week (Monday to Sunday), the last ``weeks`` weeks, oldest first."""
    first = week_start(local_date(now or timezone.now())) - timedelta(weeks=weeks - 1)
    rows = (
        StrengthAnalysis.objects.filter(user_id__in=user_ids, session_started_at__gte=local_midnight(first))
        .annotate(week=TruncWeek("session_started_at", tzinfo=local_tz()))
        .values("week")
        .annotate(sessions=Count("id"), seconds=Sum("duration_seconds"))
        .order_by()
    )
    found = {local_date(row["week"]): row for row in rows}
    result = []
    for index in range(weeks):
        day = first + timedelta(weeks=index)
        row = found.get(day, {"sessions": 0, "seconds": 0})
        result.append(
            {"week": day.isoformat(), "sessions": row["sessions"], "minutes": round((row["seconds"] or 0) / 60)}
        )
    return result


def practice_streak(*, user_id: Any, now: datetime | None = None) -> int:
    """Consecutive days with practice up to today (or up to yesterday when today has none yet)."""
    now = now or timezone.now()
    days = set(
        StrengthAnalysis.objects.filter(user_id=user_id, session_started_at__gte=now - timedelta(days=400))
        .annotate(day=TruncDate("session_started_at", tzinfo=local_tz()))
        .values_list("day", flat=True)
        .distinct()
    )
    day = local_date(now)
    if day not in days:
        day -= timedelta(days=1)
    streak = 0
    while day in days:
        streak, day = streak + 1, day - timedelta(days=1)
    return streak


def growth(figures: Figures) -> dict[str, Any] | None:
    """The axis that grew most since the window before (at least +1), e.g. 傾聴力 +12."""
    grown = [(delta, -AXIS_NAMES.index(axis), axis) for axis, delta in figures.deltas.items() if delta is not None]
    if not grown:
        return None
    delta, _, axis = max(grown)
    if round(delta) < 1:
        return None
    return {"axis": axis, "label": _label(axis), "delta": round(delta)}


def _quotes(row: Mapping[str, Any], axis: str) -> list[str]:
    picked = [item.get("quote", "") for item in row["top_strengths"] or [] if item.get("axis") == axis]
    return [quote for quote in [*picked, *row["scores"].get(axis, {}).get("evidence", [])] if quote]


def _evidence(rows: Sequence[Mapping[str, Any]], axis: str) -> list[dict[str, str]]:
    ranked = sorted(rows, key=lambda row: row["scores"].get(axis, {}).get("score", 0), reverse=True)
    evidence: list[dict[str, str]] = []
    for row in ranked:
        for quote in _quotes(row, axis):
            if len(evidence) < EVIDENCE_PER_STRENGTH and quote not in {item["text"] for item in evidence}:
                evidence.append(
                    {
                        "text": quote,
                        "title": row["session_title"],
                        "url": row["session_url"],
                        "date": local_date(row["session_started_at"]).isoformat(),
                    }
                )
    return evidence


def strengths_with_evidence(*, user_id: Any, averages: Averages, window: Window) -> list[dict[str, Any]]:
    """The learner's top axes in ``window`` with quotes of their own lines and links to the sessions."""
    scored = sorted(
        ((value, -AXIS_NAMES.index(axis), axis) for axis, value in averages.items() if value is not None), reverse=True
    )
    rows = list(
        StrengthAnalysis.objects.filter(_window_q(window), user_id=user_id, status=AnalysisStatus.DONE)
        .order_by("-session_started_at")
        .values("session_title", "session_url", "session_started_at", "scores", "top_strengths")[:50]
    )
    return [
        {"axis": axis, "label": _label(axis), "score": value, "evidence": _evidence(rows, axis)}
        for value, _, axis in scored[:TOP_STRENGTHS]
    ]


def _practised_scenarios(user_id: Any) -> set[int]:
    return set(
        StrengthAnalysis.objects.filter(user_id=user_id, scenario__isnull=False).values_list("scenario_id", flat=True)
    )


def _weakest(figures: Figures) -> str | None:
    return weakest_axis(figures.averages) or weakest_axis(figures.previous)


def _totals(user_id: Any) -> dict[str, int]:
    statuses = dict(
        StrengthAnalysis.objects.filter(user_id=user_id).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {"sessions": sum(statuses.values()), **{status: statuses.get(status, 0) for status in AnalysisStatus.values}}


def progress_overview(*, user_id: Any, period: str, now: datetime | None = None) -> dict[str, Any]:
    """Everything the "My progress" page shows (JSON-able; cached by the caller)."""
    window = period_window("month", now)
    figures = figures_for_user(user_id=user_id, window=window)
    weakest = _weakest(figures)
    return {
        "axes": axes_meta(),
        "figures": figures.as_dict(),
        "totals": _totals(user_id),
        "series": progress_series(user_id=user_id, period=period, now=now),
        "weekly": weekly_activity(user_ids=[user_id], now=now),
        "streak": practice_streak(user_id=user_id, now=now),
        "growth": growth(figures),
        "strengths": strengths_with_evidence(user_id=user_id, averages=figures.averages, window=window),
        "weakest": {"axis": weakest, "label": _label(weakest)} if weakest else None,
        "suggestions": pick_suggestions(suggestions_by_axis(), weakest, _practised_scenarios(user_id)),
    }


# --- API payloads ---------------------------------------------------------------------------------


def analysis_payload(analysis: StrengthAnalysis) -> dict[str, Any]:
    return {
        "id": analysis.pk,
        "source": analysis.source,
        "mode": analysis.mode,
        "session_title": analysis.session_title,
        "session_url": analysis.session_url,
        "session_started_at": analysis.session_started_at.isoformat(),
        "analyzed_at": analysis.analyzed_at.isoformat() if analysis.analyzed_at else None,
        "scores": analysis.scores,
        "top_strengths": [{**item, "label": _label(item.get("axis"))} for item in analysis.top_strengths],
        "feedback": analysis.feedback,
    }


def strengths_summary(*, user_id: Any, history_limit: int = 100) -> dict[str, Any]:
    """The latest analysis and each axis' score history (oldest first)."""
    done = StrengthAnalysis.objects.filter(user_id=user_id, status=AnalysisStatus.DONE)
    latest = done.order_by("-analyzed_at", "-id").first()
    rows = list(
        reversed(
            done.order_by("-session_started_at", "-id").values("id", "session_started_at", "scores")[:history_limit]
        )
    )
    history = {
        axis: [
            {"analysis_id": r["id"], "at": r["session_started_at"].isoformat(), "score": r["scores"][axis]["score"]}
            for r in rows
        ]
        for axis in AXIS_NAMES
    }
    return {"axes": axes_meta(), "latest": analysis_payload(latest) if latest else None, "history": history}


def top_axes(averages: Averages, count: int = 2) -> list[dict[str, Any]]:
    scored = sorted(
        ((value, -AXIS_NAMES.index(axis), axis) for axis, value in averages.items() if value is not None), reverse=True
    )
    return [{"axis": axis, "label": _label(axis), "score": value} for value, _, axis in scored[:count]]


def period_summary(
    figures: Figures, *, table: dict[str, list[dict[str, Any]]], practised: set[int] | None = None
) -> dict[str, Any]:
    """A report's figures: sessions, minutes, axis averages and deltas, top strengths, suggestions."""
    weakest = _weakest(figures)
    return {
        **figures.as_dict(),
        "top_strengths": top_axes(figures.averages),
        "weakest": {"axis": weakest, "label": _label(weakest)} if weakest else None,
        "suggested_scenarios": pick_suggestions(table, weakest, practised),
    }


def report_for_user(*, user_id: Any, period: str, now: datetime | None = None) -> dict[str, Any]:
    window = period_window(period, now)
    summary = period_summary(
        figures_for_user(user_id=user_id, window=window),
        table=suggestions_by_axis(),
        practised=_practised_scenarios(user_id),
    )
    return {
        "period": period,
        "start": local_date(window.start).isoformat(),
        "end": local_date(window.end - timedelta(seconds=1)).isoformat(),
        "axes": axes_meta(),
        **summary,
    }


# --- journal and reports --------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalEntry:
    session: SessionSummary
    status: str  # pending | done | failed | in_progress | not_analysed
    analysis: StrengthAnalysis | None

    @property
    def stuck(self) -> bool:
        """Pending for so long that its worker was lost: it may be asked for again."""
        return self.analysis is not None and self.status == AnalysisStatus.PENDING and is_stale(self.analysis)

    @property
    def can_retry(self) -> bool:
        return self.status in (AnalysisStatus.FAILED, "not_analysed") or self.stuck


def is_stale(analysis: StrengthAnalysis) -> bool:
    return analysis.updated_at < timezone.now() - STALE_PENDING


def _status(session: SessionSummary, analysis: StrengthAnalysis | None) -> str:
    if analysis is not None:
        return analysis.status
    return "in_progress" if session.ended_at is None else "not_analysed"


def journal_page(*, user: User, page: int) -> tuple[list[JournalEntry], bool]:
    """One page of the learner's sessions of every kind, newest first, with their analysis status."""
    sessions = sorted(
        (item for source in all_sources() for item in source.list_for_user(user)),
        key=lambda item: item.started_at,
        reverse=True,
    )
    start = (page - 1) * JOURNAL_PAGE_SIZE
    chosen = sessions[start : start + JOURNAL_PAGE_SIZE]
    analyses = _analyses_for(user, chosen)
    entries = [JournalEntry(s, _status(s, analyses.get((s.kind, s.id))), analyses.get((s.kind, s.id))) for s in chosen]
    return entries, len(sessions) > start + JOURNAL_PAGE_SIZE


def journal_entry(*, user: User, source: SessionSource, session_id: str) -> JournalEntry | None:
    """One of the learner's own sessions with its analysis status; ``None`` for anyone else's."""
    session = source.load(session_id)
    if session is None or session.user.pk != user.pk:
        return None
    summary = SessionSummary(
        kind=source.kind,
        id=session_id,
        title=session.title,
        mode=session.mode,
        started_at=session.started_at,
        ended_at=session.ended_at,
        url=session.url,
    )
    analysis = StrengthAnalysis.objects.filter(user=user, **session_lookup(source, session_id)).first()
    return JournalEntry(summary, _status(summary, analysis), analysis)


def _analyses_for(user: User, sessions: list[SessionSummary]) -> dict[tuple[str, str], StrengthAnalysis]:
    found: dict[tuple[str, str], StrengthAnalysis] = {}
    for source in all_sources():
        ids = [s.id for s in sessions if s.kind == source.kind]
        if ids:
            column = f"{source.field}_id"
            for analysis in StrengthAnalysis.objects.filter(user=user, source=source.kind, **{f"{column}__in": ids}):
                found[(source.kind, str(getattr(analysis, column)))] = analysis
    return found


def analysis_statuses(*, user: User, source_kind: str, field_name: str, ids: list[Any]) -> dict[str, str]:
    rows = StrengthAnalysis.objects.filter(user=user, source=source_kind, **{f"{field_name}_id__in": ids}).values_list(
        f"{field_name}_id", "status"
    )
    return {str(session_id): status for session_id, status in rows}


def reports_for_user(*, user: User) -> QuerySet[Report]:
    return Report.objects.filter(user=user).order_by("-period_start", "kind")


def report_get(*, user: User, report_id: Any) -> Report:
    try:
        return Report.objects.get(user=user, pk=int(report_id))
    except (Report.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such report.") from error


# --- teams: aggregates only -----------------------------------------------------------------------


def teams_for_trainer(*, user: User) -> QuerySet[Team]:
    """Teams whose figures ``user`` may see: every team for a superuser, their own for a trainer."""
    if user.is_superuser:
        return Team.objects.all()
    if getattr(user, "is_trainer", False):
        return Team.objects.filter(trainers=user)
    return Team.objects.none()


def team_learners_of(trainer: User) -> QuerySet[User]:
    """Members of the teams ``trainer`` trains (the learners whose records they may see)."""
    return User.objects.filter(analytics_teams__trainers=trainer).distinct()


def team_get_for_trainer(*, user: User, team_id: Any) -> Team:
    try:
        return teams_for_trainer(user=user).get(pk=int(team_id))
    except (Team.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such team.") from error


def _team_scenarios(member_ids: list[Any], window: Window) -> list[dict[str, Any]]:
    english = _language() == "en"
    rows = (
        StrengthAnalysis.objects.filter(_window_q(window), user_id__in=member_ids, scenario__isnull=False)
        .values("scenario_id", title=F("scenario__title"), title_en=F("scenario__title_en"))
        .annotate(sessions=Count("id"), learners=Count("user_id", distinct=True))
        .order_by("-sessions", "title")[:10]
    )
    return [
        {
            "id": r["scenario_id"],
            "title": (r["title_en"] if english and r["title_en"] else r["title"]),
            "sessions": r["sessions"],
            "learners": r["learners"],
        }
        for r in rows
    ]


def _team_too_small_notice(minimum: int) -> str:
    return ngettext(
        "This team has fewer than %(n)s learner: its figures are not shown, so that no one's own scores "
        "can be singled out.",
        "This team has fewer than %(n)s learners: its figures are not shown, so that no one's own scores "
        "can be singled out.",
        minimum,
    ) % {"n": minimum}


def _averages_withheld_notice(minimum: int) -> str:
    return ngettext(
        "Average strengths of a period are shown once at least %(n)s learner has had a session analysed "
        "in it, so that no one's own scores can be singled out.",
        "Average strengths of a period are shown once at least %(n)s learners have had a session analysed "
        "in it, so that no one's own scores can be singled out.",
        minimum,
    ) % {"n": minimum}


def team_overview(*, team: Team, now: datetime | None = None) -> dict[str, Any]:
    """A team's aggregates over the last 30 days (trend: against the 30 days before).

    A team of fewer than ``TEAM_MIN_LEARNERS`` members gets no figures at all (``withheld``);
    ``notice`` says, in the reader's language, why something is not shown."""
    member_ids = list(team.members.values_list("id", flat=True))
    minimum = max(1, int(settings.TEAM_MIN_LEARNERS))
    overview: dict[str, Any] = {
        "team": {"id": team.pk, "name": team.name},
        "axes": axes_meta(),
        "members": len(member_ids),
        "min_learners": minimum,
    }
    if len(member_ids) < minimum:
        empty: dict[str, Any] = {"active_learners": None, "figures": None, "weekly": [], "scenarios": []}
        return {**overview, "withheld": True, "notice": _team_too_small_notice(minimum), **empty}
    window = period_window("month", now)
    figures, averages_withheld = figures_for_group(window=window, user_ids=member_ids, min_learners=minimum)
    active = StrengthAnalysis.objects.filter(_window_q(window), user_id__in=member_ids).values("user_id").distinct()
    return {
        **overview,
        "withheld": False,
        "notice": _averages_withheld_notice(minimum) if averages_withheld else "",
        "active_learners": active.count(),
        "figures": figures.as_dict(),
        "weekly": weekly_activity(user_ids=member_ids, now=now),
        "scenarios": _team_scenarios(member_ids, window),
    }
