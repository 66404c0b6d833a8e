"""The home page's notices: the learner's assignments still to do, newest due first."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from assignments.reminders import DUE_SOON
from assignments.selectors import MyAssignment, my_assignments
from assignments.status import Status, step_done_at
from watch.themes import theme_for

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


@register.filter
def watch_theme_label(key: str) -> str:
    """A watch theme's name in the page's language (the key itself for one no longer offered)."""
    theme = theme_for(key)
    if theme is None:
        return key
    return theme.label("en" if (get_language() or "ja").startswith("en") else "ja")


def _played(item: MyAssignment, result: Any) -> bool:
    """Whether the step's scenario requirement is met (its watch aside)."""
    assignment = item.assignment
    return (
        step_done_at(replace(result, watch_theme=""), assignment.requirement, assignment.required_attempts) is not None
    )


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
        step, result = next(((step, result) for step, result, done in item.steps if not done), (None, None))
        next_watch = result.watch_theme if result is not None and result.watched is False else ""
        if result is not None and _played(item, result):  # only the watch is left: no Start
            step = None
        items.append({**item.__dict__, "notice": _notice(item, now), "next_step": step, "next_watch": next_watch})
    return {"mine": items[:MAX_NOTICES], "csrf_token": context.get("csrf_token"), "request": context.get("request")}
