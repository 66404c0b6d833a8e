from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_analytics_api_answers_429_with_retry_after_over_its_limit(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "analytics": ["2/h"]}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(UserFactory())}")
    assert client.get("/api/v1/analytics/strengths").status_code == 200
    assert client.get("/api/v1/analytics/progress").status_code == 200
    refused = client.get("/api/v1/analytics/report")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"]


def test_the_progress_pages_share_the_analytics_limit_but_polling_does_not(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "analytics": ["1/h"]}
    client = Client()
    client.force_login(UserFactory())
    assert client.get("/progress/").status_code == 200
    refused = client.get("/progress/reports/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert client.get("/chat/").status_code == 200  # other modes are not affected
