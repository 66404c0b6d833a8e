"""``manage.py interrupt_stale_replies``: the stale-reply sweep, run once (Celery beat runs it every 5 minutes)."""

from typing import Any

from django.core.management.base import BaseCommand

from conversations.sweeps import interrupt_stale_replies


class Command(BaseCommand):
    help = 'Mark replies left "streaming" for longer than REPLY_STALE_MINUTES as interrupted (their text is kept).'

    def handle(self, *args: Any, **options: Any) -> None:
        counts = interrupt_stale_replies()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
