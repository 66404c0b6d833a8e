"""Rounds of a repeating assignment: weekly and monthly, the month's last day kept in short months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assignments.models import Assignment, Recurrence
from assignments.rounds import add_months, round_at


def _assignment(recurrence: str, starts_at: datetime, due_at: datetime) -> Assignment:
    return Assignment(title="-", starts_at=starts_at, due_at=due_at, recurrence=recurrence)


def test_it_keeps_the_end_of_the_month_in_shorter_months() -> None:
    moment = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
    assert add_months(moment, 1) == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)
    assert add_months(moment, 13) == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)


def test_it_finds_the_current_monthly_round() -> None:
    start = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
    assignment = _assignment(Recurrence.MONTHLY, start, start + timedelta(days=10))
    assert round_at(assignment, datetime(2026, 2, 27, tzinfo=UTC)).index == 0
    third = round_at(assignment, datetime(2026, 3, 31, 10, 0, tzinfo=UTC))
    assert (third.index, third.starts_at) == (2, datetime(2026, 3, 31, 9, 0, tzinfo=UTC))
    assert third.due_at == datetime(2026, 4, 10, 9, 0, tzinfo=UTC)


def test_it_finds_the_current_weekly_round_and_none_for_a_one_off() -> None:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    weekly = _assignment(Recurrence.WEEKLY, start, start + timedelta(days=5))
    assert round_at(weekly, start + timedelta(days=15)).index == 2
    assert round_at(weekly, start - timedelta(days=1)).index == 0
    once = _assignment(Recurrence.NONE, start, start + timedelta(days=5))
    assert round_at(once, start + timedelta(days=60)).index == 0
