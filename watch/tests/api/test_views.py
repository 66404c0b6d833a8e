import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from watch import services
from watch.models import State, WatchSession
from watch.runner import drive
from watch.tests.conftest import FEEDBACK
from watch.tests.factories import WatchMessageFactory, WatchSessionFactory
from watch.tests.helpers import script_turns
from watch.tests.test_services import _stepped_in

START = {"theme": "negotiation", "personas": ["sales", "client"], "pace": "fast"}


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


async def _collect(content: Any) -> bytes:
    return b"".join([chunk async for chunk in content])


def _events(response: Any) -> list[dict[str, Any]]:
    body = async_to_sync(_collect)(response.streaming_content).decode()
    events = []
    for block in body.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "data" in fields:
            events.append({"id": fields.get("id"), "event": fields["event"], **json.loads(fields["data"])})
    return events


@pytest.mark.django_db
def test_it_starts_a_session() -> None:
    user = UserFactory()
    response = _client(user).post("/api/v1/watch/start", START, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["session"]["title"] == "取引先との交渉" and body["owner"] is True
    assert [p["label"] for p in body["session"]["personas"]] == ["営業担当", "取引先の担当者"]
    assert body["stream_url"].endswith(f"/api/v1/watch/stream/{body['session']['id']}")
    assert WatchSession.objects.get(pk=body["session"]["id"]).user == user


@pytest.mark.django_db
def test_it_answers_bad_input_with_field_errors() -> None:
    client = _client(UserFactory())
    bad = {"theme": "party", "personas": ["sales", "sales"], "pace": "warp", "models": ["openai/x"]}
    response = client.post("/api/v1/watch/start", bad, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"theme", "personas", "pace", "models"}
    assert client.post("/api/v1/watch/start", {"personas": "sales"}, format="json").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("theme", ["scenario:²", "scenario:١٢"])
def test_it_refuses_a_scenario_theme_that_is_not_ascii_digits(theme: str) -> None:
    response = _client(UserFactory()).post("/api/v1/watch/start", {**START, "theme": theme}, format="json")
    assert response.status_code == 400 and "theme" in response.json()
    assert not WatchSession.objects.exists()


@pytest.mark.django_db
def test_it_limits_starts(settings: Any) -> None:
    client = _client(UserFactory())
    assert [client.post("/api/v1/watch/start", START, format="json").status_code for _ in range(3)] == [201, 201, 429]
    refused = client.post("/api/v1/watch/start", START, format="json")
    assert int(refused["Retry-After"]) > 0 and refused.json()["detail"]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "watch_start": ["5/m"]}
    settings.WATCH_MAX_RUNNING = 10
    other = _client(UserFactory())
    assert [other.post("/api/v1/watch/start", START, format="json").status_code for _ in range(6)] == [201] * 5 + [429]


@pytest.mark.django_db
def test_it_lets_link_holders_join_and_nobody_else() -> None:
    session = services.watch_share(session=WatchSessionFactory(), enabled=True)
    viewer = _client(UserFactory())
    assert viewer.post(f"/api/v1/watch/join/{session.id}", {"share_token": "nope"}, format="json").status_code == 404
    assert viewer.post(f"/api/v1/watch/join/{session.id}", {}, format="json").status_code == 400
    # a token of blank characters is a token like any other: it opens nothing (as the schema says)
    blank = viewer.post(f"/api/v1/watch/join/{session.id}", {"share_token": " \t"}, format="json")
    assert blank.status_code == 404
    joined = viewer.post(f"/api/v1/watch/join/{session.id}", {"share_token": session.share_token}, format="json")
    assert joined.status_code == 200 and joined.json()["owner"] is False and joined.json()["feedback"] is None
    assert f"share={session.share_token}" in joined.json()["stream_url"]
    assert viewer.get(f"/api/v1/watch/session/{session.id}").status_code == 404
    assert viewer.get(f"/api/v1/watch/stream/{session.id}").status_code == 404
    assert viewer.post(f"/api/v1/watch/stop/{session.id}").status_code == 404
    assert APIClient().get(f"/api/v1/watch/session/{session.id}").status_code == 401
    assert viewer.get("/api/v1/watch/session/not-a-uuid").status_code == 404


@pytest.mark.django_db
def test_it_takes_the_owners_controls() -> None:
    session = WatchSessionFactory()
    client = _client(session.user)
    assert client.post(f"/api/v1/watch/pause/{session.id}").json()["session"]["state"] == State.PAUSED
    assert client.post(f"/api/v1/watch/pause/{session.id}").status_code == 409
    assert (
        client.post(f"/api/v1/watch/pace/{session.id}", {"pace": "slow"}, format="json").json()["session"]["pace"]
        == "slow"
    )
    assert client.post(f"/api/v1/watch/pace/{session.id}", {"pace": "x"}, format="json").status_code == 400
    assert client.post(f"/api/v1/watch/step-in/{session.id}", {"seat": 3}, format="json").status_code == 400
    stepped = client.post(f"/api/v1/watch/step-in/{session.id}", {"seat": 0}, format="json").json()["session"]
    assert (stepped["state"], stepped["seat"]) == (State.STEPPED_IN, 0)
    shared = client.post(f"/api/v1/watch/share/{session.id}", {"enabled": True}, format="json").json()
    assert shared["session"]["share_enabled"] and "share=" in shared["share_url"]
    assert client.post(f"/api/v1/watch/stop/{session.id}").json()["session"]["state"] == State.STOPPED
    assert client.post(f"/api/v1/watch/resume/{session.id}").status_code == 409


@pytest.mark.django_db
def test_it_refuses_a_line_before_step_in_or_without_text() -> None:
    session = WatchSessionFactory()
    client = _client(session.user)
    assert client.post(f"/api/v1/watch/message/{session.id}", {"text": "やあ"}, format="json").status_code == 409
    services.watch_step_in(session=session, seat=1)
    response = client.post(f"/api/v1/watch/message/{session.id}", {"text": "   "}, format="json")
    assert response.status_code == 400 and "text" in response.json()
    assert client.post(f"/api/v1/watch/message/{session.id}", {"text": 12}, format="json").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_it_answers_the_learners_line_with_the_other_personas_reply(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["いい", "ですね"])
    session = services.watch_step_in(session=WatchSessionFactory(), seat=1)
    client = _client(session.user)
    response = client.post(
        f"/api/v1/watch/message/{session.id}", {"text": "手伝います", "client_id": "m-1"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["message"]["author"], body["message"]["persona"]) == ("learner", 1)
    assert (body["reply"]["persona"], body["reply"]["content"], body["reply"]["status"]) == (
        0,
        "いいですね",
        "complete",
    )
    again = client.post(
        f"/api/v1/watch/message/{session.id}", {"text": "手伝います", "client_id": "m-1"}, format="json"
    )
    assert again.status_code == 200 and again.json()["duplicate"] is True


@pytest.mark.django_db(transaction=True)
def test_it_streams_the_reply_to_a_line_as_server_sent_events(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["了解", "です", "！"])
    session = services.watch_step_in(session=WatchSessionFactory(), seat=0)
    client = _client(session.user)
    response = client.post(
        f"/api/v1/watch/message/{session.id}", {"text": "始めましょう"}, format="json", HTTP_ACCEPT="text/event-stream"
    )
    assert response["Content-Type"] == "text/event-stream"
    events = _events(response)
    assert events[0]["event"] == "watch.learner.message" and events[0]["message"]["content"] == "始めましょう"
    assert events[-1]["event"] == "watch.ai.message" and events[-1]["kind"] == "done"
    assert events[-1]["message"]["content"] == "了解です！" and events[-1]["message"]["persona"] == 1


@pytest.mark.django_db(transaction=True)
def test_it_resumes_the_stream_after_last_event_id(fake_llm: Any) -> None:
    script_turns(fake_llm, [["一", "二"], ["三", "四"], ["五"], ["六"]])
    session = WatchSessionFactory()
    async_to_sync(drive)(str(session.id))
    client = _client(session.user)

    full = _events(client.get(f"/api/v1/watch/stream/{session.id}"))
    assert full[0]["event"] == "watch.snapshot" and len(full) == 1  # an ended session: its state, then the end

    events = _events(client.get(f"/api/v1/watch/stream/{session.id}", HTTP_LAST_EVENT_ID="3"))
    ids = [int(e["id"]) for e in events]
    assert ids[0] > 3 and ids == sorted(ids)
    assert [e["first_seq"] for e in events] == [3 + 1] + [i + 1 for i in ids[:-1]]  # no gap, no duplicate
    assert events[-1]["event"] == "watch.commentary"
    turns = [e["message"]["content"] for e in events if e.get("kind") == "done"]
    assert turns == ["一二", "三四", "五", "六"]  # the first turn ends after event 3
    assert client.get(f"/api/v1/watch/stream/{session.id}", HTTP_LAST_EVENT_ID="abc").status_code == 400


@pytest.mark.django_db
def test_it_gives_feedback_after_step_in(fake_llm: Any) -> None:
    fake_llm.reply_json(FEEDBACK)
    session = _stepped_in()
    client = _client(session.user)
    response = client.post(f"/api/v1/watch/feedback/{session.id}")
    assert response.status_code == 200 and response.json()["feedback"]["scores"]["clarity"] == 70
    untouched = WatchSessionFactory(user=session.user, state=State.STOPPED)
    refused = client.post(f"/api/v1/watch/feedback/{untouched.id}")
    assert refused.status_code == 400 and "session_id" in refused.json()


@pytest.mark.django_db
def test_it_downloads_the_transcript() -> None:
    session = WatchSessionFactory()
    WatchMessageFactory(session=session, content="こんにちは", seq=1)
    client = _client(session.user)
    assert client.get(f"/api/v1/watch/transcript/{session.id}").status_code == 409
    session.state = State.FINISHED
    session.save()
    assert "こんにちは" in client.get(f"/api/v1/watch/transcript/{session.id}").content.decode()
    assert (
        client.get(f"/api/v1/watch/transcript/{session.id}?type=json").json()["messages"][0]["content"] == "こんにちは"
    )
    assert client.get(f"/api/v1/watch/transcript/{session.id}?type=pdf").status_code == 400


@pytest.mark.django_db
def test_it_describes_the_watch_api_in_the_schema() -> None:
    schema = _client(UserFactory()).get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/watch/start", "/api/v1/watch/stream/{session_id}", "/api/v1/watch/join/{session_id}"):
        assert path in schema


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("position", ["18446744073709551616", "9223372036854775808", "²", "١٢", "-1", " 3", "3.0"])
def test_it_refuses_a_stream_position_that_is_not_a_sequence_number(position: str) -> None:
    session = WatchSessionFactory()
    client = _client(session.user)
    by_header = client.get(f"/api/v1/watch/stream/{session.id}", HTTP_LAST_EVENT_ID=position)
    by_query = client.get(f"/api/v1/watch/stream/{session.id}", {"last_event_id": position})
    assert by_header.status_code == 400 and by_query.status_code == 400
    assert "Last-Event-ID" in by_header.json()


@pytest.mark.django_db(transaction=True)
def test_it_sends_the_snapshot_to_a_position_beyond_the_log(fake_llm: Any) -> None:
    script_turns(fake_llm, [["一"], ["二"], ["三"], ["四"]])
    session = WatchSessionFactory()
    async_to_sync(drive)(str(session.id))
    events = _events(_client(session.user).get(f"/api/v1/watch/stream/{session.id}", HTTP_LAST_EVENT_ID="9000000"))
    assert events[0]["event"] == "watch.snapshot"
    assert [m["content"] for m in events[0]["messages"]] == ["一", "二", "三", "四"]


@pytest.mark.django_db(transaction=True)
def test_it_ends_a_stream_that_fails_with_an_error_event(monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    from watch import broadcast

    async def broken(session_id: str, after: int) -> None:
        raise redis.ResponseError("Invalid stream ID specified as stream command argument")

    monkeypatch.setattr(broadcast, "replay", broken)
    session = WatchSessionFactory()
    response = _client(session.user).get(f"/api/v1/watch/stream/{session.id}", HTTP_LAST_EVENT_ID="3")
    assert response.status_code == 200
    events = _events(response)
    assert events[-1]["event"] == "watch.error" and events[-1]["retryable"] is True
    assert events[-1]["message"]
