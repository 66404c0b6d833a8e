"""Test data for watch mode."""

import factory

from accounts.tests.factories import UserFactory
from conversations.models import Status
from watch.models import Author, Pace, State, WatchMessage, WatchSession
from watch.themes import persona_preset, theme_for


def _personas() -> list[dict[str, str]]:
    return [persona_preset("colleague").as_dict(), persona_preset("senior").as_dict()]  # type: ignore[union-attr]


def _metadata() -> dict[str, object]:
    theme = theme_for("smalltalk")
    assert theme is not None
    return {
        "brief": {"situation": theme.situation, "instructions": theme.instructions},
        "points": [],
        "run_seconds": 0.0,
    }


class WatchSessionFactory(factory.django.DjangoModelFactory[WatchSession]):
    """A running small-talk session between a colleague (seat 0) and a senior colleague (seat 1)."""

    class Meta:
        model = WatchSession

    user = factory.SubFactory(UserFactory)
    theme = "smalltalk"
    title = "雑談"
    ai_personas = factory.LazyFunction(_personas)
    state = State.RUNNING
    pace = Pace.FAST
    metadata = factory.LazyFunction(_metadata)


class WatchMessageFactory(factory.django.DjangoModelFactory[WatchMessage]):
    class Meta:
        model = WatchMessage

    session = factory.SubFactory(WatchSessionFactory)
    persona = 0
    author = Author.AI
    content = "お疲れさまです。"
    status = Status.COMPLETE
    seq = factory.Sequence(lambda n: n + 1)
