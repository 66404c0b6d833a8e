"""An English learner's chat: English choices, title, partner prompt and opening line, with no Japanese."""

import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.models import Conversation
from conversations.partners import PARTNERS, SITUATIONS
from conversations.personas import persona_for
from conversations.services import chat_start
from llm.demo import reply_text
from llm.prompts import opening_messages

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")


def _english_user() -> Any:
    return UserFactory.create(preferences={"language": "en", "default_partner": "先輩"})


def _select(page: str, name: str) -> str:
    start = page.index(f'<select name="{name}"')
    return page[start : page.index("</select>", start)]


@pytest.mark.django_db
def test_an_english_learner_picks_partners_and_situations_in_english() -> None:
    client = Client()
    client.force_login(_english_user())

    page = client.get("/chat/").content.decode()

    partners, situations = _select(page, "partner"), _select(page, "situation")
    assert '<option value="先輩" selected>Senior colleague</option>' in partners
    assert ">Coffee break</option>" in situations and ">Custom…</option>" in situations
    assert [label for label in re.findall(r">([^<]+)</option>", partners + situations) if JAPANESE.search(label)] == []


@pytest.mark.django_db
def test_a_japanese_learner_still_picks_in_japanese() -> None:
    client = Client()
    client.force_login(UserFactory.create())

    page = client.get("/chat/").content.decode()

    assert ">先輩</option>" in _select(page, "partner") and ">休憩中</option>" in _select(page, "situation")


@pytest.mark.django_db
def test_an_english_chat_is_titled_in_english_and_its_partner_prompt_has_no_japanese() -> None:
    user = _english_user()
    for partner in PARTNERS:
        for situation in SITUATIONS:
            conversation = chat_start(user=user, partner=partner.key, situation=situation.key)
            prompt = opening_messages(persona_for(conversation))
            opening = reply_text(prompt)

            assert conversation.title == f"{partner.label_en} · {situation.label_en}"
            assert JAPANESE.findall(prompt[0]["content"]) == [], (partner.key, situation.key)
            assert JAPANESE.findall(opening) == [], opening


@pytest.mark.django_db(transaction=True)
def test_the_offline_partner_opens_an_english_chat_in_english(fake_llm: Any) -> None:
    fake_llm.configure(OPENAI_API_BASE="")  # no model configured: the offline demo partner
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(_english_user())}")

    response = client.post("/api/v1/chat/start", {"partner": "上司", "situation": "休憩中"}, format="json")

    opening = response.json()["messages"][0]["content"]
    assert response.status_code == 201 and response.json()["conversation"]["title"] == "Manager · Coffee break"
    assert "making coffee in the office break area" in opening and JAPANESE.findall(opening) == []
    assert Conversation.objects.get().title == "Manager · Coffee break"


@pytest.mark.django_db(transaction=True)
def test_an_english_learners_own_situation_in_japanese_is_never_quoted_by_the_offline_partner(
    fake_llm: Any,
) -> None:
    fake_llm.configure(OPENAI_API_BASE="")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(_english_user())}")

    response = client.post(
        "/api/v1/chat/start",
        {"partner": "同僚", "situation": "custom", "custom_situation": "屋上で休憩中"},
        format="json",
    )

    opening = response.json()["messages"][0]["content"]
    assert response.status_code == 201 and opening and JAPANESE.findall(opening) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_english_learner_starts_an_english_chat_in_the_browser(
    fake_llm: Any, live_asgi_server: Any, browser_page: Any
) -> None:
    user = UserFactory.create(
        username="emma", password="a-Long-enough-passw0rd", preferences={"language": "en", "default_partner": "同僚"}
    )
    fake_llm.reply(tokens=["Hi! ", "Coffee ", "break ", "already?"], delay=0.02)
    page = browser_page
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "a-Long-enough-passw0rd")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_asgi_server.url}/")
    page.goto("/chat/")

    options = page.locator("select[name=partner] option, select[name=situation] option").all_inner_texts()
    page.select_option("select[name=partner]", label="Manager")
    page.select_option("select[name=situation]", label="Coffee break")
    page.click("#chat-start-form button[type=submit]")
    page.wait_for_selector(".msg-assistant.msg-complete", timeout=15000)

    assert "Senior colleague" in options and "After-work drinks" in options
    assert [option for option in options if JAPANESE.search(option)] == []
    assert page.title().startswith("Manager · Coffee break")
    assert "Hi! Coffee break already?" in page.inner_text("#messages")
    system = fake_llm.requests[-1]["messages"][0]["content"]
    assert "Making coffee in the office break area." in system and JAPANESE.findall(system) == []
