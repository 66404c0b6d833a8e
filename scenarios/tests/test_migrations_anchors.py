"""The migration that gives rubric criteria their middle anchor and example lines keeps every
criterion valid, forward and backward."""

from typing import Any

import pytest

from testing.migrations import migrate_to, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = ("scenarios", "0010_trainer_rubric_permissions")
AFTER = ("scenarios", "0011_rubric_anchors")
NEW_FIELDS = (
    "good_example",
    "good_example_en",
    "fair",
    "fair_en",
    "fair_example",
    "fair_example_en",
    "poor_example",
    "poor_example_en",
)


def _criterion(apps: Any) -> Any:
    scenario = apps.get_model("scenarios", "Scenario").objects.create(
        slug="mig-anchors", title="報告", description="d", ai_role="課長", learner_role="部下", situation="s"
    )
    return apps.get_model("scenarios", "RubricCriterion").objects.create(
        scenario=scenario, name="結論が先", weight=2, good="最初に遅れを言う", poor="最後まで言わない"
    )


def test_it_keeps_criteria_stored_before_with_blank_new_anchors_and_can_be_undone() -> None:
    try:
        old = migrate_to(BEFORE)
        criterion_id = _criterion(old).pk
        new = migrate_to(AFTER)
        criterion = new.get_model("scenarios", "RubricCriterion").objects.get(pk=criterion_id)
        assert (criterion.name, criterion.weight, criterion.good, criterion.poor) == (
            "結論が先",
            2,
            "最初に遅れを言う",
            "最後まで言わない",
        )
        assert [getattr(criterion, name) for name in NEW_FIELDS] == [""] * len(NEW_FIELDS)
        criterion.fair, criterion.fair_example = "遅れは言うが最後に", "いろいろあって、遅れそうです。"
        criterion.save()
        back = migrate_to(BEFORE)
        kept = back.get_model("scenarios", "RubricCriterion").objects.get(pk=criterion_id)
        assert (kept.good, kept.poor) == ("最初に遅れを言う", "最後まで言わない")
        assert not hasattr(kept, "fair")
    finally:
        migrate_to_latest()
