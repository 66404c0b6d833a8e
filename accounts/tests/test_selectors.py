from datetime import UTC, datetime

import pytest

from accounts.selectors import (
    PracticeHistoryItem,
    practice_history_for_user,
    register_history_provider,
    unregister_history_provider,
    user_get_by_login,
)
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _item(kind: str, day: int) -> PracticeHistoryItem:
    return PracticeHistoryItem(
        kind=kind, id=f"{kind}-{day}", title=f"{kind} {day}", started_at=datetime(2026, 1, day, tzinfo=UTC)
    )


@pytest.fixture
def providers():
    added = []

    def add(provider):
        added.append(register_history_provider(provider))

    yield add
    for provider in added:
        unregister_history_provider(provider)


def test_it_has_no_history_when_no_app_provides_any():
    assert practice_history_for_user(UserFactory.create()) == []


def test_it_merges_every_provider_newest_first(providers):
    providers(lambda user: [_item("chat", 1), _item("chat", 5)])
    providers(lambda user: [_item("scenario", 3)])

    history = practice_history_for_user(UserFactory.create())

    assert [item.id for item in history] == ["chat-5", "scenario-3", "chat-1"]


def test_it_asks_providers_about_the_given_user_only(providers):
    owner, other = UserFactory.create(), UserFactory.create()
    providers(lambda user: [_item("chat", 2)] if user == owner else [])

    assert len(practice_history_for_user(owner)) == 1
    assert practice_history_for_user(other) == []


def test_it_ignores_a_provider_registered_twice(providers):
    def provider(user):
        return [_item("watch", 4)]

    providers(provider)
    register_history_provider(provider)

    assert len(practice_history_for_user(UserFactory.create())) == 1


def test_it_finds_a_user_by_username_or_email_and_nobody_for_unknown_names():
    user = UserFactory.create(username="Hanako", email="hanako@example.com")

    assert user_get_by_login("hanako") == user
    assert user_get_by_login("Hanako@Example.com") == user
    assert user_get_by_login("nobody") is None
