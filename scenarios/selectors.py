"""Reads: the learner catalog, one scenario for a learner, filter choices."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import translation

from scenarios.models import (
    Category,
    Difficulty,
    FeedbackPoint,
    LearningPoint,
    Scenario,
    ScenarioConsent,
    ScenarioPlay,
)
from scenarios.practice import practised_counts

MAX_SEARCH_TERMS = 5
_SPACES = re.compile(r"[\s\u3000]+")
_DIFFICULTY_RANK = Case(
    When(difficulty=Difficulty.BEGINNER, then=Value(0)),
    When(difficulty=Difficulty.INTERMEDIATE, then=Value(1)),
    When(difficulty=Difficulty.ADVANCED, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class CatalogFilters:
    difficulty: str = ""
    category: str = ""
    tag: str = ""
    search: str = ""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CatalogFilters:
        return cls(**{key: str(data.get(key) or "").strip() for key in ("difficulty", "category", "tag", "search")})


@dataclass(frozen=True)
class CatalogEntry:
    scenario: Scenario
    is_new: bool
    practised_count: int


def _with_points(queryset: QuerySet[Scenario]) -> QuerySet[Scenario]:
    return queryset.prefetch_related(
        Prefetch("learning_points", queryset=LearningPoint.objects.order_by("order", "id")),
        Prefetch("feedback_points", queryset=FeedbackPoint.objects.order_by("order", "id")),
    )


def search_terms(search: str) -> list[str]:
    """Words of a search, split on ASCII and full-width spaces."""
    return [term for term in _SPACES.split(search.strip()) if term][:MAX_SEARCH_TERMS]


def _search_q(term: str) -> Q:
    return (
        Q(title__icontains=term)
        | Q(title_en__icontains=term)
        | Q(description__icontains=term)
        | Q(description_en__icontains=term)
        | Q(tags_text__icontains=term)
    )


def published_scenarios(filters: CatalogFilters | None = None, search: str = "") -> QuerySet[Scenario]:
    """Published scenarios matching the filters; every search word must match somewhere.

    Matching is ``icontains`` on titles, descriptions and tags: it works for Japanese on
    PostgreSQL and SQLite alike.
    """
    filters = filters or CatalogFilters()
    queryset = Scenario.objects.filter(published=True)
    if filters.difficulty:
        queryset = queryset.filter(difficulty=filters.difficulty)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.tag:
        queryset = queryset.filter(tags_text__contains=f"|{filters.tag}|")
    for term in search_terms(search or filters.search):
        queryset = queryset.filter(_search_q(term))
    return _with_points(queryset).order_by(_DIFFICULTY_RANK, "title", "id")


def scenario_get_for_learner(*, user: Any, scenario_id: int, allow_preview: bool = True) -> Scenario:
    """One scenario for the play page. Drafts are 404 except for trainers previewing them."""
    queryset = _with_points(Scenario.objects.all())
    scenario = queryset.filter(pk=scenario_id).first()
    if scenario is None:
        raise Http404("No such scenario.")
    if not scenario.published and not (allow_preview and getattr(user, "is_trainer", False)):
        raise Http404("No such scenario.")
    return scenario


def scenario_categories() -> list[tuple[str, str]]:
    """(value, label) of the categories that have published scenarios, in the product's order."""
    used = set(Scenario.objects.filter(published=True).values_list("category", flat=True))
    return [(value, str(label)) for value, label in Category.choices if value in used]


def scenario_tags() -> list[str]:
    """Every tag used by a published scenario as the reader sees it (English tags on English pages), sorted."""
    english = (translation.get_language() or "ja").startswith("en")
    tags: set[str] = set()
    for japanese, english_tags in Scenario.objects.filter(published=True).values_list("tags", "tags_en"):
        tags.update(str(tag) for tag in ((english_tags or japanese) if english else japanese) or [])
    return sorted(tags)


def scenario_practised_counts(*, user: Any, scenario_ids: list[int]) -> dict[int, int]:
    """How often ``user`` practised each scenario (see ``scenarios.practice``)."""
    return practised_counts(user, scenario_ids)


def scenario_has_consent(*, user: Any, scenario: Scenario) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return ScenarioConsent.objects.filter(user=user, scenario=scenario).exists()


def scenario_consented_ids(*, user: Any, scenario_ids: list[int]) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        ScenarioConsent.objects.filter(user=user, scenario_id__in=scenario_ids).values_list("scenario_id", flat=True)
    )


def scenario_catalog(*, user: Any, filters: CatalogFilters | None = None) -> list[CatalogEntry]:
    """The learner catalog: published scenarios with "new" and "practised N times"."""
    scenarios = list(published_scenarios(filters))
    counts = scenario_practised_counts(user=user, scenario_ids=[scenario.pk for scenario in scenarios])
    return [
        CatalogEntry(scenario=scenario, is_new=scenario.is_new, practised_count=counts.get(scenario.pk, 0))
        for scenario in scenarios
    ]


@dataclass(frozen=True)
class Attempts:
    """A learner's attempts at one scenario (plays with feedback): how many, the best and the latest."""

    count: int
    best: ScenarioPlay | None
    latest: ScenarioPlay | None


def scenario_attempts(*, user: Any, scenario: Scenario) -> Attempts:
    plays = ScenarioPlay.objects.filter(user=user, scenario=scenario, feedback_at__isnull=False)
    latest = plays.order_by("-feedback_at").first()
    best = plays.filter(rubric_total__isnull=False).order_by("-rubric_total", "-feedback_at").first()
    return Attempts(count=plays.count(), best=best, latest=latest)
