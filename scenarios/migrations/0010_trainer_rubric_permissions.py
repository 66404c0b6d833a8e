"""Trainers (group "trainer") edit the rubric criteria inline: give the group their permissions."""

from django.db import migrations

from accounts.trainer_permissions import grant_to_trainers

CODENAMES = [f"{action}_rubriccriterion" for action in ("add", "change", "delete", "view")]


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0009_scenario_time_limit"), ("scenarios", "0002_trainer_group_permissions")]

    operations = [grant_to_trainers("scenarios", CODENAMES)]
