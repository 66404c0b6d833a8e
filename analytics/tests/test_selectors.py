"""Progress figures against values computed by hand from factory data."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from accounts.tests.factories import UserFactory
from analytics import selectors
from analytics.models import AnalysisStatus
from analytics.periods import Window, local_midnight, period_buckets, period_window, report_windows
from analytics.tests.factories import StrengthAnalysisFactory, scores
from scenarios.models import Category
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=TOKYO)  # a Monday


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=TOKYO)


def _analysis(user: Any, when: datetime, seconds: int = 600, status: str = AnalysisStatus.DONE, **axes: int) -> Any:
    return StrengthAnalysisFactory(
        user=user,
        session_started_at=when,
        duration_seconds=seconds,
        status=status,
        scores=scores(**axes) if status == AnalysisStatus.DONE else {},
    )


@pytest.fixture
def learner() -> Any:
    """Last 30 days (17 May - 15 June): listening 70, 80, 90 and one failed session; before: 60, 76."""
    user = UserFactory()
    _analysis(user, at(6, 10), 600, active_listening=70)
    _analysis(user, at(6, 12), 900, active_listening=80)
    _analysis(user, at(6, 15), 1200, active_listening=90)
    _analysis(user, at(6, 14), 300, status=AnalysisStatus.FAILED)
    _analysis(user, at(5, 1), 600, active_listening=60)
    _analysis(user, at(5, 10), 600, active_listening=76)
    _analysis(user, at(3, 1), 600, active_listening=10)  # older than both windows
    other = UserFactory()
    _analysis(other, at(6, 13), 3000, active_listening=5, empathy=5)
    return user


def test_the_month_figures_match_the_hand_computed_values(learner: Any) -> None:
    figures = selectors.figures_for_user(user_id=learner.pk, window=period_window("month", NOW))

    assert (figures.sessions, figures.analysed) == (4, 3)
    assert figures.minutes == (600 + 900 + 1200 + 300) // 60 == 50
    assert figures.averages["active_listening"] == 80.0
    assert figures.previous["active_listening"] == 68.0
    assert figures.deltas["active_listening"] == 12.0
    assert figures.averages["empathy"] == 60.0 and figures.deltas["empathy"] == 0.0


def test_the_growth_message_names_the_axis_that_grew_most(learner: Any) -> None:
    figures = selectors.figures_for_user(user_id=learner.pk, window=period_window("month", NOW))

    with translation.override("ja"):
        assert selectors.growth(figures) == {"axis": "active_listening", "label": "傾聴力", "delta": 12}


def test_figures_of_all_users_come_from_one_query(learner: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        figures = selectors.figures_by_user(window=period_window("month", NOW))

    assert len(figures) == 2
    assert figures[learner.pk].sessions == 4


def test_the_week_series_puts_each_session_in_its_local_day(learner: Any) -> None:
    series = selectors.progress_series(user_id=learner.pk, period="week", now=NOW)

    points = {point["start"]: point for point in series["points"]}
    assert list(points) == [f"2026-06-{day:02d}" for day in range(9, 16)]
    assert points["2026-06-10"]["sessions"] == 1 and points["2026-06-10"]["minutes"] == 10
    assert points["2026-06-12"]["scores"]["active_listening"] == 80.0
    assert points["2026-06-14"] == {
        "start": "2026-06-14",
        "end": "2026-06-14",
        "sessions": 1,
        "minutes": 5,
        "scores": dict.fromkeys(points["2026-06-14"]["scores"]),
    }
    assert points["2026-06-11"]["sessions"] == 0


def test_a_session_just_after_local_midnight_belongs_to_that_local_day() -> None:
    user = UserFactory()
    _analysis(user, datetime(2026, 6, 14, 0, 5, tzinfo=TOKYO))  # 13 June 15:05 UTC

    points = {p["start"]: p for p in selectors.progress_series(user_id=user.pk, period="week", now=NOW)["points"]}

    assert points["2026-06-14"]["sessions"] == 1 and points["2026-06-13"]["sessions"] == 0


def test_the_quarter_and_year_series_use_weeks_and_calendar_months() -> None:
    quarter = period_buckets("quarter", NOW)
    year = period_buckets("year", NOW)

    assert len(quarter) == 13 and quarter[-1].end == local_midnight(date(2026, 6, 16))
    assert len(year) == 12
    assert year[0].start == local_midnight(date(2025, 7, 1)) and year[-1].end == local_midnight(date(2026, 7, 1))


def test_weekly_activity_counts_sessions_and_minutes_per_monday_week(learner: Any) -> None:
    weeks = {row["week"]: row for row in selectors.weekly_activity(user_ids=[learner.pk], now=NOW)}

    assert len(weeks) == 8 and list(weeks)[-1] == "2026-06-15"
    assert weeks["2026-06-08"] == {"week": "2026-06-08", "sessions": 3, "minutes": 30}
    assert weeks["2026-06-15"] == {"week": "2026-06-15", "sessions": 1, "minutes": 20}
    assert weeks["2026-05-04"]["sessions"] == 1 and weeks["2026-04-27"]["sessions"] == 1
    assert weeks["2026-05-18"]["sessions"] == 0


def test_the_streak_counts_consecutive_days_up_to_today(learner: Any) -> None:
    assert selectors.practice_streak(user_id=learner.pk, now=NOW) == 2  # 14 and 15 June
    assert selectors.practice_streak(user_id=learner.pk, now=at(6, 16, 9)) == 2  # today not yet
    assert selectors.practice_streak(user_id=learner.pk, now=at(6, 18)) == 0


def test_top_strengths_come_with_the_learners_own_quotes_and_session_links() -> None:
    user = UserFactory()
    StrengthAnalysisFactory(
        user=user,
        session_started_at=at(6, 10),
        session_title="課長への報告",
        session_url="/chat/a/",
        scores=scores(clarity=90, evidence={"clarity": ["結論から申し上げます。"]}),
    )
    StrengthAnalysisFactory(user=user, session_started_at=at(6, 11), scores=scores(clarity=70, empathy=65))
    window = period_window("month", NOW)
    figures = selectors.figures_for_user(user_id=user.pk, window=window)

    strengths = selectors.strengths_with_evidence(user_id=user.pk, averages=figures.averages, window=window)

    assert [s["axis"] for s in strengths] == ["clarity", "empathy", "active_listening"]
    assert strengths[0]["score"] == 80.0
    assert strengths[0]["evidence"] == [
        {"text": "結論から申し上げます。", "title": "課長への報告", "url": "/chat/a/", "date": "2026-06-10"}
    ]


def test_suggestions_train_the_weakest_axis_from_the_catalog() -> None:
    user = UserFactory()
    StrengthAnalysisFactory(user=user, session_started_at=at(6, 10), scores=scores(default=80, clarity=40))
    report = ScenarioFactory(category=Category.REPORTING, published=True, title="遅れの報告")
    ScenarioFactory(category=Category.NEGOTIATION, published=True, tags=["交渉"])
    ScenarioFactory(category=Category.REPORTING, published=False, title="下書き")

    overview = selectors.progress_overview(user_id=user.pk, period="month", now=NOW)

    assert overview["weakest"]["axis"] == "clarity"
    assert [s["title"] for s in overview["suggestions"]] == [report.title]


def test_the_monthly_report_compares_with_the_calendar_month_before() -> None:
    window, previous = report_windows("monthly", date(2026, 7, 1))

    assert window == Window(local_midnight(date(2026, 6, 1)), local_midnight(date(2026, 7, 1)))
    assert previous == Window(local_midnight(date(2026, 5, 1)), local_midnight(date(2026, 6, 1)))
    week, week_before = report_windows("weekly", date(2026, 6, 17))
    assert week.start == local_midnight(date(2026, 6, 8)) and week.end == local_midnight(date(2026, 6, 15))
    assert week_before.start == local_midnight(date(2026, 6, 1))
