"""Test data for scenarios."""

from typing import Any

import factory

from scenarios.models import Category, Difficulty, FeedbackPoint, LearningPoint, Scenario


class ScenarioFactory(factory.django.DjangoModelFactory[Scenario]):
    """A published beginner scenario with three learning and three feedback points.

    ``ScenarioFactory.create(learning_points=["..."], feedback_points=["..."])`` sets the points.
    """

    class Meta:
        model = Scenario
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"scenario-{n}")
    title = factory.Sequence(lambda n: f"上司に進捗を報告する{n}")
    title_en = factory.Sequence(lambda n: f"Reporting progress to your manager {n}")
    description = "上司に仕事の進み具合を報告する練習です。"
    description_en = "Practise reporting progress to your manager."
    category = Category.REPORTING
    difficulty = Difficulty.BEGINNER
    tags = factory.LazyFunction(lambda: ["報告", "上司"])
    ai_role = "課長（40代）"
    learner_role = "入社2年目の担当者"
    personality = "せっかちだが面倒見がよい。"
    speaking_style = "短く要点を聞く。"
    situation = "金曜の夕方、課長の席で。"
    opening_line = "お、どうしたの？"
    published = True

    @factory.post_generation
    def learning_points(obj: Scenario, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        texts = extracted if extracted is not None else ["結論から話す", "事実を伝える", "対策を示す"]
        if create:
            LearningPoint.objects.bulk_create(
                LearningPoint(scenario=obj, text=text, order=i) for i, text in enumerate(texts)
            )

    @factory.post_generation
    def feedback_points(obj: Scenario, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        texts = extracted if extracted is not None else ["結論が先か", "事実が具体的か", "対策があるか"]
        if create:
            FeedbackPoint.objects.bulk_create(
                FeedbackPoint(scenario=obj, text=text, order=i) for i, text in enumerate(texts)
            )


def import_item(**fields: Any) -> dict[str, Any]:
    """One scenario in the product's import shape (``fields`` added or replaced; ``None`` leaves a key out)."""
    item: dict[str, Any] = {
        "slug": "report-delay",
        "title": "遅れを報告する",
        "description": "締切に遅れそうなことを伝える。",
        "difficulty": "初級",
        "ai_role": "課長",
        "learner_role": "担当者",
        "situation": "水曜の午後。",
        "learning_points": ["結論から話す"],
        "feedback_points": ["結論が先か"],
        **fields,
    }
    return {key: value for key, value in item.items() if value is not None}


def admin_form(scenario: Scenario, **fields: Any) -> dict[str, Any]:
    """The admin change form of ``scenario`` as posted, with no point rows (``fields`` added or replaced)."""
    return {
        "title": scenario.title,
        "slug": scenario.slug,
        "description": scenario.description,
        "category": scenario.category,
        "difficulty": scenario.difficulty,
        "tags": "報告",
        "ai_role": scenario.ai_role,
        "learner_role": scenario.learner_role,
        "situation": scenario.situation,
        "settings": "{}",
        "graded_messages": "{}",
        "pass_threshold": "70",
        "role_type": "standard",
        **{
            f"{prefix}-{key}": value
            for prefix in ("learning_points", "feedback_points")
            for key, value in {
                "TOTAL_FORMS": "0",
                "INITIAL_FORMS": "0",
                "MIN_NUM_FORMS": "0",
                "MAX_NUM_FORMS": "1000",
            }.items()
        },
        **fields,
    }
