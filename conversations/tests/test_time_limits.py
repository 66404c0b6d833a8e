"""A practice past its time limit ends with feedback, whichever client was open (``conversations.time_limits``)."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from conversations.models import Feedback
from conversations.services import ConversationClosedError, OutOfTimeError, message_append_user
from conversations.tests.factories import ConversationFactory, MessageFactory
from conversations.time_limits import GRACE, end_timed_out_practices
from testing.migrations import migrate_to, migrate_to_latest

pytestmark = pytest.mark.django_db


def _timed(minutes_ago: float, *, lines: list[str] = ()) -> Any:  # type: ignore[assignment]
    ends = timezone.now() - timedelta(minutes=minutes_ago)
    conversation = ConversationFactory(metadata={"language": "ja", "ends_at": ends.isoformat()})
    for line in lines:
        MessageFactory(conversation=conversation, role="user", content=line)
    return conversation


def _judge_calls(fake_llm: Any) -> int:
    return sum(1 for body in fake_llm.requests if body.get("response_format"))


def test_it_ends_a_timed_out_practice_with_the_judges_feedback_once(fake_llm: Any) -> None:
    fake_llm.answer_json_requests()
    conversation = _timed(2, lines=["遅れそうです。月曜に出します。"])

    assert end_timed_out_practices() == {"with_feedback": 1, "without_lines": 0, "judge_failed": 0}
    conversation.refresh_from_db()
    assert conversation.ended_at is not None
    assert Feedback.objects.get(conversation=conversation).content["scores"]
    assert _judge_calls(fake_llm) == 1

    assert end_timed_out_practices() == {"with_feedback": 0, "without_lines": 0, "judge_failed": 0}
    assert _judge_calls(fake_llm) == 1  # ended once, judged once


def test_it_ends_a_silent_practice_without_feedback_and_leaves_the_rest(fake_llm: Any) -> None:
    silent = _timed(2)
    in_grace = _timed(GRACE.total_seconds() / 120, lines=["まだ話しています"])  # the page asks at this moment
    running = _timed(-5, lines=["まだ時間があります"])
    untimed = ConversationFactory()
    MessageFactory(conversation=untimed, role="user", content="時間制限なし")

    assert end_timed_out_practices() == {"with_feedback": 0, "without_lines": 1, "judge_failed": 0}
    for conversation, ended in ((silent, True), (in_grace, False), (running, False), (untimed, False)):
        conversation.refresh_from_db()
        assert (conversation.ended_at is not None) is ended
    assert not Feedback.objects.exists() and _judge_calls(fake_llm) == 0


def test_it_ends_the_practice_even_when_the_judge_fails(fake_llm: Any) -> None:
    fake_llm.fail(status=500)
    conversation = _timed(3, lines=["報告します"])

    assert end_timed_out_practices()["judge_failed"] == 1
    conversation.refresh_from_db()
    assert conversation.ended_at is not None and not Feedback.objects.exists()


def test_a_line_after_the_time_limit_is_refused_as_time_up() -> None:
    conversation = _timed(0.01)
    with pytest.raises(OutOfTimeError) as refused:
        message_append_user(conversation=conversation, text="もう一言", client_id="late")
    assert refused.value.code == "time_up"
    with translation.override("ja"):
        assert "時間切れ" in refused.value.message
    with translation.override("en"):
        assert "Time is up" in refused.value.message
    assert isinstance(refused.value, ConversationClosedError)
    assert not conversation.messages.exists()


def test_the_command_runs_it_once(fake_llm: Any, capsys: Any) -> None:
    _timed(2)
    call_command("end_timed_out_practices")
    assert "without_lines: 1" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_schedule_comes_with_its_migration_and_goes_when_it_is_undone() -> None:
    task = "conversations.end_timed_out_practices"
    try:
        before = migrate_to(("conversations", "0005_conversation_shared_with_trainer_at"))
        assert not before.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=task).exists()
        after = migrate_to(("conversations", "0006_time_limit_sweep"))
        scheduled = after.get_model("django_celery_beat", "PeriodicTask").objects.get(task=task)
        assert (scheduled.interval.every, scheduled.interval.period, scheduled.enabled) == (1, "minutes", True)
        back = migrate_to(("conversations", "0005_conversation_shared_with_trainer_at"))
        assert not back.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=task).exists()
    finally:
        migrate_to_latest()
