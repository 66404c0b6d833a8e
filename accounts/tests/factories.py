"""Test data for accounts, reused by every app's tests."""

from typing import Any

import factory
from django.contrib.auth.models import Group

from accounts.models import DEFAULT_PREFERENCES, TRAINER_GROUP, User

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A learner whose password is ``DEFAULT_PASSWORD``.

    ``UserFactory(trainer=True)`` makes a staff member of the trainer group;
    ``UserFactory(password="...")`` sets another password. ``UserFactory.create(...)`` is the
    same call, typed as returning a ``User`` for mypy.
    """

    class Meta:
        model = User

        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    display_name = factory.Sequence(lambda n: f"学習者{n}")
    preferences = factory.LazyFunction(lambda: dict(DEFAULT_PREFERENCES))
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def trainer(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create and extracted:
            obj.is_staff = True
            obj.save(update_fields=["is_staff"])
            obj.groups.add(Group.objects.get_or_create(name=TRAINER_GROUP)[0])
