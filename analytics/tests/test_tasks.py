"""A session ends -> its strength analysis is enqueued on commit, retried, validated, stored."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from analytics import services
from analytics.models import AnalysisStatus, StrengthAnalysis
from analytics.sources import SessionSource, register_source, unregister_source
from analytics.tasks import MAX_RETRIES, analyse_session, requeue_stale_analyses
from analytics.tests.factories import conversation_with_lines, judge_answer
from conversations import services as conversation_services
from conversations.models import Conversation, Feedback
from conversations.signals import practice_ended

pytestmark = pytest.mark.django_db

LINE = "お忙しいところすみません、少しご相談してもよろしいですか？"


def _end(conversation: Conversation, capture: Any) -> list[Any]:
    """End the conversation; return the callbacks its commit would run."""
    with capture(execute=False) as callbacks:
        conversation_services.conversation_end(conversation=conversation)
    return callbacks


def _commit(callbacks: list[Any], capture: Any) -> None:
    with capture(execute=True):
        for callback in callbacks:
            callback()


def test_it_enqueues_the_analysis_only_when_the_session_end_commits(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_llm.reply_json(judge_answer(default=70, active_listening=82, quote=LINE))
    conversation = conversation_with_lines(lines=(LINE,))

    callbacks = _end(conversation, django_capture_on_commit_callbacks)
    assert not StrengthAnalysis.objects.exists() and fake_llm.requests == []

    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        for callback in callbacks:
            callback()  # the end commits: practice_ended is sent
    pending = StrengthAnalysis.objects.get(conversation=conversation)
    assert pending.status == AnalysisStatus.PENDING and fake_llm.requests == []
    assert len(enqueued) >= 1

    _commit(enqueued, django_capture_on_commit_callbacks)  # the request commits: the task runs
    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.DONE and analysis.attempts == 1
    assert analysis.scores["active_listening"] == {"score": 82, "evidence": [LINE]}
    assert analysis.top_strengths[0]["quote"] == LINE
    assert analysis.analyzed_at is not None and analysis.user == conversation.user
    assert len(fake_llm.requests) == 1
    assert LINE in fake_llm.requests[0]["messages"][-1]["content"]


def test_it_retries_a_failed_judge_and_then_stores_the_answer(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_llm.fail(status=500)
    fake_llm.reply_json(judge_answer(default=64, quote=LINE))
    conversation = conversation_with_lines(lines=(LINE,))

    _commit(_end(conversation, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)

    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.attempts == 2
    assert analysis.scores["clarity"]["score"] == 64
    assert len(fake_llm.requests) == 2


def test_it_marks_the_analysis_failed_after_the_last_retry_without_any_scores(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_llm.fail(status=503)
    conversation = conversation_with_lines(lines=(LINE,))

    _commit(_end(conversation, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)

    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.FAILED
    assert analysis.attempts == MAX_RETRIES + 1
    assert analysis.scores == {} and analysis.top_strengths == [] and analysis.analyzed_at is None
    assert analysis.error


def test_it_rejects_malformed_scores(fake_llm: Any, django_capture_on_commit_callbacks: Any) -> None:
    nonsense = judge_answer()
    nonsense["scores"]["empathy"] = 900
    fake_llm.reply_json(nonsense)  # answered again for the repair round
    conversation = conversation_with_lines(lines=(LINE,))

    _commit(_end(conversation, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)

    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.FAILED
    assert analysis.scores == {} and analysis.attempts == 1
    assert not StrengthAnalysis.objects.filter(status=AnalysisStatus.DONE).exists()


def test_it_rejects_an_unknown_strength_axis(fake_llm: Any, django_capture_on_commit_callbacks: Any) -> None:
    answer = judge_answer(quote=LINE)
    answer["top_strengths"] = [{"axis": "charisma", "reason": "?", "quote": LINE}]
    fake_llm.reply_json(answer)
    conversation = conversation_with_lines(lines=(LINE,))

    _commit(_end(conversation, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)

    assert StrengthAnalysis.objects.get(conversation=conversation).status == AnalysisStatus.FAILED


def test_it_keeps_only_quotes_that_are_the_learners_own_lines(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Feedback stored before every quote was checked against the learner's lines is copied
    without the quotes the learner never said."""
    answer = judge_answer(quote="わたしは完璧な提案をしました")  # never said
    answer["evidence"]["clarity"] = [{"quote": "少しご相談"}, {"quote": "そうですね。"}]  # own line / partner's line
    conversation = conversation_with_lines(lines=(LINE,))
    Feedback.objects.create(conversation=conversation, content=answer, metadata={})

    _commit(_end(conversation, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)

    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.scores["clarity"]["evidence"] == ["少しご相談"]
    assert analysis.scores["empathy"]["evidence"] == []
    assert analysis.top_strengths[0]["quote"] == ""
    assert fake_llm.requests == []  # the stored feedback is copied, the judge is not asked


def test_a_judge_quoting_lines_the_learner_never_said_is_repaired_once(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    unsaid = judge_answer(quote="わたしは完璧な提案をしました")  # never said
    fake_llm.reply_json(unsaid)
    fake_llm.reply_json(judge_answer(default=64, quote=LINE))
    conversation = conversation_with_lines(lines=(LINE,))

    _commit(_end(conversation, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)

    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.scores["clarity"] == {"score": 64, "evidence": [LINE]}
    assert "never said" in fake_llm.requests[1]["messages"][-1]["content"]


def test_a_judge_that_keeps_quoting_unsaid_lines_stores_no_scores(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_llm.reply_json(judge_answer(quote="わたしは完璧な提案をしました"))  # answered again for the repair round
    conversation = conversation_with_lines(lines=(LINE,))

    _commit(_end(conversation, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)

    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.FAILED and analysis.scores == {}
    assert not Feedback.objects.filter(conversation=conversation).exists()
    assert len(fake_llm.requests) == 2


def test_it_does_not_analyse_a_session_in_which_the_learner_said_nothing(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = conversation_with_lines(lines=())

    _commit(_end(conversation, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)

    assert not StrengthAnalysis.objects.exists()
    assert fake_llm.requests == []


def test_a_done_analysis_is_not_redone_when_the_task_runs_again(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_llm.reply_json(judge_answer(default=55, quote=LINE))
    conversation = conversation_with_lines(lines=(LINE,))
    _commit(_end(conversation, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)
    analysis = StrengthAnalysis.objects.get(conversation=conversation)

    assert analyse_session.delay(analysis.pk).get() == "skipped"
    assert len(fake_llm.requests) == 1


class _OtherKind:
    """Stands for another kind of session (e.g. a watch session) announcing its end."""


def test_a_registered_source_feeds_its_own_sessions_to_the_analysis(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from analytics.sources import load_conversation

    fake_llm.reply_json(judge_answer(default=61, quote=LINE))
    conversation = conversation_with_lines(lines=(LINE,))
    conversation_services.conversation_end(conversation=conversation)
    register_source(SessionSource(kind="other", field="conversation", sender=_OtherKind, load=load_conversation))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            practice_ended.send(sender=_OtherKind, user=conversation.user, session_id=conversation.pk, mode="watch")
    finally:
        unregister_source("other")

    analysis = StrengthAnalysis.objects.get()
    assert analysis.source == "other" and analysis.status == AnalysisStatus.DONE
    assert analysis.scores["empathy"]["score"] == 61


def test_with_no_model_configured_the_offline_demo_judge_still_analyses(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_llm.configure(OPENAI_API_BASE="")  # no provider at all: the embedded default's demo partner
    conversation = conversation_with_lines(lines=(LINE, "ありがとうございます、助かります。"))

    _commit(_end(conversation, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks)

    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.DONE and analysis.metadata["demo"] is True
    assert all(0 <= value["score"] <= 100 for value in analysis.scores.values())
    quotes = [quote for value in analysis.scores.values() for quote in value["evidence"]]
    assert quotes and set(quotes) <= {LINE, "ありがとうございます、助かります。"}
    assert fake_llm.requests == []


def test_a_stepped_in_watch_session_is_analysed_through_its_own_source(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import timezone

    from watch.models import Author, WatchSession
    from watch.tests.factories import WatchMessageFactory, WatchSessionFactory

    fake_llm.reply_json(judge_answer(default=67, quote="その案、いいですね。"))
    session = WatchSessionFactory(seat=1, ended_at=timezone.now())
    WatchMessageFactory(session=session, persona=0, content="新しい企画、どう思う？")
    WatchMessageFactory(session=session, persona=1, author=Author.LEARNER, content="その案、いいですね。")

    with django_capture_on_commit_callbacks(execute=True):
        practice_ended.send(sender=WatchSession, user=session.user, session_id=session.id, mode="watch")

    analysis = StrengthAnalysis.objects.get(watch_session=session)
    assert analysis.source == "watch" and analysis.mode == "watch" and analysis.conversation is None
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.scores["empathy"] == {"score": 67, "evidence": ["その案、いいですね。"]}


@pytest.mark.django_db(transaction=True)
async def test_a_session_ended_from_async_code_is_analysed_in_process(fake_llm: Any) -> None:
    """As the chat socket does it: the end is committed from a thread of the event loop."""
    from channels.db import database_sync_to_async

    fake_llm.reply_json(judge_answer(default=73, quote=LINE))
    conversation = await database_sync_to_async(conversation_with_lines)(lines=(LINE,))

    await database_sync_to_async(conversation_services.conversation_end)(conversation=conversation)

    analysis = await database_sync_to_async(StrengthAnalysis.objects.get)(conversation=conversation)
    assert analysis.status == AnalysisStatus.DONE and analysis.scores["clarity"]["score"] == 73


def test_an_analysis_whose_task_was_lost_is_enqueued_again_and_done(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_llm.reply_json(judge_answer(default=66, quote=LINE))
    lost, recent, done = (conversation_with_lines(lines=(LINE,)) for _ in range(3))
    for conversation in (lost, recent, done):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the task never reaches the broker
            conversation_services.conversation_end(conversation=conversation)
        with django_capture_on_commit_callbacks(execute=False):
            for callback in callbacks:
                callback()
    eleven_minutes_ago = timezone.now() - timedelta(minutes=11)
    StrengthAnalysis.objects.filter(conversation__in=[lost, done]).update(updated_at=eleven_minutes_ago)
    StrengthAnalysis.objects.filter(conversation=done).update(status=AnalysisStatus.DONE)

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale_analyses.delay().get() == 1

    assert StrengthAnalysis.objects.get(conversation=lost).status == AnalysisStatus.DONE
    assert StrengthAnalysis.objects.get(conversation=recent).status == AnalysisStatus.PENDING
    assert len(fake_llm.requests) == 1
    assert services.analyses_requeue_stale() == 0  # nothing left behind


def test_the_requeue_runs_every_five_minutes_from_the_database_scheduler() -> None:
    task = PeriodicTask.objects.get(task="analytics.requeue_stale_analyses")
    assert task.enabled and task.crontab is None
    assert (task.interval.every, task.interval.period) == (5, "minutes")
