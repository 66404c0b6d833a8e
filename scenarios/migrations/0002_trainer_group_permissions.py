"""Trainers (group "trainer") may author scenarios: give the group the scenario permissions."""

from django.db import migrations

from accounts.trainer_permissions import grant_to_trainers

AUTHORING = {
    "scenario": ("add", "change", "delete", "view"),
    "learningpoint": ("add", "change", "delete", "view"),
    "feedbackpoint": ("add", "change", "delete", "view"),
    "scenarioconsent": ("view",),
}
CODENAMES = [f"{action}_{model}" for model, actions in AUTHORING.items() for action in actions]


class Migration(migrations.Migration):
    dependencies = [
        ("scenarios", "0001_initial"),
        ("accounts", "0002_trainer_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grant_to_trainers('scenarios', CODENAMES)]
