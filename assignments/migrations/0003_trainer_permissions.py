"""Trainers (group "trainer") assign practice in the admin too: give the group the assignment permissions."""

from django.db import migrations

from accounts.trainer_permissions import grant_to_trainers

CODENAMES = (
    "add_assignment",
    "change_assignment",
    "view_assignment",
    "add_assignmentstep",
    "change_assignmentstep",
    "delete_assignmentstep",
    "view_assignmentstep",
)


class Migration(migrations.Migration):
    dependencies = [
        ("assignments", "0002_reminder_schedule"),
        ("accounts", "0002_trainer_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grant_to_trainers('assignments', CODENAMES)]
