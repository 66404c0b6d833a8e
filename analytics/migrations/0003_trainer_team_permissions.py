"""Trainers (group "trainer") set up teams in the admin: give the group the team permissions."""

from django.db import migrations

from accounts.trainer_permissions import grant_to_trainers

CODENAMES = ("add_team", "change_team", "delete_team", "view_team")


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_report_schedules"),
        ("accounts", "0002_trainer_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grant_to_trainers('analytics', CODENAMES)]
