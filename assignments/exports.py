"""The trainer's table as CSV: the same rows, columns and order as the page."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from assignments.selectors import LearnerRow

COLUMNS = (
    "name",
    "username",
    "teams",
    "status",
    "attempts",
    "steps_done",
    "best_total",
    "latest_total",
    "passed",
    "last_activity",
    "completed_at",
)


def _headers() -> list[str]:
    return [
        _("Learner"),
        _("Username"),
        _("Teams"),
        _("Status"),
        _("Attempts"),
        _("Scenarios done"),
        _("Best total"),
        _("Latest total"),
        _("Passed"),
        _("Last activity"),
        _("Completed"),
    ]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "; ".join(map(str, value))
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formulas in spreadsheets


def rows_csv(rows: list[LearnerRow]) -> str:
    """UTF-8 CSV text with a BOM, so spreadsheets read Japanese names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headers())
    for row in rows:
        data = row.as_dict()
        data["status"] = data["status_label"]
        writer.writerow([_cell(data[column]) for column in COLUMNS])
    return "\ufeff" + buffer.getvalue()
