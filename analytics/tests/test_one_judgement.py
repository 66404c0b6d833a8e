"""One judgement per practice: the judge is asked once when a session ends, and the feedback panel
and My progress show the same six numbers for it.

The fake judge answers like a real model would: a second call would give other numbers, so any
second judgement of the same session shows up as a difference (and as a second request).
"""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from analytics import services as analysis_services
from analytics.models import AnalysisStatus, StrengthAnalysis
from analytics.tests.factories import StrengthAnalysisFactory, conversation_with_lines, judge_answer
from conversations import judging
from conversations import services as conversation_services
from conversations.feedback import AXIS_NAMES, FeedbackReport, axis_label
from conversations.models import Feedback
from core.db import db_call
from scenarios.play import scenario_play_start
from scenarios.tests.factories import ScenarioFactory
from watch import services as watch_services
from watch.models import Author, State, WatchSession
from watch.tests.factories import WatchMessageFactory, WatchSessionFactory

pytestmark = pytest.mark.django_db

LINE = "お忙しいところすみません、少しご相談してもよろしいですか？"
FIRST = dict(zip(AXIS_NAMES, (71, 62, 83, 54, 45, 96), strict=True))
SECOND = dict(zip(AXIS_NAMES, (12, 23, 34, 45, 56, 67), strict=True))


def _script_two_different_answers(fake_llm: Any, quote: str = LINE) -> None:
    fake_llm.reply_json(judge_answer(quote=quote, **FIRST))
    fake_llm.reply_json(judge_answer(quote=quote, **SECOND))


def _page(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _panel_numbers(html: str) -> dict[str, int]:
    """The feedback panel's six scores, by axis label."""
    rows = re.findall(r"<dt>([^<]+)</dt><dd><meter[^>]*>(\d+)</meter>", html)
    return {label: int(value) for label, value in rows}


def _progress_numbers(html: str) -> dict[str, int]:
    """My progress: the last 30 days' column of the six strengths table, by axis label."""
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>(\d+)</td>', html)
    return {label: int(value) for label, value in rows}


def _labelled(scores: dict[str, int]) -> dict[str, int]:
    return {axis_label(axis, "ja"): value for axis, value in scores.items()}


def _api_strengths(user: Any) -> dict[str, int]:
    latest = _api(user).get("/api/v1/analytics/strengths").json()["latest"]
    return {axis: value["score"] for axis, value in latest["scores"].items()}


def _stepped_in() -> WatchSession:
    session = WatchSessionFactory(state=State.STEPPED_IN, seat=1, stepped_in_after=1)
    WatchMessageFactory(session=session, persona=0, content="新しい企画、どう思う？", seq=1)
    WatchMessageFactory(session=session, persona=1, author=Author.LEARNER, content="その案、いいですね。", seq=2)
    return session


@pytest.fixture
def no_watch_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    """The watch runner (turns and the wrap-up commentary) is not what these tests count."""
    monkeypatch.setattr(watch_services, "dispatch", lambda session_id: None)


def test_a_chat_is_judged_once_and_the_panel_and_my_progress_show_the_same_numbers(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _script_two_different_answers(fake_llm)
    conversation = conversation_with_lines(lines=(LINE,))
    client = _page(conversation.user)

    with django_capture_on_commit_callbacks(execute=True):
        panel = client.post(f"/chat/{conversation.id}/feedback/", HTTP_HX_REQUEST="true").content.decode()

    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert len(fake_llm.requests) == 1
    assert analysis.status == AnalysisStatus.DONE and analysis.scores["clarity"] == {"score": 62, "evidence": [LINE]}
    assert _panel_numbers(panel) == _labelled(FIRST)
    assert _progress_numbers(client.get("/progress/").content.decode()) == _labelled(FIRST)
    shown_again = client.get(f"/chat/{conversation.id}/").content.decode()
    assert _panel_numbers(shown_again) == _labelled(FIRST)
    assert len(fake_llm.requests) == 1


def test_a_chat_feedback_asked_through_the_api_is_the_one_my_progress_shows(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _script_two_different_answers(fake_llm)
    conversation = conversation_with_lines(lines=(LINE,))

    with django_capture_on_commit_callbacks(execute=True):
        response = _api(conversation.user).post(
            "/api/v1/chat/feedback", {"conversation_id": str(conversation.id)}, format="json"
        )

    assert response.status_code == 200 and response.json()["feedback"]["scores"] == FIRST
    assert _api_strengths(conversation.user) == FIRST
    assert len(fake_llm.requests) == 1


def test_a_scenario_is_judged_once_with_its_points_and_my_progress_shows_the_same_numbers(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    answer = judge_answer(quote=LINE, **FIRST)
    answer["point_scores"] = [{"point": "結論から話せたか", "score": 88, "comment": "明確"}]
    fake_llm.reply_json(answer)
    fake_llm.reply_json(judge_answer(quote=LINE, **SECOND))
    user = UserFactory()
    conversation = scenario_play_start(user=user, scenario=ScenarioFactory(feedback_points=["結論から話せたか"]))
    conversation.messages.create(role="user", content=LINE)
    requests_before = len(fake_llm.requests)  # the partner's opening line, if any

    with django_capture_on_commit_callbacks(execute=True):
        response = _api(user).post(
            "/api/v1/scenarios/feedback", {"conversation_id": str(conversation.id)}, format="json"
        )

    feedback = response.json()["feedback"]
    assert response.status_code == 200 and feedback["scores"] == FIRST
    assert feedback["point_scores"][0]["score"] == 88
    assert len(fake_llm.requests) - requests_before == 1
    assert "結論から話せたか" in str(fake_llm.requests[-1]["messages"])
    assert _api_strengths(user) == FIRST
    assert _progress_numbers(_page(user).get("/progress/").content.decode()) == _labelled(FIRST)


def test_a_stepped_in_watch_session_is_judged_once_and_my_progress_shows_its_feedback(
    fake_llm: Any, django_capture_on_commit_callbacks: Any, no_watch_runner: None
) -> None:
    _script_two_different_answers(fake_llm, quote="その案、いいですね。")
    session = _stepped_in()
    client = _page(session.user)

    with django_capture_on_commit_callbacks(execute=True):
        panel = client.post(reverse("watch:feedback", args=[session.id]), HTTP_HX_REQUEST="true").content.decode()

    analysis = StrengthAnalysis.objects.get(watch_session=session)
    assert len(fake_llm.requests) == 1
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.scores["empathy"] == {"score": 71, "evidence": ["その案、いいですね。"]}
    assert _panel_numbers(panel) == _labelled(FIRST)
    assert _progress_numbers(client.get("/progress/").content.decode()) == _labelled(FIRST)
    assert _api_strengths(session.user) == FIRST


def test_a_chat_ended_without_asking_is_judged_once_and_its_feedback_is_then_shown_without_asking_again(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _script_two_different_answers(fake_llm)
    conversation = conversation_with_lines(lines=(LINE,))
    with django_capture_on_commit_callbacks(execute=True):
        conversation_services.conversation_end(conversation=conversation)
    assert Feedback.objects.get(conversation=conversation).content["scores"] == FIRST

    client = _page(conversation.user)
    panel = client.post(f"/chat/{conversation.id}/feedback/", HTTP_HX_REQUEST="true").content.decode()

    assert len(fake_llm.requests) == 1
    assert _panel_numbers(panel) == _labelled(FIRST)
    assert _progress_numbers(client.get("/progress/").content.decode()) == _labelled(FIRST)


def test_a_watch_session_stopped_without_asking_is_judged_once_and_its_feedback_is_kept(
    fake_llm: Any, django_capture_on_commit_callbacks: Any, no_watch_runner: None
) -> None:
    _script_two_different_answers(fake_llm, quote="その案、いいですね。")
    session = _stepped_in()
    with django_capture_on_commit_callbacks(execute=True):
        watch_services.watch_stop(session=session)
    session.refresh_from_db()
    assert (session.feedback or {})["scores"] == FIRST

    response = _api(session.user).post(f"/api/v1/watch/feedback/{session.id}")

    assert response.status_code == 200 and response.json()["feedback"]["scores"] == FIRST
    assert _api_strengths(session.user) == FIRST
    assert len(fake_llm.requests) == 1


def test_when_the_judge_fails_at_feedback_the_analysis_judges_once_and_a_later_ask_shows_that(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_llm.fail(status=400)  # not worth retrying: the learner sees the error
    _script_two_different_answers(fake_llm)
    conversation = conversation_with_lines(lines=(LINE,))
    api = _api(conversation.user)

    with django_capture_on_commit_callbacks(execute=True):
        failed = api.post("/api/v1/chat/feedback", {"conversation_id": str(conversation.id)}, format="json")

    conversation.refresh_from_db()
    assert failed.status_code == 503 and conversation.ended_at is not None
    assert StrengthAnalysis.objects.get(conversation=conversation).status == AnalysisStatus.DONE
    asked_again = api.post("/api/v1/chat/feedback", {"conversation_id": str(conversation.id)}, format="json")
    assert asked_again.status_code == 200 and asked_again.json()["feedback"]["scores"] == FIRST
    assert _api_strengths(conversation.user) == FIRST
    assert len(fake_llm.requests) == 2  # the failed call and the one judgement


def test_feedback_stored_before_evidence_was_asked_for_is_copied_into_a_retried_analysis(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory()
    conversation = conversation_with_lines(user=user, lines=(LINE,), ended_at=timezone.now())
    earlier = {  # feedback as stored before the judge also gave evidence and top strengths
        "summary": "丁寧でした",
        "went_well": [{"quote": LINE, "comment": "配慮"}],
        "to_improve": [],
        "better_phrasings": [],
        "scores": FIRST,
        "point_scores": [],
    }
    Feedback.objects.create(conversation=conversation, content=earlier, metadata={"model": "earlier"})
    StrengthAnalysisFactory(user=user, conversation=conversation, status=AnalysisStatus.FAILED, scores={})

    with django_capture_on_commit_callbacks(execute=True):
        _page(user).post(f"/progress/journal/conversation/{conversation.pk}/analyse/", HTTP_HX_REQUEST="true")

    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.DONE and analysis.feedback == "丁寧でした"
    assert {axis: value["score"] for axis, value in analysis.scores.items()} == FIRST
    assert analysis.scores["empathy"]["evidence"] == [] and analysis.top_strengths == []
    assert analysis.metadata == {"model": "earlier"}
    assert fake_llm.requests == []


def test_when_the_background_judgement_lands_first_the_learner_is_shown_that_one(
    fake_llm: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chat ended without asking is judged in the background; the learner asks meanwhile."""
    fake_llm.reply_json(judge_answer(quote=LINE, **SECOND))
    conversation = conversation_with_lines(lines=(LINE,), ended_at=timezone.now())
    asked = judging.feedback_report

    async def background_lands_first(*args: Any, **kwargs: Any) -> Any:
        answer = await asked(*args, **kwargs)
        earlier = FeedbackReport.model_validate(judge_answer(quote=LINE, **FIRST))
        await db_call(conversation_services.feedback_store)(conversation=conversation, report=earlier, metadata={})
        return answer

    monkeypatch.setattr(judging, "feedback_report", background_lands_first)
    with django_capture_on_commit_callbacks(execute=True):
        response = _api(conversation.user).post(
            "/api/v1/chat/feedback", {"conversation_id": str(conversation.id)}, format="json"
        )
        analysis_services.analysis_request(kind="conversation", session_id=conversation.pk)

    assert response.status_code == 200 and response.json()["feedback"]["scores"] == FIRST
    assert _api_strengths(conversation.user) == FIRST
