"""The home page's notices: the learner's assignments still to do, newest due first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assignments.reminders import DUE_SOON
from assignments.selectors import MyAssignment, my_assignments
from assignments.status import Status

register = template.Library()
NEW_FOR = timedelta(days=3)
MAX_NOTICES = 5


def _notice(item: MyAssignment, now: Any) -> str:
    if item.progress.status == Status.OVERDUE:
        return _("Overdue: you can still complete it.")
    if now >= item.round.due_at - DUE_SOON:
        return _("Due in less than two days.")
    if now < item.round.starts_at + NEW_FOR:
        return _("New")
    return ""


@register.inclusion_tag("assignments/partials/home_notices.html", takes_context=True)
def assignment_notices(context: dict[str, Any]) -> dict[str, Any]:
    user = context.get("user")
    if not isinstance(user, User):
        return {"mine": []}
    now = timezone.now()
    items = []
    for item in my_assignments(user=user, now=now):
        if item.progress.status == Status.COMPLETED:
            continue
        next_step = next((step for step, _result, done in item.steps if not done), None)
        items.append({**item.__dict__, "notice": _notice(item, now), "next_step": next_step})
    return {"mine": items[:MAX_NOTICES], "csrf_token": context.get("csrf_token"), "request": context.get("request")}
