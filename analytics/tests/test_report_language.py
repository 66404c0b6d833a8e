"""Report e-mails are written in each recipient's language, whatever language the job runs in."""

from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from accounts.tests.factories import UserFactory
from analytics.reports import run_reports
from analytics.tests.test_reports import JULY_FIRST

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("running_in", ["ja", "en"])
def test_each_recipient_gets_the_report_email_in_their_own_language(running_in: str) -> None:
    UserFactory(username="hanako", preferences={"language": "ja"})
    UserFactory(username="taro", preferences={"language": "en"})

    with translation.override(running_in):
        run_reports(kind="monthly", today=JULY_FIRST)

    sent = {message.to[0]: message for message in mail.outbox}
    japanese, english = sent["hanako@example.com"], sent["taro@example.com"]
    assert "月次レポート" in japanese.subject and "月次レポート" in japanese.alternatives[0][0]
    assert "Monthly report" in english.subject and "Monthly report" in english.alternatives[0][0]
    assert "Monthly report" not in japanese.body + japanese.subject
    assert "月次レポート" not in english.body + english.subject
