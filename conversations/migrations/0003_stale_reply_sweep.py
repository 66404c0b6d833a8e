"""The periodic sweep of replies left "streaming" (see ``conversations.sweeps``), in beat's database scheduler."""

from django.db import migrations

from core.schedules import every_minutes


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_message_content_trigram"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        every_minutes(
            5,
            task="conversations.interrupt_stale_replies",
            name="Interrupt replies left streaming (every 5 minutes)",
            description=(
                'Replies still "streaming" REPLY_STALE_MINUTES (10) minutes after they began (their process died, '
                "or the database refused their final writes) are kept as interrupted, with their text."
            ),
        )
    ]
