"""An English learner's journal: the session's title and its analysis summary are English."""

import re
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from accounts.tests.factories import UserFactory
from analytics.models import AnalysisStatus, StrengthAnalysis
from conversations import services as conversation_services
from conversations.models import Role
from conversations.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")


def test_the_journal_summary_of_an_english_chat_is_english(
    fake_llm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_llm.configure(OPENAI_API_BASE="")  # the offline demo judge writes the summary
    user = UserFactory.create(preferences={"language": "en", "default_partner": "同僚"})
    conversation = conversation_services.chat_start(user=user, partner="先輩", situation="ランチ")
    MessageFactory(conversation=conversation, role=Role.ASSISTANT, content="How has work been going lately?")
    MessageFactory(conversation=conversation, content="Pretty well, thank you. Could you tell me about your project?")

    with django_capture_on_commit_callbacks(execute=True):
        conversation_services.conversation_end(conversation=conversation)
    client = Client()
    client.force_login(user)
    entry = client.get("/progress/journal/").content.decode()
    entry = entry[entry.index('class="card journal-entry"') : entry.index("</li>", entry.index("journal-entry"))]

    analysis = StrengthAnalysis.objects.get(conversation=conversation)
    assert analysis.status == AnalysisStatus.DONE and analysis.feedback
    assert "Senior colleague · Lunch" in entry and escape(analysis.feedback) in entry
    assert JAPANESE.findall(entry) == []
