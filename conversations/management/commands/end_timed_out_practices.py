"""``manage.py end_timed_out_practices``: end practices past their time limit, once (beat runs it every minute)."""

from typing import Any

from django.core.management.base import BaseCommand

from conversations.time_limits import end_timed_out_practices


class Command(BaseCommand):
    help = "End every practice whose time limit ran out, with the judge's feedback when the learner said anything."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = end_timed_out_practices()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
