import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.files.storage import default_storage

from accounts.tests.factories import UserFactory
from conversations.signals import practice_ended
from watch import services
from watch.commentary import feedback_generate
from watch.models import Author, State, WatchSession
from watch.runner import drive
from watch.tests.conftest import FEEDBACK, db
from watch.tests.factories import WatchMessageFactory, WatchSessionFactory
from watch.tests.helpers import script_turns
from watch.transcripts import transcript_name


def _stepped_in() -> WatchSession:
    session = WatchSessionFactory(state=State.STEPPED_IN, seat=1, stepped_in_after=2)
    WatchMessageFactory(session=session, persona=0, content="A1: 最近忙しい？", seq=1)
    WatchMessageFactory(session=session, persona=1, content="B1: まあまあかな", seq=2)
    WatchMessageFactory(session=session, persona=1, author=Author.LEARNER, content="手伝いましょうか", seq=3)
    WatchMessageFactory(session=session, persona=0, content="A2: 助かるよ", seq=4)
    WatchMessageFactory(session=session, persona=1, author=Author.LEARNER, content="では資料を見ますね", seq=5)
    return session


@pytest.mark.django_db
def test_it_scores_only_the_learners_lines_after_step_in(fake_llm: Any) -> None:
    fake_llm.reply_json(FEEDBACK)
    session = _stepped_in()

    result = async_to_sync(feedback_generate)(session)

    assert result["report"]["scores"]["empathy"] == 70
    system, data = fake_llm.requests[-1]["messages"]
    lines = [json.loads(line) for line in data["content"].splitlines()[1:]]
    assert lines == [
        {"speaker": "learner", "text": "手伝いましょうか"},
        {"speaker": "partner", "text": "A2: 助かるよ"},
        {"speaker": "learner", "text": "では資料を見ますね"},
    ]
    assert "B1: まあまあかな" in system["content"]  # what the seat's AI said before is context only
    assert "先輩" in system["content"]


@pytest.mark.django_db
def test_it_refuses_more_than_two_sessions_in_progress() -> None:
    user = UserFactory()
    for _ in range(2):
        services.watch_start(user=user, theme="smalltalk", personas=["colleague", "senior"])
    with pytest.raises(services.StartLimitError) as refused:
        services.watch_start(user=user, theme="smalltalk", personas=["colleague", "senior"])
    assert refused.value.retry_after > 0 and "2" in refused.value.message
    WatchSession.objects.filter(user=user).update(state=State.STOPPED)
    assert services.watch_start(user=user, theme="雑談" and "meeting", personas=["colleague", "director"]).title


@pytest.mark.django_db
def test_it_takes_a_published_scenario_as_the_theme() -> None:
    from scenarios.tests.factories import ScenarioFactory

    scenario = ScenarioFactory()
    session = services.watch_start(
        user=UserFactory(), theme=f"scenario:{scenario.pk}", personas=["manager", "newcomer"]
    )
    assert session.scenario == scenario and session.title == scenario.title
    assert session.metadata["brief"]["situation"] == scenario.situation
    assert session.metadata["points"] == scenario.feedback_point_texts()
    scenario.published = False
    scenario.save()
    with pytest.raises(services.WatchInputError) as invalid:
        services.watch_start(user=UserFactory(), theme=f"scenario:{scenario.pk}", personas=["manager", "newcomer"])
    assert invalid.value.field == "theme"


@pytest.mark.django_db
def test_it_only_lets_the_learner_speak_after_stepping_in() -> None:
    session = WatchSessionFactory()
    with pytest.raises(services.WatchStateError):
        services.watch_say(session=session, text="こんにちは")
    session = services.watch_step_in(session=session, seat=0)
    message, created = services.watch_say(session=session, text="  こんにちは  ", client_id="c-1")
    assert created and message.content == "こんにちは" and message.persona == 0
    with pytest.raises(services.WatchStateError):  # the other persona has not answered yet
        services.watch_say(session=session, text="もしもし")
    again, created = services.watch_say(session=session, text="こんにちは", client_id="c-1")
    assert again.pk == message.pk and not created


@pytest.mark.django_db(transaction=True)
async def test_it_writes_the_transcript_to_storage_when_the_session_ends(fake_llm: Any) -> None:
    script_turns(fake_llm, [["おはよう"], ["おはようございます"], ["寒いね"], ["ええ"]])
    session = await db(WatchSessionFactory)()
    await drive(str(session.id))
    markdown = await db(_read)(transcript_name(session, "md"))
    assert "**同僚**: おはよう" in markdown and "**先輩**: おはようございます" in markdown
    assert "## Commentary" in markdown
    data = json.loads(await db(_read)(transcript_name(session, "json")))
    assert [m["content"] for m in data["messages"]] == ["おはよう", "おはようございます", "寒いね", "ええ"]
    assert data["commentary"]["overview"]


def _read(name: str) -> str:
    with default_storage.open(name) as handle:
        return handle.read().decode()


@pytest.mark.django_db(transaction=True)
def test_it_announces_the_end_of_a_stepped_in_session_for_analytics(monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "dispatch", lambda session_id: None)
    heard: list[dict[str, Any]] = []

    def listener(sender: Any, **kwargs: Any) -> None:
        heard.append({"sender": sender, **kwargs})

    practice_ended.connect(listener, weak=False)
    try:
        watched = WatchSessionFactory(state=State.PAUSED)
        services.watch_stop(session=watched)
        session = services.watch_stop(session=_stepped_in())
    finally:
        practice_ended.disconnect(listener)
    assert [(h["sender"], h["session_id"], h["mode"]) for h in heard] == [(WatchSession, session.id, "watch")]


@pytest.mark.django_db
def test_it_gives_progress_analytics_the_learners_lines_only() -> None:
    from analytics.sources import get_source

    source = get_source("watch")
    assert source is not None and source.sender is WatchSession
    session = _stepped_in()
    practice = source.load(str(session.id))
    assert practice is not None and practice.mode == "watch"
    assert practice.learner_lines == ["手伝いましょうか", "では資料を見ますね"]
    assert source.load(str(WatchSessionFactory().id)).learner_lines == []  # watched without stepping in
    assert [row.id for row in source.list_for_user(session.user)] == [str(session.id)]
