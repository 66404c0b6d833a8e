"""Pages: My assignments for learners; the trainer's list, form, table, CSV, learner and transcript pages.

Every trainer page answers 404 to anyone who is not a trainer, and for an assignment, learner or
conversation the trainer may not see.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from assignments import selectors, services
from assignments.exports import rows_csv
from assignments.forms import AssignmentForm, TableForm
from assignments.models import Assignment, AssignmentState
from assignments.status import Status
from conversations.selectors import conversation_messages


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    return user


def _trainer(request: HttpRequest) -> User:
    user = _user(request)
    if not user.is_trainer:
        raise Http404("Not a trainer.")
    return user


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "assignments/mine.html", {"mine": selectors.my_assignments(user=_user(request))})


@login_required
@require_GET
def trainer_list(request: HttpRequest) -> HttpResponse:
    trainer = _trainer(request)
    assignments = (
        selectors.assignments_for_trainer(user=trainer)
        .select_related("created_by")
        .annotate(step_count=Count("steps", distinct=True))
        .order_by("state", "-due_at")
    )
    return render(request, "assignments/trainer_list.html", {"assignments": assignments})


def _save(
    request: HttpRequest, trainer: User, form: AssignmentForm, assignment: Assignment | None
) -> HttpResponse | None:
    if not form.is_valid():
        return None
    try:
        if assignment is None:
            assignment = services.assignment_create(trainer=trainer, spec=form.spec())
        else:
            services.assignment_update(trainer=trainer, assignment=assignment, spec=form.spec())
    except ValidationError as error:
        form.add_service_errors(error)
        return None
    messages.success(request, _("The assignment was saved."))
    return redirect("assignments:trainer-detail", assignment_id=assignment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def trainer_create(request: HttpRequest) -> HttpResponse:
    trainer = _trainer(request)
    form = AssignmentForm(request.POST if request.method == "POST" else None, trainer=trainer)
    saved = _save(request, trainer, form, None) if request.method == "POST" else None
    status = 400 if request.method == "POST" and saved is None else 200
    return saved or render(request, "assignments/trainer_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def trainer_edit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    trainer = _trainer(request)
    assignment = selectors.assignment_get_for_trainer(user=trainer, assignment_id=assignment_id)
    data = request.POST if request.method == "POST" else None
    form = AssignmentForm.for_assignment(assignment, trainer=trainer, data=data)
    saved = _save(request, trainer, form, assignment) if data is not None else None
    status = 400 if data is not None and saved is None else 200
    context = {"form": form, "assignment": assignment}
    return saved or render(request, "assignments/trainer_form.html", context, status=status)


@login_required
@require_POST
def trainer_state(request: HttpRequest, assignment_id: int) -> HttpResponse:
    trainer = _trainer(request)
    assignment = selectors.assignment_get_for_trainer(user=trainer, assignment_id=assignment_id)
    try:
        services.assignment_state_set(trainer=trainer, assignment=assignment, state=request.POST.get("state", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The assignment is now: %(state)s.") % {"state": assignment.get_state_display()})
    return redirect("assignments:trainer-detail", assignment_id=assignment.pk)


def _table(request: HttpRequest, trainer: User, assignment: Assignment) -> tuple[TableForm, list[Any], list[Any]]:
    form = TableForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    all_rows = selectors.learner_rows(assignment=assignment, viewer=trainer)
    rows = selectors.filter_rows(
        all_rows,
        status=filters.get("status") or "",
        team=filters.get("team") or "",
        sort=filters.get("sort") or "status",
        descending=bool(filters.get("desc")),
    )
    return form, all_rows, rows


ROW_HTML = (
    '<tr class="status-{status}" data-user="{username}"><td><a href="{url}">{name}</a></td><td>{teams}</td>'
    '<td><span class="status-badge status-{status}">{label}</span></td><td>{attempts}</td>'
    "<td>{done} / {steps}</td><td>{best}</td><td>{latest}</td><td>{passed}</td><td>{activity}</td></tr>"
)


def _rows_html(rows: list[Any], assignment: Assignment, step_count: int) -> SafeString:
    """The table's rows, every value escaped by ``format_html`` (thousands of rows render in a
    fraction of what as many template nodes take)."""
    base = reverse("assignments:trainer-learner", args=[assignment.pk, "-"])[:-2]
    yes, no, none = _("yes"), _("no"), "—"
    labels = {value: str(label) for value, label in Status.choices}
    html = []
    for row in rows:
        p = row.progress
        html.append(
            format_html(
                ROW_HTML,
                status=p.status,
                username=row.username,
                url=f"{base}{row.user_id}/",
                name=row.name,
                teams=", ".join(row.teams),
                label=labels[p.status],
                attempts=p.attempts,
                done=p.steps_done,
                steps=step_count,
                best=none if p.best is None else p.best,
                latest=none if row.latest is None else row.latest,
                passed=none if p.passed is None else (yes if p.passed else no),
                activity=_local(p.last_activity) if p.last_activity else none,
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - each piece is format_html's escaped output


def _local(moment: Any) -> str:
    return str(timezone.localtime(moment).strftime("%Y-%m-%d %H:%M"))


@login_required
@require_GET
def trainer_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    trainer = _trainer(request)
    assignment = selectors.assignment_get_for_trainer(user=trainer, assignment_id=assignment_id)
    form, all_rows, rows = _table(request, trainer, assignment)
    steps = list(assignment.steps.select_related("scenario"))
    context = {
        "assignment": assignment,
        "steps": steps,
        "step_count": len(steps),
        "round": selectors.round_at(assignment, timezone.now()),
        "form": form,
        "rows": rows,
        "rows_html": _rows_html(rows, assignment, len(steps)),
        "counts": selectors.status_counts(all_rows),
        "statuses": Status.choices,
        "teams": sorted(assignment.teams.values_list("name", flat=True)),
        "criteria": selectors.criteria_by_team(assignment=assignment, viewer=trainer),
        "completion": selectors.completion_over_time(assignment=assignment, viewer=trainer, rows=all_rows),
        "states": AssignmentState,
    }
    template = "assignments/partials/table.html" if request.htmx else "assignments/trainer_detail.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_GET
def trainer_csv(request: HttpRequest, assignment_id: int) -> HttpResponse:
    trainer = _trainer(request)
    assignment = selectors.assignment_get_for_trainer(user=trainer, assignment_id=assignment_id)
    _form, _all, rows = _table(request, trainer, assignment)
    response = HttpResponse(rows_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="assignment-{assignment.pk}.csv"'
    return response


@login_required
@require_GET
def trainer_learner(request: HttpRequest, assignment_id: int, user_id: str) -> HttpResponse:
    trainer = _trainer(request)
    assignment = selectors.assignment_get_for_trainer(user=trainer, assignment_id=assignment_id)
    learner = selectors.assigned_learner_get(assignment=assignment, viewer=trainer, user_id=user_id)
    plays = selectors.learner_plays(assignment=assignment, learner=learner)
    return render(
        request, "assignments/trainer_learner.html", {"assignment": assignment, "learner": learner, "plays": plays}
    )


@login_required
@require_GET
def trainer_transcript(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = selectors.shared_conversation_get(viewer=_user(request), conversation_id=conversation_id)
    context = {"conversation": conversation, "messages_list": conversation_messages(conversation=conversation)}
    return render(request, "assignments/trainer_transcript.html", context)
