"""Time windows in the product's time zone (Asia/Tokyo): progress periods and report periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

PERIODS: tuple[str, ...] = ("week", "month", "quarter", "year")
DEFAULT_PERIOD = "month"
# period -> (number of buckets, days per bucket); "year" uses calendar months instead.
_BUCKETS: dict[str, tuple[int, int]] = {"week": (7, 1), "month": (30, 1), "quarter": (13, 7)}


def local_tz() -> tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_tz())


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment, local_tz()).date()


@dataclass(frozen=True)
class Window:
    start: datetime  # inclusive
    end: datetime  # exclusive

    def previous(self) -> Window:
        return Window(self.start - (self.end - self.start), self.start)


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def period_buckets(period: str, now: datetime | None = None) -> list[Window]:
    """The chart buckets of ``period`` ending with today (local days; calendar months for a year)."""
    today = local_date(now or timezone.now())
    if period == "year":
        starts = [_month_start(today, back) for back in range(11, -2, -1)]
        return [Window(local_midnight(a), local_midnight(b)) for a, b in zip(starts, starts[1:], strict=False)]
    count, days = _BUCKETS[period]
    end = today + timedelta(days=1)
    first = end - timedelta(days=count * days)
    return [
        Window(local_midnight(first + timedelta(days=i * days)), local_midnight(first + timedelta(days=(i + 1) * days)))
        for i in range(count)
    ]


def period_window(period: str, now: datetime | None = None) -> Window:
    buckets = period_buckets(period, now)
    return Window(buckets[0].start, buckets[-1].end)


def report_period(kind: str, today: date) -> tuple[date, date]:
    """The last full calendar week (Monday to Sunday) or month before ``today``: [start, end)."""
    if kind == "weekly":
        this_monday = today - timedelta(days=today.weekday())
        return this_monday - timedelta(days=7), this_monday
    this_month = _month_start(today)
    return _month_start(today, 1), this_month


def current_period_end(kind: str, today: date) -> date:
    """The day after the calendar week or month ``today`` is in: its report is made on that day."""
    if kind == "weekly":
        return today - timedelta(days=today.weekday()) + timedelta(days=7)
    return _month_start(today, -1)


def report_windows(kind: str, today: date) -> tuple[Window, Window]:
    """The report's period and the one before it (the week before, or the calendar month before)."""
    start, end = report_period(kind, today)
    before_start, _ = report_period(kind, start)
    return Window(local_midnight(start), local_midnight(end)), Window(
        local_midnight(before_start), local_midnight(start)
    )


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
