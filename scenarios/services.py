"""Writes: publishing, duplicating, consent, imports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from scenarios.cache import catalog_changed
from scenarios.importer import (
    SCENARIO_FIELDS,
    PlannedScenario,
    ScenarioData,
    Source,
    parse_sources,
    plan_import,
    read_paths,
    scenario_values,
    stored_rubric,
)
from scenarios.models import FeedbackPoint, LearningPoint, RubricCriterion, Scenario, ScenarioConsent

BUILTIN_SCENARIOS_FILE = Path(__file__).resolve().parent / "data" / "builtin_scenarios.yaml"


@dataclass(frozen=True)
class ImportResult:
    plan: list[PlannedScenario]
    dry_run: bool

    @property
    def created(self) -> list[str]:
        return [item.slug for item in self.plan if item.action == "create"]

    @property
    def updated(self) -> list[str]:
        return [item.slug for item in self.plan if item.action == "update"]

    @property
    def created_as_drafts(self) -> list[str]:
        return [item.slug for item in self.plan if item.action == "create" and not item.published_after]

    @property
    def with_unfilled_anchors(self) -> list[str]:
        """The scenarios whose rubric leaves an anchor or an example line blank (they still import)."""
        return [item.slug for item in self.plan if item.unfilled_anchors]


def _user_or_none(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def scenario_publish(*, scenario: Scenario, user: Any = None) -> Scenario:
    """Learners can find and play it from now on."""
    return _set_published(scenario=scenario, user=user, published=True)


def scenario_unpublish(*, scenario: Scenario, user: Any = None) -> Scenario:
    """Back to draft: learners no longer see it."""
    return _set_published(scenario=scenario, user=user, published=False)


def _set_published(*, scenario: Scenario, user: Any, published: bool) -> Scenario:
    scenario.published = published
    scenario.last_editor = _user_or_none(user) or scenario.last_editor
    scenario.save(update_fields=["published", "last_editor", "updated_at"])
    return scenario


def _free_slug(base: str) -> str:
    base = base[:90]
    candidate, number = f"{base}-copy", 1
    while Scenario.objects.filter(slug=candidate).exists():
        number += 1
        candidate = f"{base}-copy-{number}"
    return candidate


@transaction.atomic
def scenario_duplicate(*, scenario: Scenario, user: Any = None) -> Scenario:
    """An unpublished copy with the same points, owned by ``user``."""
    copy = Scenario.objects.get(pk=scenario.pk)
    learning, feedback = copy.learning_point_texts(), copy.feedback_point_texts()
    rubric = stored_rubric(copy)
    english = {
        "learning_points_en": [point.text_en for point in copy.learning_points.all()],
        "feedback_points_en": [point.text_en for point in copy.feedback_points.all()],
    }
    copy.pk = None
    copy.slug = _free_slug(scenario.slug)
    copy.title = f"{scenario.title}（コピー）"[:200]
    copy.title_en = f"{scenario.title_en} (copy)"[:200] if scenario.title_en else ""
    copy.published = False
    copy.author = copy.last_editor = _user_or_none(user)
    copy.save()
    scenario_points_replace(scenario=copy, learning_points=learning, feedback_points=feedback, **english)
    scenario_rubric_replace(scenario=copy, criteria=rubric)
    return copy


def _english(texts: Sequence[str], index: int) -> str:
    return texts[index] if index < len(texts) else ""


def scenario_points_replace(
    *,
    scenario: Scenario,
    learning_points: Sequence[str],
    feedback_points: Sequence[str],
    learning_points_en: Sequence[str] = (),
    feedback_points_en: Sequence[str] = (),
) -> None:
    """The scenario's learning and feedback points become exactly these, in this order.

    ``*_en`` are their English texts, one per point in the same order (a missing one stays empty).
    """
    scenario.learning_points.all().delete()
    scenario.feedback_points.all().delete()
    LearningPoint.objects.bulk_create(
        LearningPoint(scenario=scenario, text=text, text_en=_english(learning_points_en, index), order=index)
        for index, text in enumerate(learning_points)
    )
    FeedbackPoint.objects.bulk_create(
        FeedbackPoint(scenario=scenario, text=text, text_en=_english(feedback_points_en, index), order=index)
        for index, text in enumerate(feedback_points)
    )


def scenario_rubric_replace(*, scenario: Scenario, criteria: Sequence[Any]) -> None:
    """The scenario's rubric becomes exactly these criteria (``CriterionData`` or dicts of its fields), in order."""
    scenario.criteria.all().delete()
    rows = [criterion if isinstance(criterion, dict) else criterion.model_dump() for criterion in criteria]
    RubricCriterion.objects.bulk_create(
        RubricCriterion(scenario=scenario, order=index, **row) for index, row in enumerate(rows)
    )


def scenario_saved_by(*, scenario: Scenario, user: Any, created: bool) -> None:
    """Record who wrote a scenario edited in the admin."""
    editor = _user_or_none(user)
    if created and scenario.author_id is None:
        scenario.author = editor
    scenario.last_editor = editor


def scenario_consent_record(*, user: Any, scenario: Scenario) -> ScenarioConsent:
    """The learner confirmed they want to practise this sensitive scenario (recorded once)."""
    try:
        consent, _ = ScenarioConsent.objects.get_or_create(user=user, scenario=scenario)
    except IntegrityError:
        consent = ScenarioConsent.objects.get(user=user, scenario=scenario)
    return consent


def scenario_persona_fields(scenario: Scenario, *, language: str = "ja") -> dict[str, str]:
    """The partner's persona as plain data (the keys of ``llm.prompts.Persona``)."""
    return scenario.persona_fields(language=language)


# --- Import ----------------------------------------------------------------------------------


def _apply(item: PlannedScenario, *, user: Any, publish: bool) -> Scenario:
    data: ScenarioData = item.data
    scenario = Scenario.objects.select_for_update().filter(slug=data.slug).first()
    if scenario is None:
        scenario = Scenario(slug=data.slug, author=user, published=bool(data.published))
    elif data.published is not None:
        scenario.published = data.published
    if publish:
        scenario.published = True
    for name, value in scenario_values(data).items():
        setattr(scenario, name, value)
    scenario.last_editor = user or scenario.last_editor
    scenario.save()
    scenario_points_replace(
        scenario=scenario,
        learning_points=data.learning_points,
        feedback_points=data.feedback_points,
        learning_points_en=data.learning_points_en,
        feedback_points_en=data.feedback_points_en,
    )
    scenario_rubric_replace(scenario=scenario, criteria=data.rubric or [])
    return scenario


def scenario_import(
    *,
    sources: Iterable[Source],
    user: Any = None,
    publish: bool = False,
    dry_run: bool = False,
    create_only: bool = False,
) -> ImportResult:
    """Create or update scenarios from files, all or nothing.

    Scenarios are matched on their slug, so importing a file again updates them. New scenarios
    are drafts unless the file says ``published: true`` or ``publish`` is set; an update keeps
    the publishing state unless the file states it. ``create_only`` adds missing scenarios and
    leaves existing ones untouched. Raises ``ScenarioImportError``.
    """
    plan = plan_import(parse_sources(sources), publish=publish)
    if create_only:
        plan = [item for item in plan if item.action == "create"]
    if dry_run:
        return ImportResult(plan=plan, dry_run=True)
    editor = _user_or_none(user)
    with transaction.atomic():
        for item in plan:
            _apply(item, user=editor, publish=publish)
    catalog_changed()
    return ImportResult(plan=plan, dry_run=False)


def scenario_import_paths(*, paths: Iterable[str | Path], **options: Any) -> ImportResult:
    """``scenario_import`` from files and folders on disk (same keyword options)."""
    return scenario_import(sources=read_paths(paths), **options)


def builtin_scenarios_load(*, user: Any = None, create_only: bool = False) -> ImportResult:
    """Install the product's own scenarios, published (``create_only``: only those missing).

    They come with the product, so learners do not see them as new."""
    result = scenario_import_paths(paths=[BUILTIN_SCENARIOS_FILE], user=user, publish=True, create_only=create_only)
    Scenario.objects.filter(slug__in=result.created).update(published_at=None)
    return result


def _fill_points(points: Iterable[LearningPoint | FeedbackPoint], texts: Sequence[str], english: Sequence[str]) -> int:
    """Give points without English the file's English: matched on the Japanese text, else on position."""
    stored = list(points)
    by_text = {text: _english(english, index) for index, text in enumerate(texts)}
    same_count = len(stored) == len(texts)
    filled = 0
    for index, point in enumerate(stored):
        text_en = by_text.get(point.text) or (_english(english, index) if same_count else "")
        if not point.text_en.strip() and text_en:
            point.text_en = text_en
            point.save(update_fields=["text_en"])
            filled += 1
    return filled


def _fill_scenario(scenario: Scenario, data: ScenarioData) -> bool:
    """Fill the empty English fields of ``scenario`` from ``data``; the Japanese ones are never touched."""
    names = [name for name in SCENARIO_FIELDS if name.endswith("_en")]
    empty = [name for name in names if not getattr(scenario, name) and getattr(data, name)]
    for name in empty:
        setattr(scenario, name, getattr(data, name))
    if empty:
        scenario.save(update_fields=[*empty, "updated_at"])
    points = _fill_points(scenario.learning_points.all(), data.learning_points, data.learning_points_en)
    points += _fill_points(scenario.feedback_points.all(), data.feedback_points, data.feedback_points_en)
    rubric = bool(data.rubric) and (not scenario.criteria.exists() or _rubric_is_generated(scenario))
    if rubric:  # installed before scenarios had (written) rubrics
        scenario_rubric_replace(scenario=scenario, criteria=data.rubric or [])
        written = data.pass_threshold
        if written is not None and scenario.pass_threshold == GENERATED_PASS_THRESHOLD != written:
            scenario.pass_threshold = written  # the threshold came with the generated rubric too
            scenario.save(update_fields=["pass_threshold", "updated_at"])
    return bool(empty or points or rubric)


# How the rubrics generated from the feedback points (before the built-in ones were written) said "good".
GENERATED_GOOD_ENDINGS = ("と言える発言が、具体的な言葉ではっきりある",)
GENERATED_PASS_THRESHOLD = 70  # every built-in scenario's threshold while its rubric was generated


def _rubric_is_generated(scenario: Scenario) -> bool:
    """Every criterion is still the one generated from a feedback point: no trainer has edited the rubric."""
    criteria = list(scenario.criteria.all())
    return bool(criteria) and all(
        criterion.good.endswith(GENERATED_GOOD_ENDINGS) and not (criterion.fair or criterion.good_example)
        for criterion in criteria
    )


@transaction.atomic
def builtin_scenarios_fill_english() -> list[str]:
    """The slugs of built-in scenarios whose empty English texts (or missing rubric) were filled from
    the product's file.

    Only empty English fields, points without English and a scenario without any rubric criterion
    (or with the rubric generated from its feedback points before the built-in rubrics were written,
    untouched) are filled, so a trainer's edits, Japanese or English, stay as they are.
    """
    parsed = parse_sources(read_paths([BUILTIN_SCENARIOS_FILE]))
    stored = Scenario.objects.select_for_update().in_bulk([data.slug for _, data in parsed], field_name="slug")
    filled = [data.slug for _, data in parsed if data.slug in stored and _fill_scenario(stored[data.slug], data)]
    if filled:
        catalog_changed()
    return filled
