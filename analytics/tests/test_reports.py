"""Weekly and monthly reports: stored once per active user, e-mailed once, set-based, scheduled."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from accounts.tests.factories import UserFactory
from analytics.models import Report, ReportKind
from analytics.reports import run_reports
from analytics.tasks import monthly_reports
from analytics.tests.factories import StrengthAnalysisFactory, scores

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
JULY_FIRST = date(2026, 7, 1)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 19, 30, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def learners() -> dict[str, Any]:
    hanako = UserFactory(username="hanako", display_name="花子")
    taro = UserFactory(username="taro", preferences={"language": "en"})
    UserFactory(username="idle")
    UserFactory(username="gone", is_active=False)
    StrengthAnalysisFactory(user=hanako, session_started_at=at(6, 3), duration_seconds=900, scores=scores(clarity=70))
    StrengthAnalysisFactory(user=hanako, session_started_at=at(6, 20), duration_seconds=1500, scores=scores(clarity=90))
    StrengthAnalysisFactory(user=hanako, session_started_at=at(5, 20), scores=scores(clarity=50))
    StrengthAnalysisFactory(user=hanako, session_started_at=at(7, 1), scores=scores(clarity=10))  # next month
    StrengthAnalysisFactory(user=taro, session_started_at=at(6, 30), duration_seconds=1200, scores=scores(empathy=88))
    return {"hanako": hanako, "taro": taro}


def test_the_monthly_job_stores_one_report_per_active_user_and_sends_one_email_each(learners: dict[str, Any]) -> None:
    result = run_reports(kind="monthly", today=JULY_FIRST)

    assert result.as_dict() == {"users": 3, "stored": 3, "emailed": 3}
    reports = Report.objects.filter(kind=ReportKind.MONTHLY, period_start=date(2026, 6, 1))
    assert sorted(reports.values_list("user__username", flat=True)) == ["hanako", "idle", "taro"]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["hanako@example.com", "idle@example.com", "taro@example.com"]
    )
    assert all(report.emailed_at is not None for report in reports)


def test_the_report_figures_match_hand_computed_values(learners: dict[str, Any]) -> None:
    run_reports(kind="monthly", today=JULY_FIRST)

    data = Report.objects.get(user=learners["hanako"]).data
    assert (data["sessions"], data["minutes"], data["analysed"]) == (2, (900 + 1500) // 60, 2)
    assert data["averages"]["clarity"] == 80.0 and data["previous"]["clarity"] == 50.0
    assert data["deltas"]["clarity"] == 30.0 and data["deltas"]["empathy"] == 0.0
    assert data["top_strengths"][0]["axis"] == "clarity"
    idle = Report.objects.get(user__username="idle").data
    assert idle["sessions"] == 0 and idle["averages"]["clarity"] is None


def test_the_report_is_rendered_stored_and_emailed_in_the_learners_language(learners: dict[str, Any]) -> None:
    run_reports(kind="monthly", today=JULY_FIRST)

    report = Report.objects.get(user=learners["hanako"])
    with default_storage.open(report.file) as stored:
        html = stored.read().decode()
    assert "月次レポート" in html and "明確な伝達力" in html and "+30" in html
    english = next(message for message in mail.outbox if message.to == ["taro@example.com"])
    assert "Monthly report" in english.subject and "Empathy: 88" in english.body
    assert english.alternatives[0][1] == "text/html"


def test_running_the_job_again_replaces_instead_of_duplicating(learners: dict[str, Any]) -> None:
    run_reports(kind="monthly", today=JULY_FIRST)
    first = {r.user_id: (r.pk, r.file, r.data) for r in Report.objects.all()}
    files_before = default_storage.listdir(f"analytics/reports/{learners['hanako'].pk}")[1]

    again = run_reports(kind="monthly", today=JULY_FIRST)

    assert again.as_dict() == {"users": 3, "stored": 3, "emailed": 0}
    assert {r.user_id: (r.pk, r.file, r.data) for r in Report.objects.all()} == first
    assert len(mail.outbox) == 3
    assert (
        default_storage.listdir(f"analytics/reports/{learners['hanako'].pk}")[1]
        == files_before
        == ["monthly-2026-06-01.html"]
    )


def test_the_job_makes_no_query_per_user(learners: dict[str, Any]) -> None:
    with CaptureQueriesContext(connection) as few:
        run_reports(kind="weekly", today=JULY_FIRST)
    UserFactory.create_batch(12)
    with CaptureQueriesContext(connection) as many:
        run_reports(kind="weekly", today=date(2026, 7, 8))

    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_weekly_summary_covers_monday_to_sunday(learners: dict[str, Any]) -> None:
    run_reports(kind="weekly", today=date(2026, 6, 24))  # a Wednesday

    report = Report.objects.get(user=learners["hanako"], kind=ReportKind.WEEKLY)
    assert (report.period_start, report.period_end) == (date(2026, 6, 15), date(2026, 6, 22))
    assert report.data["sessions"] == 1 and report.data["minutes"] == 25  # 20 June, a Saturday
    assert Report.objects.get(user=learners["taro"], kind=ReportKind.WEEKLY).data["sessions"] == 0


def test_the_report_schedules_are_in_the_database_scheduler() -> None:
    from django_celery_beat.schedulers import DatabaseScheduler

    from workplace_roleplay.celery import app

    monthly = PeriodicTask.objects.get(task="analytics.monthly_reports")
    weekly = PeriodicTask.objects.get(task="analytics.weekly_reports")
    assert monthly.enabled and weekly.enabled
    assert (monthly.crontab.minute, monthly.crontab.hour, monthly.crontab.day_of_month) == ("0", "9", "1")
    assert (weekly.crontab.minute, weekly.crontab.hour, weekly.crontab.day_of_week) == ("0", "9", "1")
    assert str(monthly.crontab.timezone) == str(weekly.crontab.timezone) == "Asia/Tokyo"
    entry = DatabaseScheduler.Entry(monthly, app=app)  # what beat runs from the database row
    assert entry.task == "analytics.monthly_reports"
    assert (entry.schedule.minute, entry.schedule.hour, entry.schedule.day_of_month) == ({0}, {9}, {1})
    assert str(entry.schedule.tz) == "Asia/Tokyo"


def test_the_scheduled_monthly_task_reports_on_last_month(learners: dict[str, Any]) -> None:
    outcome = monthly_reports.delay().get()

    assert outcome == {"users": 3, "stored": 3, "emailed": 3}
    assert Report.objects.filter(kind=ReportKind.MONTHLY).count() == 3


def test_a_learner_makes_the_report_of_the_month_so_far_and_the_schedule_later_replaces_and_emails_it(
    learners: dict[str, Any],
) -> None:
    from analytics.reports import report_make_current

    report = report_make_current(user=learners["hanako"], kind="monthly", today=date(2026, 6, 24))

    assert (report.period_start, report.period_end) == (date(2026, 6, 1), date(2026, 7, 1))
    assert report.data["sessions"] == 2 and report.emailed_at is None and default_storage.exists(report.file)
    assert not mail.outbox and Report.objects.count() == 1  # nobody else's report, no e-mail
    run_reports(kind="monthly", today=JULY_FIRST)
    assert Report.objects.filter(user=learners["hanako"], kind="monthly").count() == 1
    assert "hanako@example.com" in [message.to[0] for message in mail.outbox]


def test_the_report_of_the_week_so_far_starts_on_monday(learners: dict[str, Any]) -> None:
    from analytics.reports import report_make_current

    report = report_make_current(user=learners["taro"], kind="weekly", today=date(2026, 7, 1))  # a Wednesday
    assert (report.period_start, report.period_end) == (date(2026, 6, 29), date(2026, 7, 6))
    assert report.data["sessions"] == 1 and report.data["language"] == "en"
