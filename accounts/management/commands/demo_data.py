"""``manage.py demo_data``: demo users to try the product with, then every app's demo data."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.services import DEMO_USERS, demo_user_ensure, trainer_group_ensure
from accounts.signals import demo_data_requested


class Command(BaseCommand):
    help = "Create (or reset) a demo learner, a trainer and an admin, then let each app add its demo data."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            trainer_group_ensure()
            users = {spec.role: demo_user_ensure(spec=spec) for spec in DEMO_USERS}
        self.stdout.write("Demo users (for trying the product only; never keep them in production):")
        for spec in DEMO_USERS:
            self.stdout.write(f"  {spec.role:<8} username: {spec.username:<8} password: {spec.password}")
        demo_data_requested.send(sender=self.__class__, users=users, stdout=self.stdout)
