from typing import Any

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from scenarios.tests.factories import ScenarioFactory
from watch import services
from watch.models import State, WatchSession
from watch.tests.conftest import FEEDBACK
from watch.tests.factories import WatchMessageFactory, WatchSessionFactory
from watch.tests.test_services import _stepped_in

pytestmark = pytest.mark.django_db


def test_it_offers_preset_themes_and_published_scenarios(client: Any) -> None:
    scenario = ScenarioFactory(title="クレームに対応する")
    client.force_login(UserFactory())
    page = client.get(reverse("watch:home")).content.decode()
    assert "新人の報告" in page and "取引先との交渉" in page
    assert f'value="scenario:{scenario.pk}"' in page and "クレームに対応する" in page


def test_it_starts_a_session_and_opens_the_live_view(client: Any) -> None:
    user = UserFactory()
    client.force_login(user)
    data = {"theme": "meeting", "persona_a": "colleague", "persona_b": "director", "pace": "fast"}
    response = client.post(reverse("watch:home"), data)
    session = WatchSession.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == reverse("watch:detail", args=[session.id])
    assert session.title == "会議での意見の対立" and session.pace == "fast"
    page = client.get(response["Location"]).content.decode()
    assert f'ws-connect="/ws/watch/{session.id}?format=html"' in page
    assert "同僚" in page and "部長" in page and 'id="stop-button"' in page


def test_it_shows_what_to_fix_in_the_start_form(client: Any) -> None:
    client.force_login(UserFactory())
    data = {"theme": "nope", "persona_a": "colleague", "persona_b": "colleague", "pace": "fast"}
    response = client.post(reverse("watch:home"), data)
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"theme", "persona_b"}


def test_it_says_why_a_start_is_refused(client: Any, settings: Any) -> None:
    user = UserFactory()
    client.force_login(user)
    WatchSessionFactory.create_batch(2, user=user)
    data = {"theme": "smalltalk", "persona_a": "colleague", "persona_b": "senior", "pace": "fast"}
    response = client.post(reverse("watch:home"), data)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "2" in response.context["start_error"] and 'id="start-error"' in response.content.decode()


def test_it_limits_starts_per_minute(client: Any, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "watch_start": ["5/m"]}
    settings.WATCH_MAX_RUNNING = 10
    client.force_login(UserFactory())
    data = {"theme": "smalltalk", "persona_a": "colleague", "persona_b": "senior", "pace": "fast"}
    statuses = [client.post(reverse("watch:home"), data).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    refused = client.post(reverse("watch:home"), data)
    assert int(refused["Retry-After"]) > 0 and "rate-limited" in refused.content.decode()


def test_it_lets_only_the_owner_and_link_holders_watch(client: Any) -> None:
    session = WatchSessionFactory()
    WatchMessageFactory(session=session, content="<b>太字</b>のつもり")
    url = reverse("watch:detail", args=[session.id])
    assert client.get(url).status_code == 302  # to the log-in page
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    session = services.watch_share(session=session, enabled=True)
    assert client.get(f"{url}?share=wrong").status_code == 404
    page = client.get(f"{url}?share={session.share_token}")
    text = page.content.decode()
    assert page.status_code == 200 and "&lt;b&gt;太字&lt;/b&gt;" in text
    assert 'id="stop-button"' not in text and 'id="watch-share"' not in text
    assert f"share={session.share_token}" in text  # the socket is opened with the link's token
    services.watch_share(session=session, enabled=False)
    assert client.get(f"{url}?share={session.share_token}").status_code == 404


def test_it_turns_the_share_link_on_and_off(client: Any) -> None:
    session = WatchSessionFactory()
    client.force_login(session.user)
    url = reverse("watch:share", args=[session.id])
    panel = client.post(url, {"enabled": "on"}, HTTP_HX_REQUEST="true").content.decode()
    session.refresh_from_db()
    assert session.share_enabled and f"/watch/{session.id}/?share={session.share_token}" in panel
    client.post(url, {"enabled": "off"}, HTTP_HX_REQUEST="true")
    session.refresh_from_db()
    assert not session.share_enabled
    client.force_login(UserFactory())
    assert client.post(url, {"enabled": "on"}).status_code == 404


def test_it_serves_the_transcript_after_the_session(client: Any) -> None:
    session = WatchSessionFactory()
    WatchMessageFactory(session=session, persona=0, content="おはよう", seq=1)
    WatchMessageFactory(session=session, persona=1, content="おはようございます", seq=2)
    client.force_login(session.user)
    url = reverse("watch:download", args=[session.id, "md"])
    assert client.get(url).status_code == 404  # not before it ended
    session.state = State.STOPPED
    session.save()
    markdown = client.get(url)
    assert markdown["Content-Type"].startswith("text/markdown") and "attachment" in markdown["Content-Disposition"]
    assert "**先輩**: おはようございます" in markdown.content.decode()
    assert (
        client.get(reverse("watch:download", args=[session.id, "json"])).json()["messages"][0]["content"] == "おはよう"
    )
    assert client.get(reverse("watch:download", args=[session.id, "exe"])).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_it_gives_feedback_on_the_learners_lines(client: Any, fake_llm: Any) -> None:
    fake_llm.reply_json(FEEDBACK)
    session = _stepped_in()
    client.force_login(session.user)
    page = client.post(reverse("watch:feedback", args=[session.id]), HTTP_HX_REQUEST="true").content.decode()
    assert "相手の状況を確かめながら話せていました" in page and 'id="feedback-report"' in page
    session.refresh_from_db()
    assert session.state == State.FINISHED and (session.feedback or {})["summary"]
    assert "相手の状況" in client.get(reverse("watch:detail", args=[session.id])).content.decode()


def test_it_explains_that_feedback_needs_the_learners_lines(client: Any, fake_llm: Any) -> None:
    session = WatchSessionFactory(state=State.STOPPED)
    client.force_login(session.user)
    page = client.post(reverse("watch:feedback", args=[session.id]), HTTP_HX_REQUEST="true").content.decode()
    assert 'role="alert"' in page and not fake_llm.requests


def test_it_lists_my_sessions_only(client: Any) -> None:
    mine = WatchSessionFactory(title="わたしの雑談")
    WatchSessionFactory(title="他人の交渉")
    client.force_login(mine.user)
    page = client.get(reverse("watch:home")).content.decode()
    assert "わたしの雑談" in page and "他人の交渉" not in page


def test_it_shows_sessions_and_their_turns_in_the_admin(admin_client: Any) -> None:
    session = WatchSessionFactory(title="管理画面の雑談")
    WatchMessageFactory(session=session, content="管理者にも見える発言")
    assert "管理画面の雑談" in admin_client.get("/admin/watch/watchsession/").content.decode()
    page = admin_client.get(f"/admin/watch/watchsession/{session.id}/change/").content.decode()
    assert "管理者にも見える発言" in page
