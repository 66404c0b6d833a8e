"""The progress, journal, reports, export and team pages as a learner or a trainer sees them."""

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.models import AnalysisStatus, StrengthAnalysis
from analytics.tests.factories import (
    ReportFactory,
    StrengthAnalysisFactory,
    TeamFactory,
    conversation_with_lines,
    judge_answer,
    scores,
)
from conversations.models import Message
from watch.tests.factories import WatchMessageFactory, WatchSessionFactory

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _days_ago(days: int) -> Any:
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def learner() -> Any:
    user = UserFactory(display_name="花子")
    StrengthAnalysisFactory(user=user, session_started_at=_days_ago(40), scores=scores(active_listening=60))
    StrengthAnalysisFactory(
        user=user,
        session_started_at=_days_ago(2),
        session_title="課長への報告",
        scores=scores(active_listening=72, evidence={"clarity": ["<b>結論から</b>申し上げます"]}),
    )
    return user


def test_the_progress_page_shows_growth_charts_data_and_evidence(learner: Any) -> None:
    response = _client(learner).get("/progress/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "傾聴力 が先月より +12" in body
    assert 'id="progress-data" type="application/json"' in body
    assert 'id="radar-chart"' in body and 'data-axis-chart="active_listening"' in body
    assert "&lt;b&gt;結論から&lt;/b&gt;申し上げます" in body and "<b>結論から" not in body
    assert "課長への報告" in body
    assert "<script>" not in body  # no inline script: the data travels as JSON only
    data = json.loads(body.split('id="progress-data" type="application/json">')[1].split("</script>")[0])
    assert data["radar"]["now"]["active_listening"] == 72.0
    assert data["radar"]["month_ago"]["active_listening"] == 60.0


def test_the_progress_page_says_plainly_when_there_is_not_enough_data() -> None:
    response = _client(UserFactory()).get("/progress/")

    assert response.status_code == 200
    assert "まだデータが足りません" in response.content.decode()
    assert "progress-data" not in response.content.decode()


def test_the_progress_page_speaks_english_when_asked(learner: Any) -> None:
    learner.preferences = {"language": "en"}
    learner.save()

    body = _client(learner).get("/progress/").content.decode()

    assert "Active listening is up 12 points on the month before" in body


def test_a_bad_period_is_named_on_the_page(learner: Any) -> None:
    response = _client(learner).get("/progress/", {"period": "decade"})

    assert response.status_code == 200
    assert "期間は週・月・四半期・年から選んでください。" in response.content.decode()


def test_the_nav_link_leads_to_my_progress(learner: Any) -> None:
    body = _client(learner).get("/").content.decode()

    assert 'href="/progress/"' in body


def test_pages_ask_anonymous_visitors_to_log_in() -> None:
    response = Client().get("/progress/journal/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_journal_lists_every_session_with_its_analysis_status() -> None:
    user = UserFactory()
    done = StrengthAnalysisFactory(user=user, session_title="終わった練習")
    failed = StrengthAnalysisFactory(user=user, status=AnalysisStatus.FAILED, scores={})
    pending = StrengthAnalysisFactory(user=user, status=AnalysisStatus.PENDING, scores={})
    in_progress = conversation_with_lines(user=user, title="話している途中")
    watched = WatchSessionFactory(user=user, seat=0, title="見学して参加", ended_at=timezone.now())
    WatchSessionFactory(user=user, title="見ていただけ")  # never stepped in: not practice
    StrengthAnalysisFactory()  # someone else's

    body = _client(user).get("/progress/journal/").content.decode()

    assert body.count('class="card journal-entry"') == 5
    assert f"session-watch-{watched.pk}" in body and "見学して参加" in body and "見ていただけ" not in body
    assert f"session-conversation-{done.conversation_id}" in body and "分析済み" in body
    assert f"/progress/journal/conversation/{failed.conversation_id}/analyse/" in body and "再試行" in body
    assert f'hx-get="/progress/journal/conversation/{pending.conversation_id}/"' in body
    assert "話している途中" in body and "練習中" in body and str(in_progress.pk) in body


def test_retry_asks_the_judge_again_and_shows_the_result(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory()
    conversation = conversation_with_lines(user=user, lines=("承知しました。",), ended_at=timezone.now())
    StrengthAnalysisFactory(user=user, conversation=conversation, status=AnalysisStatus.FAILED, scores={})
    fake_llm.reply_json(judge_answer(default=66, quote="承知しました。"))

    client = _client(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/progress/journal/conversation/{conversation.pk}/analyse/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and "分析中" in response.content.decode()  # the row then polls
    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.DONE and analysis.scores["clarity"]["score"] == 66
    assert analysis.attempts == 2
    row = client.get(f"/progress/journal/conversation/{conversation.pk}/").content.decode()
    assert "分析済み" in row and "hx-trigger" not in row


def test_a_journal_page_that_does_not_exist_is_named_and_the_first_shown() -> None:
    analysis = StrengthAnalysisFactory()

    response = _client(analysis.user).get("/progress/journal/", {"page": "abc"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "そのページはありません。最初のページを表示しています。" in body
    assert f"session-conversation-{analysis.conversation_id}" in body


def test_nobody_can_retry_or_read_another_learners_session() -> None:
    analysis = StrengthAnalysisFactory(status=AnalysisStatus.FAILED, scores={})
    intruder = _client(UserFactory())

    assert intruder.post(f"/progress/journal/conversation/{analysis.conversation_id}/analyse/").status_code == 404
    assert intruder.get(f"/progress/journal/conversation/{analysis.conversation_id}/").status_code == 404
    assert intruder.get("/progress/journal/nonsense/123/").status_code == 404
    assert StrengthAnalysis.objects.get().status == AnalysisStatus.FAILED


def test_analysing_a_session_without_lines_explains_why_not() -> None:
    user = UserFactory()
    conversation = conversation_with_lines(user=user, lines=(), ended_at=timezone.now())

    response = _client(user).post(f"/progress/journal/conversation/{conversation.pk}/analyse/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "一言以上話してから" in response.content.decode()
    assert not StrengthAnalysis.objects.exists()


def test_reports_are_listed_viewable_and_downloadable_by_their_owner_only() -> None:
    report = ReportFactory()
    owner = _client(report.user)

    assert "月次レポート" in owner.get("/progress/reports/").content.decode()
    page = owner.get(f"/progress/reports/{report.pk}/")
    assert page.status_code == 200 and "月次レポート" in page.content.decode()
    download = owner.get(f"/progress/reports/{report.pk}/download/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    assert b"<!doctype html>" in download.content
    assert "script-src" not in download["Content-Security-Policy"]  # a static document: no script at all
    stranger = _client(UserFactory())
    assert stranger.get(f"/progress/reports/{report.pk}/").status_code == 404
    assert stranger.get(f"/progress/reports/{report.pk}/download/").status_code == 404


def test_download_my_data_as_json_and_csv_holds_only_my_data() -> None:
    mine = StrengthAnalysisFactory(scores=scores(empathy=77))
    Message.objects.create(conversation=mine.conversation, role="user", content="私の発言")
    theirs = StrengthAnalysisFactory()
    Message.objects.create(conversation=theirs.conversation, role="user", content="他人の発言")
    my_watch = WatchMessageFactory(session__user=mine.user, content="見学で話した言葉").session
    WatchMessageFactory(content="他人の見学")
    client = _client(mine.user)

    document = json.loads(client.get("/progress/export/", {"format": "json"}).content)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/progress/export/", {"format": "csv"}).content))

    assert [c["id"] for c in document["conversations"]] == [str(mine.conversation_id)]
    assert document["conversations"][0]["messages"][0]["content"] == "私の発言"
    assert [a["id"] for a in document["analyses"]] == [mine.pk]
    assert [w["id"] for w in document["watch_sessions"]] == [str(my_watch.pk)]
    assert [m["content"] for m in document["watch_sessions"][0]["messages"]] == ["見学で話した言葉"]
    assert sorted(archive.namelist()) == [
        "analyses.csv",
        "conversations.csv",
        "feedback.csv",
        "messages.csv",
        "reports.csv",
        "watch_messages.csv",
        "watch_sessions.csv",
    ]
    messages_csv = archive.read("messages.csv").decode("utf-8-sig")
    assert "私の発言" in messages_csv and "他人の発言" not in messages_csv
    watch_csv = archive.read("watch_messages.csv").decode("utf-8-sig")
    assert "見学で話した言葉" in watch_csv and "他人の見学" not in watch_csv


def test_a_bad_export_format_is_named_on_the_page() -> None:
    response = _client(UserFactory()).get("/progress/export/", {"format": "xml"}, follow=True)

    assert "ダウンロードの形式はJSONかCSVを選んでください。" in response.content.decode()


def test_a_trainer_sees_aggregates_of_their_own_teams_only() -> None:
    trainer = UserFactory(trainer=True)
    member, *others = UserFactory.create_batch(3)
    StrengthAnalysisFactory(user=member, session_started_at=_days_ago(1), scores=scores(empathy=90))
    Message.objects.create(conversation=StrengthAnalysis.objects.get().conversation, role="user", content="秘密の発言")
    for other_member in others:
        StrengthAnalysisFactory(user=other_member, session_started_at=_days_ago(2), scores=scores(empathy=90))
    mine = TeamFactory(name="営業一課", members=[member, *others, UserFactory()], trainers=[trainer])
    other = TeamFactory(name="経理課", members=[member])
    client = _client(trainer)

    listing = client.get("/progress/teams/").content.decode()
    page = client.get(f"/progress/teams/{mine.pk}/")

    assert "営業一課" in listing and "経理課" not in listing
    assert page.status_code == 200
    body = page.content.decode()
    assert "3 / 4" in body and "90" in body
    assert "秘密の発言" not in body and member.username not in body
    assert client.get(f"/progress/teams/{other.pk}/").status_code == 404


def test_a_trainer_is_told_why_the_figures_of_a_one_learner_team_are_not_shown() -> None:
    trainer, learner = UserFactory(trainer=True), UserFactory()
    StrengthAnalysisFactory(user=learner, session_started_at=_days_ago(1), scores=scores(empathy=97))
    team = TeamFactory(name="一人班", members=[learner], trainers=[trainer])
    client = _client(trainer)

    page = client.get(f"/progress/teams/{team.pk}/").content.decode()
    listing = client.get("/progress/teams/").content.decode()

    notice = "このチームの学習者は3人未満のため"
    assert notice in page and notice in listing
    assert "97" not in page and 'id="radar-chart"' not in page


def test_learners_cannot_see_team_pages() -> None:
    team = TeamFactory(members=[UserFactory()])
    learner = _client(team.members.get())

    assert learner.get("/progress/teams/").status_code == 404
    assert learner.get(f"/progress/teams/{team.pk}/").status_code == 404


def test_an_analysis_stuck_pending_can_be_asked_for_again(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory()
    conversation = conversation_with_lines(user=user, lines=("了解です。",), ended_at=timezone.now())
    stuck = StrengthAnalysisFactory(user=user, conversation=conversation, status=AnalysisStatus.PENDING, scores={})
    StrengthAnalysis.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    fake_llm.reply_json(judge_answer(default=58, quote="了解です。"))
    client = _client(user)

    row = client.get(f"/progress/journal/conversation/{conversation.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/progress/journal/conversation/{conversation.pk}/analyse/")

    assert "再試行" in row and "hx-trigger" not in row
    assert StrengthAnalysis.objects.get(pk=stuck.pk).status == AnalysisStatus.DONE


def test_a_new_learner_makes_a_report_from_the_reports_page(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report_request": ["2/h"]}
    client = _client(UserFactory())
    page = client.get("/progress/reports/").content.decode()
    assert 'action="/progress/reports/make/"' in page and 'value="weekly"' in page and 'value="monthly"' in page

    assert client.post("/progress/reports/make/", {"kind": "yearly"}).status_code == 400
    made = client.post("/progress/reports/make/", {"kind": "weekly"}, follow=True)
    assert made.status_code == 200 and "週間サマリー" in made.content.decode()
    assert "週間サマリー" in client.get("/progress/reports/").content.decode()
    refused = client.post("/progress/reports/make/", {"kind": "monthly"})
    assert refused.status_code == 429 and "分待ってから" in refused.content.decode()
