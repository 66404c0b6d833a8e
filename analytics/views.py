"""My progress, the journal, reports, my data, and team figures for trainers (HTMX pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from analytics import selectors, services
from analytics.cache import PAGE_TTL, cached
from analytics.export import export_file
from analytics.forms import PERIOD_LABELS, ExportForm, PageForm, PeriodForm, ReportRequestForm
from analytics.models import Report
from analytics.reports import report_context, report_make_current
from analytics.sources import get_source
from core import ratelimits
from core.ratelimits import rate_limit

RECENT_REPORTS = 5


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    return user


def _chart_labels() -> dict[str, str]:
    return {
        "now": _("Last 30 days"),
        "month_ago": _("A month before"),
        "sessions": _("Sessions"),
        "minutes": _("Minutes"),
        "score": _("Score"),
    }


def _chart_data(overview: dict[str, Any]) -> dict[str, Any]:
    figures = overview["figures"]
    return {
        "axes": overview["axes"],
        "radar": {"now": figures["averages"], "month_ago": figures["previous"]},
        "series": overview["series"],
        "weekly": overview["weekly"],
        "labels": _chart_labels(),
    }


@login_required
@rate_limit(ratelimits.ANALYTICS, methods=("GET",))
@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a period: week, month, quarter or year."))
    period = form.period_or_default()
    overview = cached(
        user.pk, "page", PAGE_TTL, lambda: selectors.progress_overview(user_id=user.pk, period=period), period
    )
    context = {
        "overview": overview,
        "chart_data": _chart_data(overview),
        "has_previous": any(value is not None for value in overview["figures"]["previous"].values()),
        "period": period,
        "periods": PERIOD_LABELS.items(),
        "reports": selectors.reports_for_user(user=user)[:RECENT_REPORTS],
        "is_trainer": user.is_trainer,
    }
    return render(request, "analytics/progress.html", context)


@login_required
@rate_limit(ratelimits.ANALYTICS, methods=("GET",))
@require_GET
def journal(request: HttpRequest) -> HttpResponse:
    form = PageForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("That page does not exist; here is the first one."))
    page = (form.cleaned_data.get("page") if form.is_valid() else None) or 1
    entries, has_next = selectors.journal_page(user=_user(request), page=page)
    return render(request, "analytics/journal.html", {"entries": entries, "page": page, "has_next": has_next})


def _entry_for(user: User, kind: str, session_id: str) -> selectors.JournalEntry:
    source = get_source(kind)
    if source is None:
        raise Http404("No such session.")
    entry = selectors.journal_entry(user=user, source=source, session_id=session_id)
    if entry is None:
        raise Http404("No such session.")
    return entry


@login_required
@require_GET
def journal_row(request: HttpRequest, kind: str, session_id: str) -> HttpResponse:
    entry = _entry_for(_user(request), kind, session_id)
    return render(request, "analytics/partials/journal_row.html", {"entry": entry})


@login_required
@rate_limit(ratelimits.ANALYTICS)
@require_POST
def journal_analyse(request: HttpRequest, kind: str, session_id: str) -> HttpResponse:
    """Retry (or start) the analysis of one of the learner's own sessions."""
    user = _user(request)
    error = ""
    try:
        services.analysis_retry(user=user, kind=kind, session_id=session_id)
    except services.NothingToAnalyseError:
        error = _("There is nothing to analyse yet: finish the session after saying at least one line.")
    entry = _entry_for(user, kind, session_id)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "analytics/partials/journal_row.html", {"entry": entry, "row_error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The analysis was asked for again."))
    return redirect("analytics:journal")


@login_required
@rate_limit(ratelimits.ANALYTICS, methods=("GET",))
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/reports.html", {"reports": selectors.reports_for_user(user=_user(request))})


@login_required
@require_POST
@rate_limit(ratelimits.REPORT_REQUEST)
def report_make(request: HttpRequest) -> HttpResponse:
    """The report of the week or month so far, made now (the schedule replaces it with the full period)."""
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a weekly or a monthly report."))
        context = {"reports": selectors.reports_for_user(user=_user(request))}
        return render(request, "analytics/reports.html", context, status=400)
    report = report_make_current(user=_user(request), kind=form.cleaned_data["kind"])
    messages.success(request, _("Your report of the period so far is ready."))
    return redirect("analytics:report", report_id=report.pk)


def _report_context(report: Report, user: User) -> dict[str, Any]:
    return report_context(report.kind, report.period_start, report.period_end, report.data, user.name, "")


@login_required
@rate_limit(ratelimits.ANALYTICS, methods=("GET",))
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _user(request)
    report = selectors.report_get(user=user, report_id=report_id)
    return render(request, "analytics/report_detail.html", {"report": report, **_report_context(report, user)})


@login_required
@rate_limit(ratelimits.ANALYTICS, methods=("GET",))
@require_GET
def report_download(request: HttpRequest, report_id: int) -> HttpResponse:
    """The stored report page as a file (rendered again from its figures if the file is gone)."""
    user = _user(request)
    report = selectors.report_get(user=user, report_id=report_id)
    if report.file and default_storage.exists(report.file):
        with default_storage.open(report.file, "rb") as stored:
            content = stored.read()
    else:
        content = render_to_string("analytics/report_document.html", _report_context(report, user)).encode()
    response = HttpResponse(content, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.kind}-report-{report.period_start}.html"'
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
@rate_limit(ratelimits.ANALYTICS, methods=("GET",))
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose JSON or CSV to download your data."))
        return redirect("analytics:progress")
    content, content_type, name = export_file(_user(request), form.cleaned_data["format"])
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@rate_limit(ratelimits.ANALYTICS, methods=("GET",))
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.is_trainer:
        raise Http404("No teams.")
    overviews = [selectors.team_overview(team=team) for team in selectors.teams_for_trainer(user=user)]
    return render(request, "analytics/teams.html", {"overviews": overviews})


@login_required
@rate_limit(ratelimits.ANALYTICS, methods=("GET",))
@require_GET
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = selectors.team_get_for_trainer(user=_user(request), team_id=team_id)
    overview = selectors.team_overview(team=team)
    if overview["withheld"]:
        return render(request, "analytics/team_detail.html", {"overview": overview})
    chart = {
        "axes": overview["axes"],
        "weekly": overview["weekly"],
        "labels": _chart_labels(),
        "radar": {"now": overview["figures"]["averages"], "month_ago": overview["figures"]["previous"]},
    }
    return render(request, "analytics/team_detail.html", {"overview": overview, "chart_data": chart})
