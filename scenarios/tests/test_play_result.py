"""A play's feedback makes it an attempt: ``ScenarioPlay.feedback_at`` is set once, after the commit."""

from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from analytics.tests.factories import judge_answer
from conversations import services
from conversations.feedback import FeedbackReport
from conversations.models import Mode
from scenarios.models import ScenarioPlay
from scenarios.play import scenario_play_start
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def _store(conversation: Any) -> Any:
    return services.feedback_store(
        conversation=conversation, report=FeedbackReport.model_validate(judge_answer()), metadata={}
    )


def test_storing_a_plays_feedback_marks_the_play_as_an_attempt(django_capture_on_commit_callbacks: Any) -> None:
    conversation = scenario_play_start(user=UserFactory(), scenario=ScenarioFactory())
    with django_capture_on_commit_callbacks(execute=True):
        feedback = _store(conversation)
    play = ScenarioPlay.objects.get(conversation=conversation)
    assert play.feedback_at == feedback.created_at
    assert play.rubric_total is None and play.passed is None


def test_only_the_first_feedback_counts(django_capture_on_commit_callbacks: Any) -> None:
    conversation = scenario_play_start(user=UserFactory(), scenario=ScenarioFactory())
    with django_capture_on_commit_callbacks(execute=True):
        first = _store(conversation)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _store(conversation)
    assert callbacks == []  # nothing announced for a feedback that was already there
    assert ScenarioPlay.objects.get(conversation=conversation).feedback_at == first.created_at


def test_a_chats_feedback_touches_no_play(django_capture_on_commit_callbacks: Any) -> None:
    other = scenario_play_start(user=UserFactory(), scenario=ScenarioFactory())
    chat = services.conversation_start(user=other.user, mode=Mode.CHAT, title="雑談", metadata={})
    with django_capture_on_commit_callbacks(execute=True):
        _store(chat)
    assert ScenarioPlay.objects.get(conversation=other).feedback_at is None
