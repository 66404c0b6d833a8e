"""Reminder e-mails: when an assignment starts, two days before it is due, and once it is overdue.

The beat job walks every active assignment that has begun. Per assignment it locks the row (two
runs at once wait for each other), computes every learner's status in the current round with the
set-based selectors, leaves out learners who completed it, who turned reminders off or who have no
e-mail address, and the reminders already recorded, then sends what is left over one connection
and records each sent reminder (``AssignmentReminder``: unique per assignment, learner, round and
kind). Running it again, or after a beat restart, sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from accounts.models import LANGUAGES
from assignments.models import Assignment, AssignmentReminder, AssignmentState, ReminderKind
from assignments.rounds import Round, round_at
from assignments.selectors import assigned_learners, step_results
from assignments.status import Status

DUE_SOON = timedelta(days=2)
SUBJECTS = {
    ReminderKind.START: gettext_lazy("New assignment: %(title)s"),
    ReminderKind.DUE_SOON: gettext_lazy("Due in two days: %(title)s"),
    ReminderKind.OVERDUE: gettext_lazy("Overdue: %(title)s"),
}


@dataclass
class ReminderResult:
    assignments: int = 0
    sent: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"assignments": self.assignments, "sent": self.sent}


def reminder_kind(round_: Round, status: str, now: datetime) -> str | None:
    """Which reminder a learner with ``status`` is owed now, if any."""
    if status == Status.COMPLETED:
        return None
    if now >= round_.due_at:
        return ReminderKind.OVERDUE
    if now >= round_.due_at - DUE_SOON:
        return ReminderKind.DUE_SOON
    return ReminderKind.START


def run_reminders(*, now: datetime | None = None, connection: BaseEmailBackend | None = None) -> ReminderResult:
    """Send every reminder owed now, each at most once (over ``connection``, or the default backend)."""
    now = now or timezone.now()
    result = ReminderResult()
    ids = list(Assignment.objects.filter(state=AssignmentState.ACTIVE, starts_at__lte=now).values_list("pk", flat=True))
    with connection or get_connection() as mail:
        for assignment_id in ids:
            result.sent += _remind(assignment_id, now, mail)
            result.assignments += 1
    return result


def _owed(assignment: Assignment, round_: Round, now: datetime) -> list[tuple[dict[str, Any], str]]:
    learners = (
        assigned_learners(assignment=assignment).filter(is_active=True, assignment_reminders=True).exclude(email="")
    )
    results = step_results(assignment=assignment, learners=learners, round_=round_)
    sent = set(
        AssignmentReminder.objects.filter(assignment=assignment, round=round_.index).values_list("user_id", "kind")
    )
    owed: list[tuple[dict[str, Any], str]] = []
    for row in learners.values("id", "username", "display_name", "email", "preferences"):
        learner: dict[str, Any] = dict(row)
        kind = reminder_kind(round_, results.progress(learner["id"], now).status, now)
        if kind is not None and (learner["id"], kind) not in sent:
            owed.append((learner, kind))
    return owed


def _remind(assignment_id: int, now: datetime, mail: BaseEmailBackend) -> int:
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("created_by")
            .prefetch_related("steps__scenario")
            .filter(pk=assignment_id)
            .first()
        )
        if assignment is None or assignment.state != AssignmentState.ACTIVE:
            return 0
        round_ = round_at(assignment, now)
        owed = _owed(assignment, round_, now)
        messages = _messages(assignment, round_, owed)
        sent = (mail.send_messages(messages) or 0) if messages else 0
        AssignmentReminder.objects.bulk_create(
            [
                AssignmentReminder(assignment=assignment, user_id=learner["id"], round=round_.index, kind=kind)
                for learner, kind in owed[:sent]
            ],
            ignore_conflicts=True,
        )
    return sent


def _language(learner: dict[str, Any]) -> str:
    language = (learner["preferences"] or {}).get("language")
    return language if language in LANGUAGES else "ja"


NAME_MARK = "\x1fname\x1f"  # stands for the learner's name in a body rendered once per language and kind


def _render(assignment: Assignment, round_: Round, language: str, kind: str) -> tuple[str, str]:
    """The subject and the body (with ``NAME_MARK`` for the name) in ``language``."""
    with translation.override(language):
        context = {
            "name": NAME_MARK,
            "assignment": assignment,
            "kind": kind,
            "round": round_,
            "assigned_by": assignment.created_by.name,
            "due_at": timezone.localtime(round_.due_at),
            "url": settings.SITE_URL + reverse("assignments:mine"),
            "preferences_url": settings.SITE_URL + reverse("accounts:profile"),
        }
        title = str(SUBJECTS[ReminderKind(kind)]) % {"title": assignment.title}
        subject = f"{gettext('Workplace Roleplay')}: {title}"
        return subject, render_to_string("assignments/email/reminder.txt", context)


def _messages(assignment: Assignment, round_: Round, owed: list[tuple[dict[str, Any], str]]) -> list[EmailMessage]:
    """One e-mail per owed reminder; each language and kind is rendered once for the assignment."""
    rendered: dict[tuple[str, str], tuple[str, str]] = {}
    messages = []
    for learner, kind in owed:
        key = (_language(learner), kind)
        if key not in rendered:
            rendered[key] = _render(assignment, round_, *key)
        subject, body = rendered[key]
        name = learner["display_name"] or learner["username"]
        messages.append(
            EmailMessage(subject, body.replace(NAME_MARK, name), settings.DEFAULT_FROM_EMAIL, [learner["email"]])
        )
    return messages
