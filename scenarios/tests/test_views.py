import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from scenarios.models import Category, Difficulty, ScenarioConsent, ScenarioPlay
from scenarios.practice import register_practised_counter, unregister_practised_counter
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner_client(client: Client) -> Client:
    client.force_login(UserFactory.create())
    return client


def test_the_catalog_needs_a_login(client: Client):
    response = client.get(reverse("scenarios:catalog"))

    assert response.status_code == 302 and "login" in response["Location"]


def test_the_catalog_shows_cards_with_difficulty_category_points_and_new_marker(learner_client: Client):
    ScenarioFactory.create(title="締切の遅れを報告する", learning_points=["結論から話す"], category=Category.REPORTING)
    ScenarioFactory.create(title="下書きのシナリオ", published=False)

    response = learner_client.get(reverse("scenarios:catalog"))
    body = response.content.decode()

    assert response.status_code == 200
    assert "締切の遅れを報告する" in body and "下書きのシナリオ" not in body
    assert "初級" in body and "報連相" in body and "結論から話す" in body
    assert "NEW" in body or "新着" in body
    assert "まだ練習していません" in body


def test_the_catalog_shows_how_often_the_learner_practised(client: Client):
    learner = UserFactory.create()
    scenario = ScenarioFactory.create()
    client.force_login(learner)

    def counter(user: object, ids: list[int]) -> dict[int, int]:
        return {scenario.pk: 2}

    register_practised_counter(counter)
    try:
        body = client.get(reverse("scenarios:catalog")).content.decode()
    finally:
        unregister_practised_counter(counter)

    assert "2 回練習しました" in body


def test_filters_and_japanese_search_narrow_the_list(learner_client: Client):
    ScenarioFactory.create(title="クレーム電話の対応", difficulty=Difficulty.INTERMEDIATE, category=Category.COMPLAINTS)
    ScenarioFactory.create(title="会議で意見を言う", difficulty=Difficulty.BEGINNER, category=Category.MEETINGS)

    by_search = learner_client.get(reverse("scenarios:catalog"), {"q": "クレーム"}).content.decode()
    by_filter = learner_client.get(reverse("scenarios:catalog"), {"difficulty": "beginner"}).content.decode()

    assert "クレーム電話の対応" in by_search and "会議で意見を言う" not in by_search
    assert "会議で意見を言う" in by_filter and "クレーム電話の対応" not in by_filter


def test_htmx_requests_get_only_the_results_partial(learner_client: Client):
    ScenarioFactory.create(title="会議で意見を言う", category=Category.MEETINGS)

    response = learner_client.get(reverse("scenarios:catalog"), {"category": "meetings"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()

    assert response.status_code == 200
    assert 'id="catalog-results"' in body and "会議で意見を言う" in body
    assert "<html" not in body and 'class="catalog-filters"' not in body  # the cards' Start forms only


def test_a_bad_filter_shows_a_message_instead_of_failing(learner_client: Client):
    ScenarioFactory.create(title="会議で意見を言う")

    response = learner_client.get(reverse("scenarios:catalog"), {"difficulty": "expert"})
    body = response.content.decode()

    assert response.status_code == 200
    assert "無視しました" in body and "会議で意見を言う" in body


def test_the_scenario_page_shows_roles_situation_points_and_a_start_button(learner_client: Client):
    scenario = ScenarioFactory.create(ai_role="営業部長", situation="金曜の夕方。", feedback_points=["数字で話せたか"])

    body = learner_client.get(reverse("scenarios:detail", args=[scenario.pk])).content.decode()

    assert "営業部長" in body and "金曜の夕方。" in body and "数字で話せたか" in body
    assert reverse("scenarios:start", args=[scenario.pk]) in body
    # prompt-only data stays on the server
    assert scenario.personality not in body


def test_a_draft_is_404_for_learners_and_visible_to_trainers(client: Client):
    draft = ScenarioFactory.create(published=False, title="まだ下書き")
    client.force_login(UserFactory.create())
    assert client.get(reverse("scenarios:detail", args=[draft.pk])).status_code == 404
    assert client.post(reverse("scenarios:start", args=[draft.pk])).status_code == 404

    client.force_login(UserFactory.create(trainer=True))
    response = client.get(reverse("scenarios:detail", args=[draft.pk]))

    assert response.status_code == 200 and "まだ下書き" in response.content.decode()


def test_starting_a_scenario_opens_play(learner_client: Client):
    scenario = ScenarioFactory.create()

    response = learner_client.post(reverse("scenarios:start", args=[scenario.pk]), follow=True)

    play = ScenarioPlay.objects.get(scenario=scenario)
    assert response.redirect_chain[-1][0] == reverse("scenarios:play", args=[play.conversation_id])
    assert scenario.opening_line in response.content.decode()


def test_start_only_accepts_post(learner_client: Client):
    scenario = ScenarioFactory.create()

    assert learner_client.get(reverse("scenarios:start", args=[scenario.pk])).status_code == 405


def test_a_sensitive_scenario_asks_for_consent_before_play(client: Client):
    learner = UserFactory.create()
    scenario = ScenarioFactory.create(sensitive=True, category=Category.HARASSMENT)
    client.force_login(learner)

    start = client.post(reverse("scenarios:start", args=[scenario.pk]))
    assert start.status_code == 302 and start["Location"] == reverse("scenarios:consent", args=[scenario.pk])

    page = client.get(start["Location"]).content.decode()
    assert "ハラスメント" in page and 'type="checkbox"' in page

    refused = client.post(start["Location"], {})
    assert refused.status_code == 200 and "チェック" in refused.content.decode()
    assert not ScenarioConsent.objects.filter(user=learner, scenario=scenario).exists()

    agreed = client.post(start["Location"], {"agree": "on"})
    assert agreed.status_code == 302 and agreed["Location"].startswith("/scenarios/play/")
    assert ScenarioConsent.objects.filter(user=learner, scenario=scenario).exists()

    again = client.post(reverse("scenarios:start", args=[scenario.pk]))
    assert again["Location"].startswith("/scenarios/play/") and again["Location"] != agreed["Location"]


def test_the_consent_page_of_an_ordinary_scenario_leads_back_to_it(learner_client: Client):
    scenario = ScenarioFactory.create(sensitive=False)

    response = learner_client.get(reverse("scenarios:consent", args=[scenario.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("scenarios:detail", args=[scenario.pk])


def test_english_users_see_english_titles(client: Client):
    user = UserFactory.create(preferences={"language": "en"})
    ScenarioFactory.create(title="会議で意見を言う", title_en="Speaking up in a meeting")
    client.force_login(user)

    body = client.get(reverse("scenarios:catalog")).content.decode()

    assert "Speaking up in a meeting" in body and "Beginner" in body


def test_the_consent_page_names_a_missing_tick_once(client: Client):
    scenario = ScenarioFactory.create(sensitive=True, category=Category.HARASSMENT)
    client.force_login(UserFactory.create())

    page = client.post(reverse("scenarios:consent", args=[scenario.pk]), {}).content.decode()
    assert page.count("確認のチェックを入れてください") == 1
