"""Small display helpers for analytics pages and reports."""

from __future__ import annotations

from django import template
from django.utils import translation

from conversations.feedback import axis_label as _axis_label

register = template.Library()


@register.filter
def axis_label(axis: str) -> str:
    language = "en" if (translation.get_language() or "ja").startswith("en") else "ja"
    return _axis_label(axis, language)


@register.filter
def signed(value: float | int | None) -> str:
    """+12, −3 or ±0 (rounded to whole points); an empty string when there is no value."""
    if value is None:
        return ""
    rounded = round(float(value))
    if rounded > 0:
        return f"+{rounded}"
    return f"−{abs(rounded)}" if rounded < 0 else "±0"


@register.filter
def score(value: float | int | None) -> str:
    return "—" if value is None else f"{round(float(value))}"


@register.filter
def get_item(mapping: dict[str, object] | None, key: str) -> object:
    return (mapping or {}).get(key)
