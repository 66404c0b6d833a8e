"""Rounds of an assignment: one for a one-off assignment, one per week or month for a recurring one."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from assignments.models import Assignment, Recurrence


@dataclass(frozen=True)
class Round:
    index: int
    starts_at: datetime
    due_at: datetime


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` ``months`` calendar months later (the 31st becomes the month's last day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def shifted(moment: datetime, recurrence: str, count: int) -> datetime:
    if recurrence == Recurrence.WEEKLY:
        return moment + timedelta(weeks=count)
    if recurrence == Recurrence.MONTHLY:
        return add_months(moment, count)
    return moment


def period_length(start: datetime, recurrence: str) -> timedelta | None:
    """How long one period of ``recurrence`` starting at ``start`` is (None when it does not repeat)."""
    if recurrence == Recurrence.NONE:
        return None
    return shifted(start, recurrence, 1) - start


def round_at(assignment: Assignment, now: datetime) -> Round:
    """The round running at ``now`` (the first one before the assignment starts)."""
    if assignment.recurrence == Recurrence.NONE or now < assignment.starts_at:
        return Round(0, assignment.starts_at, assignment.due_at)
    index = _elapsed_periods(assignment, now)
    return Round(
        index,
        shifted(assignment.starts_at, assignment.recurrence, index),
        shifted(assignment.due_at, assignment.recurrence, index),
    )


def _elapsed_periods(assignment: Assignment, now: datetime) -> int:
    if assignment.recurrence == Recurrence.WEEKLY:
        return int((now - assignment.starts_at) // timedelta(weeks=1))
    start = assignment.starts_at
    index = max(0, (now.year - start.year) * 12 + now.month - start.month)
    while index > 0 and add_months(start, index) > now:
        index -= 1
    return index


def rounds_until(assignment: Assignment, now: datetime, limit: int = 52) -> list[Round]:
    """Every round begun by ``now``, oldest first (at most the last ``limit``)."""
    current = round_at(assignment, now).index
    first = max(0, current - limit + 1)
    return [
        Round(
            k,
            shifted(assignment.starts_at, assignment.recurrence, k),
            shifted(assignment.due_at, assignment.recurrence, k),
        )
        for k in range(first, current + 1)
    ]
