"""Which published scenarios train which strength axis: one small table, then catalog look-ups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils import translation

from conversations.feedback import AXIS_NAMES
from scenarios.models import Category, Scenario

MAX_SUGGESTIONS = 3

# axis -> (scenario categories, scenario tags) that train it.
AXIS_TRAINING: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "empathy": ((Category.COMPLAINTS, Category.RELATIONSHIPS), ("謝罪", "関係修復", "メンタルヘルス", "相談対応")),
    "clarity": ((Category.REPORTING, Category.MEETINGS), ("報告", "議事録", "認識合わせ", "結論")),
    "active_listening": ((Category.ONE_ON_ONE,), ("傾聴", "1on1", "相談", "相談対応")),
    "adaptability": ((Category.NEGOTIATION, Category.REMOTE_WORK), ("交渉", "社内調整", "反対意見", "要求対応")),
    "positivity": ((Category.RELATIONSHIPS,), ("雑談", "ほめる", "成長", "第一印象")),
    "professionalism": ((Category.REQUESTS, Category.COMPLAINTS), ("断り", "電話対応", "お客様", "境界線")),
}
_DIFFICULTY_RANK = {"beginner": 0, "intermediate": 1, "advanced": 2}


def weakest_axis(averages: dict[str, float | None]) -> str | None:
    """The axis with the lowest average (the first in the axes' order on a tie); None without scores."""
    scored = [(value, AXIS_NAMES.index(axis), axis) for axis, value in averages.items() if value is not None]
    return min(scored)[2] if scored else None


def _trains(row: Mapping[str, Any], axis: str) -> bool:
    categories, tags = AXIS_TRAINING[axis]
    return row["category"] in categories or bool(set(row["tags"] or []) & set(tags))


def _entry(row: Mapping[str, Any], english: bool) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title_en"] if english and row["title_en"] else row["title"],
        "difficulty": row["difficulty"],
        "url": reverse("scenarios:detail", args=[row["id"]]),
    }


def suggestions_by_axis(*, limit: int = MAX_SUGGESTIONS * 3) -> dict[str, list[dict[str, Any]]]:
    """For every axis, published scenarios (not the sensitive ones) that train it, easiest first."""
    rows = list(
        Scenario.objects.filter(published=True, sensitive=False).values(
            "id", "title", "title_en", "category", "tags", "difficulty"
        )
    )
    rows.sort(key=lambda row: (_DIFFICULTY_RANK.get(row["difficulty"], 3), row["title"], row["id"]))
    english = (translation.get_language() or "ja").startswith("en")
    return {axis: [_entry(row, english) for row in rows if _trains(row, axis)][:limit] for axis in AXIS_NAMES}


def pick_suggestions(
    table: dict[str, list[dict[str, Any]]], axis: str | None, practised: set[int] | None = None
) -> list[dict[str, Any]]:
    """Up to three scenarios for ``axis``, those not practised yet first."""
    if axis is None:
        return []
    practised = practised or set()
    candidates = table.get(axis, [])
    fresh = [entry for entry in candidates if entry["id"] not in practised]
    return (fresh + [entry for entry in candidates if entry["id"] in practised])[:MAX_SUGGESTIONS]
