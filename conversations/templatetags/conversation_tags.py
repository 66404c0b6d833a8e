from typing import Any

from django import template

from conversations.feedback import AXES

register = template.Library()


@register.simple_tag
def axis_scores(feedback: dict[str, Any] | None, language: str = "ja") -> list[tuple[str, Any]]:
    """(label, score) for each of the six axes, in their fixed order."""
    scores = (feedback or {}).get("scores") or {}
    return [(en if language == "en" else ja, scores.get(name)) for name, ja, en in AXES]
