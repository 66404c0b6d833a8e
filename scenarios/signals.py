"""Any change to a scenario or its points makes cached catalog answers stale."""

from typing import Any

from django.db.models.signals import post_delete, post_save

from scenarios.cache import catalog_changed
from scenarios.models import FeedbackPoint, LearningPoint, Scenario
from scenarios.services import builtin_scenarios_fill_english, builtin_scenarios_load


def _catalog_changed(sender: type, **kwargs: Any) -> None:
    catalog_changed()


def connect() -> None:
    for model in (Scenario, LearningPoint, FeedbackPoint):
        post_save.connect(_catalog_changed, sender=model, dispatch_uid=f"scenarios-cache-save-{model.__name__}")
        post_delete.connect(_catalog_changed, sender=model, dispatch_uid=f"scenarios-cache-delete-{model.__name__}")


def load_builtin_scenarios(sender: Any = None, **kwargs: Any) -> None:
    """Receiver of ``accounts.signals.demo_data_requested``: add the built-in scenarios that are missing.

    Scenarios already there are left as trainers edited them, so running demo data again is harmless;
    only their empty English texts are filled in.
    """
    users = kwargs.get("users") or {}
    result = builtin_scenarios_load(user=users.get("trainer"), create_only=True)
    filled = builtin_scenarios_fill_english()
    stdout = kwargs.get("stdout")
    if stdout is not None:
        added = len(result.created)
        stdout.write(f"Scenarios: {added} built-in scenarios added; {Scenario.objects.count()} in the catalog.")
        if filled:
            stdout.write(f"Scenarios: English texts added to {len(filled)} built-in scenarios.")
