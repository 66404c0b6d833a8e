"""Weekly and monthly reports for every active user, computed from stored data only.

The job walks the active users in chunks (one streamed query). Per chunk it aggregates the
period's figures of all the chunk's users in one query, reads their practised scenarios and the
reports already e-mailed in one query each, renders each report (template), stores it with
``default_storage``, upserts the chunk's ``Report`` rows in one statement and sends the chunk's
e-mails over the job's one connection. No model call, no query per user. Running it again for
the same period replaces the reports (same rows, same files) and e-mails nobody twice.

A learner can also make the report of the week or month so far (``report_make_current``): the
same row and file the schedule later replaces with the full period, and e-mails then.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from analytics.models import Report, ReportKind, StrengthAnalysis
from analytics.periods import Window, current_period_end, local_date, report_windows
from analytics.selectors import Figures, figures_by_user, period_summary
from analytics.suggestions import suggestions_by_axis
from conversations.feedback import AXIS_NAMES, axis_label

CHUNK_SIZE = 500
Row = TypeVar("Row")
LANGUAGES = ("ja", "en")


@dataclass
class RunResult:
    users: int = 0
    stored: int = 0
    emailed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"users": self.users, "stored": self.stored, "emailed": self.emailed}


@dataclass(frozen=True)
class ReportJob:
    kind: str
    start: date
    end: date  # exclusive
    window: Window
    previous: Window
    tables: dict[str, dict[str, list[dict[str, Any]]]]  # language -> axis -> suggested scenarios
    site_url: str


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _tables() -> dict[str, dict[str, list[dict[str, Any]]]]:
    tables = {}
    for language in LANGUAGES:
        with translation.override(language):
            tables[language] = suggestions_by_axis()
    return tables


def prepare_job(*, kind: str, today: date | None = None) -> ReportJob:
    window, previous = report_windows(kind, today or local_date(timezone.now()))
    return ReportJob(
        kind=kind,
        start=local_date(window.start),
        end=local_date(window.end),
        window=window,
        previous=previous,
        tables=_tables(),
        site_url=getattr(settings, "SITE_URL", "").rstrip("/"),
    )


def run_reports(
    *, kind: str, today: date | None = None, chunk_size: int = CHUNK_SIZE, connection: BaseEmailBackend | None = None
) -> RunResult:
    """Store (or replace) the period's report for every active user and e-mail it once."""
    if kind not in ReportKind.values:
        raise ValueError(f"unknown report kind {kind!r}")
    job = prepare_job(kind=kind, today=today)
    users = (
        User.objects.filter(is_active=True)
        .order_by("pk")
        .values("id", "email", "username", "display_name", "preferences")
        .iterator(chunk_size=chunk_size)
    )
    result = RunResult()
    with connection or get_connection() as mail:
        for chunk in _chunks(users, chunk_size):
            _run_chunk(job, chunk, mail, result)
    return result


def report_make_current(*, user: User, kind: str, today: date | None = None) -> Report:
    """The learner's report of the current calendar week or month so far (stored, not e-mailed)."""
    if kind not in ReportKind.values:
        raise ValueError(f"unknown report kind {kind!r}")
    job = prepare_job(kind=kind, today=current_period_end(kind, today or local_date(timezone.now())))
    fields = ("id", "email", "username", "display_name", "preferences")
    row = {field: getattr(user, field) for field in fields}
    figures = figures_by_user(window=job.window, previous=job.previous, user_ids=[user.pk]).get(user.pk, Figures())
    report, _ = _build(job, row, figures, _practised([user.pk]).get(user.pk, set()), send=False)
    _upsert([report])
    return Report.objects.get(user=user, kind=kind, period_start=job.start)


def _upsert(reports: list[Report]) -> None:
    Report.objects.bulk_create(
        reports,
        update_conflicts=True,
        unique_fields=["user", "kind", "period_start"],
        update_fields=["period_end", "data", "file", "updated_at"],
    )


def _practised(user_ids: list[Any]) -> dict[Any, set[int]]:
    practised: dict[Any, set[int]] = {}
    rows = (
        StrengthAnalysis.objects.filter(user_id__in=user_ids, scenario__isnull=False)
        .values_list("user_id", "scenario_id")
        .distinct()
    )
    for user_id, scenario_id in rows:
        practised.setdefault(user_id, set()).add(scenario_id)
    return practised


def _run_chunk(job: ReportJob, users: Sequence[Mapping[str, Any]], mail: BaseEmailBackend, result: RunResult) -> None:
    ids = [user["id"] for user in users]
    figures = figures_by_user(window=job.window, previous=job.previous, user_ids=ids)
    practised = _practised(ids)
    emailed = set(
        Report.objects.filter(
            kind=job.kind, period_start=job.start, user_id__in=ids, emailed_at__isnull=False
        ).values_list("user_id", flat=True)
    )
    reports, messages = [], []
    for user in users:
        figure = figures.get(user["id"], Figures())
        report, message = _build(job, user, figure, practised.get(user["id"], set()), send=user["id"] not in emailed)
        reports.append(report)
        if message is not None:
            messages.append((user["id"], message))
    _upsert(reports)
    sent = mail.send_messages([message for _, message in messages]) or 0
    sent_ids = [user_id for user_id, _ in messages[:sent]]
    Report.objects.filter(kind=job.kind, period_start=job.start, user_id__in=sent_ids).update(emailed_at=timezone.now())
    result.users += len(users)
    result.stored += len(reports)
    result.emailed += sent


def _language(user: Mapping[str, Any]) -> str:
    language = (user["preferences"] or {}).get("language")
    return language if language in LANGUAGES else "ja"


def report_data(job: ReportJob, figures: Figures, language: str, practised: set[int]) -> dict[str, Any]:
    summary = period_summary(figures, table=job.tables[language], practised=practised)
    return {
        "kind": job.kind,
        "start": job.start.isoformat(),
        "end": job.end.isoformat(),
        "language": language,
        **summary,
    }


def axis_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Per axis: label, average, the period before, and the change (labels in the active language)."""
    language = "en" if (translation.get_language() or "ja").startswith("en") else "ja"
    return [
        {
            "axis": axis,
            "label": axis_label(axis, language),
            "average": data["averages"].get(axis),
            "previous": data["previous"].get(axis),
            "delta": data["deltas"].get(axis),
        }
        for axis in AXIS_NAMES
    ]


def report_context(
    report_kind: str, start: date, end: date, data: dict[str, Any], name: str, site_url: str
) -> dict[str, Any]:
    return {
        "kind": report_kind,
        "kind_label": ReportKind(report_kind).label,
        "start": start,
        "last_day": date.fromordinal(end.toordinal() - 1),
        "data": data,
        "axis_rows": axis_rows(data),
        "name": name,
        "site_url": site_url,
        "progress_url": site_url + reverse("analytics:progress"),
    }


def _build(
    job: ReportJob, user: Mapping[str, Any], figures: Figures, practised: set[int], *, send: bool
) -> tuple[Report, Any]:
    language = _language(user)
    with translation.override(language):
        data = report_data(job, figures, language, practised)
        context = report_context(
            job.kind, job.start, job.end, data, user["display_name"] or user["username"], job.site_url
        )
        html = render_to_string("analytics/report_document.html", context)
        message = _message(user, context, html) if send and user["email"] else None
    name = _store(user["id"], job, html)
    report = Report(user_id=user["id"], kind=job.kind, period_start=job.start, period_end=job.end, data=data, file=name)
    return report, message


def report_file_name(user_id: Any, kind: str, start: date) -> str:
    return f"analytics/reports/{user_id}/{kind}-{start.isoformat()}.html"


def _store(user_id: Any, job: ReportJob, html: str) -> str:
    name = report_file_name(user_id, job.kind, job.start)
    default_storage.delete(name)  # replace, never keep a second copy under another name
    return default_storage.save(name, ContentFile(html.encode("utf-8")))


def _message(user: Mapping[str, Any], context: dict[str, Any], html: str) -> EmailMultiAlternatives:
    period = f"{context['start']:%Y-%m-%d} – {context['last_day']:%Y-%m-%d}"
    subject = f"{gettext('Workplace Roleplay')}: {context['kind_label']} {period}"
    body = render_to_string("analytics/email/report.txt", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [user["email"]])
    message.attach_alternative(html, "text/html")
    return message
