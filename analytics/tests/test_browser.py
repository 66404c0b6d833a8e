"""My progress in a real browser: Chart.js draws the charts from the page's JSON data."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.tests.browser import log_in
from accounts.tests.factories import UserFactory
from analytics.tests.factories import StrengthAnalysisFactory, scores

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_page_draws_its_charts(browser_page: Any, live_asgi_server: Any) -> None:
    user = UserFactory(username="hanako")
    now = timezone.now()
    StrengthAnalysisFactory(user=user, session_started_at=now - timedelta(days=40), scores=scores(active_listening=58))
    StrengthAnalysisFactory(user=user, session_started_at=now - timedelta(days=3), scores=scores(active_listening=70))
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "hanako", live_asgi_server.url)

    page.goto("/progress/")

    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('radar-chart'))")
    radar = page.evaluate(
        """() => { const chart = Chart.getChart(document.getElementById('radar-chart'));
                   return {type: chart.config.type, labels: chart.data.labels, now: chart.data.datasets[0].data,
                           datasets: chart.data.datasets.length}; }"""
    )
    assert radar["type"] == "radar" and radar["labels"][2] == "傾聴力"
    assert radar["now"][2] == 70 and radar["datasets"] == 2
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas')].filter(c => Chart.getChart(c) !== undefined).length"
    )
    assert drawn == 8  # radar, six axes over time, practice per week
    assert page.get_by_text("傾聴力 が先月より +12").is_visible()
    assert errors == []


def test_the_progress_page_fits_a_phone_screen(browser_page: Any, live_asgi_server: Any) -> None:
    user = UserFactory(username="taro")
    StrengthAnalysisFactory(user=user, session_started_at=timezone.now() - timedelta(days=1))
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, "taro", live_asgi_server.url)

    page.goto("/progress/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('weekly-chart'))")

    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
