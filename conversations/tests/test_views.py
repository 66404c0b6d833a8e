from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from conversations.models import Conversation
from conversations.tests.factories import ConversationFactory, MessageFactory, quoted_evidence

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_starts_a_chat_from_the_page() -> None:
    user = UserFactory()
    response = _client(user).post("/chat/", {"partner": "上司", "situation": "エレベーター"})
    conversation = Conversation.objects.get(user=user)
    assert response.status_code == 302 and response.url == f"/chat/{conversation.id}/"
    assert conversation.metadata["partner"] == "上司"


def test_it_shows_the_error_next_to_the_field() -> None:
    response = _client(UserFactory()).post("/chat/", {"partner": "custom", "situation": "ランチ"})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not Conversation.objects.exists()


def test_it_shows_the_stored_history_escaped() -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, role="assistant", content="<b>太字</b>にしないで")
    response = _client(conversation.user).get(f"/chat/{conversation.id}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "&lt;b&gt;太字&lt;/b&gt;にしないで" in page
    assert f'ws-connect="/ws/chat/{conversation.id}?format=html"' in page
    assert "送信" in page and "終了してフィードバックを受け取る" in page  # Japanese by default


def test_it_hides_another_users_conversation() -> None:
    conversation = ConversationFactory()
    stranger = _client(UserFactory())
    assert stranger.get(f"/chat/{conversation.id}/").status_code == 404
    assert stranger.post(f"/chat/{conversation.id}/delete/").status_code == 404
    assert stranger.post(f"/chat/{conversation.id}/feedback/").status_code == 404
    assert stranger.get("/chat/not-a-uuid/").status_code == 404
    assert Conversation.objects.filter(id=conversation.id).exists()


def test_it_searches_the_journal_with_htmx() -> None:
    conversation = ConversationFactory(title="先輩・ランチ")
    MessageFactory(conversation=conversation, content="週次の報告を送りました")
    ConversationFactory(user=conversation.user, title="同僚・飲み会")
    response = _client(conversation.user).get("/chat/journal/", {"q": "報告"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "先輩・ランチ" in page and "同僚・飲み会" not in page
    assert "<html" not in page


def test_it_deletes_a_conversation_from_the_page() -> None:
    conversation = ConversationFactory()
    response = _client(conversation.user).post(f"/chat/{conversation.id}/delete/")
    assert response.status_code == 302
    assert not Conversation.objects.exists()


def test_it_shows_feedback_on_the_page(fake_llm: Any) -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, content="ありがとうございます、助かりました")
    scores = dict.fromkeys(
        ["empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism"], 66
    )
    fake_llm.reply_json(
        {
            "summary": "感謝が伝わりました",
            "went_well": [{"quote": "ありがとうございます", "comment": "良い"}],
            "to_improve": [],
            "better_phrasings": [],
            "scores": scores,
            "evidence": quoted_evidence("ありがとうございます、助かりました"),
        }
    )
    response = _client(conversation.user).post(f"/chat/{conversation.id}/feedback/", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "感謝が伝わりました" in page and "共感力" in page and "66" in page


def test_it_requires_login() -> None:
    response = Client().get("/chat/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_it_drops_point_scores_nobody_asked_for_in_chat(fake_llm: Any) -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, content="よろしくお願いします")
    scores = dict.fromkeys(
        ["empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism"], 50
    )
    fake_llm.reply_json(
        {
            "summary": "s",
            "went_well": [],
            "to_improve": [],
            "better_phrasings": [],
            "scores": scores,
            "evidence": quoted_evidence("よろしくお願いします"),
            "point_scores": [{"point": "empathy", "score": 50, "comment": "invented"}],
        }
    )
    page = (
        _client(conversation.user).post(f"/chat/{conversation.id}/feedback/", HTTP_HX_REQUEST="true").content.decode()
    )
    assert "invented" not in page
    assert 'id="composer" hx-swap-oob="delete"' in page
