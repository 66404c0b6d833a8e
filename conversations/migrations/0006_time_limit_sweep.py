"""Practices past their time limit end with feedback (see ``conversations.time_limits``), every minute from beat."""

from django.db import migrations

from core.schedules import every_minutes


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0005_conversation_shared_with_trainer_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        every_minutes(
            1,
            task="conversations.end_timed_out_practices",
            name="End practices whose time limit ran out (every minute)",
            description=(
                "A practice still open a minute after its time limit ran out is ended, with the judge's feedback "
                "when the learner said anything."
            ),
        )
    ]
