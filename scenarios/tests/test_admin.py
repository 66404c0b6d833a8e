import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from scenarios.models import Scenario
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db

UPSTREAM = Path(__file__).resolve().parent / "fixtures" / "upstream"
CHANGELIST = "admin:scenarios_scenario_changelist"
IMPORT = "admin:scenarios_scenario_import"
CONFIRM = "admin:scenarios_scenario_import_confirm"


def _login(client: Client, **kwargs: Any) -> User:
    user = UserFactory.create(**kwargs)
    client.force_login(user)
    return user


def _points(prefix: str, texts: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(texts)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, text in enumerate(texts):
        data[f"{prefix}-{index}-text"] = text
        data[f"{prefix}-{index}-order"] = str(index)
    return data


def _scenario_form(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "会議で反対意見を言う",
        "title_en": "Disagreeing in a meeting",
        "slug": "disagree-in-meeting",
        "description": "部長の案に異論を述べる練習。",
        "description_en": "",
        "category": "meetings",
        "difficulty": "intermediate",
        "tags": "会議、反対意見, 上司",
        "ai_role": "部長",
        "learner_role": "チームリーダー",
        "personality": "",
        "speaking_style": "",
        "situation": "部内会議。",
        "opening_line": "どうかな？",
        "persona_hint": "",
        "settings": "{}",
        "published": "on",
        **_points("learning_points", ["根拠を示す", "代案を出す"]),
        **_points("feedback_points", ["根拠があったか"]),
        **_points("criteria", []),
        **overrides,
    }


# --- Who may author --------------------------------------------------------------------------


def test_learners_are_sent_to_the_admin_login(client: Client):
    _login(client)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_staff_who_are_not_trainers_cannot_see_or_add_scenarios(client: Client):
    _login(client, is_staff=True)

    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(reverse("admin:scenarios_scenario_add")).status_code == 403
    assert client.post(reverse("admin:scenarios_scenario_add"), _scenario_form()).status_code == 403
    assert client.get(reverse(IMPORT)).status_code == 403
    assert "scenarios/scenario" not in client.get(reverse("admin:index")).content.decode()
    assert not Scenario.objects.exists()


def test_a_trainer_adds_a_scenario_with_its_points_and_becomes_its_author(client: Client):
    trainer = _login(client, trainer=True)

    response = client.post(reverse("admin:scenarios_scenario_add"), _scenario_form())

    assert response.status_code == 302, response.content.decode()[:2000]
    scenario = Scenario.objects.get(slug="disagree-in-meeting")
    assert scenario.author == trainer and scenario.last_editor == trainer
    assert scenario.tags == ["会議", "反対意見", "上司"]
    assert scenario.learning_point_texts() == ["根拠を示す", "代案を出す"]
    assert scenario.feedback_point_texts() == ["根拠があったか"]


def test_a_second_trainer_editing_becomes_last_editor_and_the_author_stays(client: Client):
    author = UserFactory.create(trainer=True)
    scenario = ScenarioFactory.create(slug="disagree-in-meeting", author=author, learning_points=[], feedback_points=[])
    editor = _login(client, trainer=True)

    response = client.post(
        reverse("admin:scenarios_scenario_change", args=[scenario.pk]), _scenario_form(title="新しいタイトル")
    )

    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.title == "新しいタイトル"
    assert scenario.author == author and scenario.last_editor == editor


def test_harassment_prevention_scenarios_are_always_sensitive(client: Client):
    _login(client, trainer=True)

    client.post(reverse("admin:scenarios_scenario_add"), _scenario_form(category="harassment"))
    client.post(reverse("admin:scenarios_scenario_add"), _scenario_form(slug="tagged", tags="パワハラ, 指導"))

    assert Scenario.objects.get(slug="disagree-in-meeting").sensitive
    assert Scenario.objects.get(slug="tagged").sensitive


def test_a_superuser_can_author(client: Client):
    _login(client, is_staff=True, is_superuser=True)

    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.post(reverse("admin:scenarios_scenario_add"), _scenario_form()).status_code == 302
    assert Scenario.objects.filter(slug="disagree-in-meeting").exists()


# --- The list ---------------------------------------------------------------------------------


def test_the_list_filters_by_tag_searches_and_links_to_try_it(client: Client):
    _login(client, trainer=True)
    meeting = ScenarioFactory.create(title="会議で発言する", tags=["会議"], published=False)
    ScenarioFactory.create(title="電話でおわびする", tags=["電話"])

    by_tag = client.get(reverse(CHANGELIST), {"tag": "会議"}).content.decode()
    by_search = client.get(reverse(CHANGELIST), {"q": "電話"}).content.decode()

    assert "会議で発言する" in by_tag and "電話でおわびする" not in by_tag
    assert "電話でおわびする" in by_search and "会議で発言する" not in by_search
    assert f'href="{reverse("scenarios:detail", args=[meeting.pk])}"' in by_tag


def _action(client: Client, action: str, scenarios: list[Scenario]) -> Any:
    return client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [str(scenario.pk) for scenario in scenarios]}
    )


def test_actions_publish_unpublish_and_duplicate(client: Client):
    trainer = _login(client, trainer=True)
    draft = ScenarioFactory.create(published=False)
    live = ScenarioFactory.create(published=True)

    _action(client, "publish_selected", [draft])
    _action(client, "unpublish_selected", [live])
    _action(client, "duplicate_selected", [draft])

    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.published and not live.published and draft.last_editor == trainer
    copy = Scenario.objects.get(slug=f"{draft.slug}-copy")
    assert not copy.published and copy.learning_point_texts() == draft.learning_point_texts()


def test_export_downloads_yaml_in_the_import_shape(client: Client):
    _login(client, trainer=True)
    scenario = ScenarioFactory.create(tags=["報告"])

    response = _action(client, "export_selected", [scenario])

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    [item] = yaml.safe_load(response.content.decode())["scenarios"]
    assert item["slug"] == scenario.slug and item["tags"] == ["報告"]
    assert item["learning_points"] == scenario.learning_point_texts()


# --- YAML import -------------------------------------------------------------------------------


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/x-yaml")


def _token(body: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', body)
    assert match, body[:2000]
    return match.group(1)


def test_an_upload_is_previewed_then_imported_on_confirm(client: Client):
    trainer = _login(client, trainer=True)
    content = (UPSTREAM / "harassment_gray_zones.yaml").read_bytes()

    preview = client.post(reverse(IMPORT), {"file": _upload("harassment_gray_zones.yaml", content)})
    body = preview.content.decode()

    assert preview.status_code == 200
    assert "gray_zone_01" in body and "指導と叱責の境界線" in body and "新規作成" in body
    assert "中級" in body and "ハラスメント防止" in body
    assert not Scenario.objects.exists()

    done = client.post(reverse(CONFIRM), {"token": _token(body)})

    assert done.status_code == 302 and done["Location"] == reverse(CHANGELIST)
    assert Scenario.objects.count() == 10
    assert Scenario.objects.filter(published=False, sensitive=True, author=trainer).count() == 10


def test_uploading_the_same_file_again_previews_updates(client: Client):
    _login(client, trainer=True)
    content = (UPSTREAM / "scenario1.yaml").read_bytes()
    first = client.post(reverse(IMPORT), {"file": _upload("scenario1.yaml", content), "publish": "on"})
    client.post(reverse(CONFIRM), {"token": _token(first.content.decode())})
    assert Scenario.objects.get(slug="scenario1").published

    again = client.post(reverse(IMPORT), {"file": _upload("scenario1.yaml", content)}).content.decode()

    assert "更新" in again and "変更なし" in again
    client.post(reverse(CONFIRM), {"token": _token(again)})
    assert Scenario.objects.count() == 1


def test_a_broken_upload_shows_the_file_field_and_reason_and_imports_nothing(client: Client):
    _login(client, trainer=True)
    broken = b"scenarios:\n  - id: x\n    title: t\n    difficulty: expert\n"

    response = client.post(reverse(IMPORT), {"file": _upload("mine.yaml", broken)})
    body = response.content.decode()

    assert response.status_code == 200
    assert "mine.yaml" in body and "scenarios[0].difficulty" in body and "expert" in body
    assert not Scenario.objects.exists()


def test_oversized_or_non_yaml_uploads_are_refused(client: Client):
    _login(client, trainer=True)

    too_big = client.post(reverse(IMPORT), {"file": _upload("big.yaml", b"#" * (1024 * 1024 + 1))})
    not_yaml = client.post(reverse(IMPORT), {"file": _upload("notes.txt", b"title: x")})

    assert "1 MiB" in too_big.content.decode()
    assert ".yaml" in not_yaml.content.decode()
    assert not Scenario.objects.exists()


def test_a_preview_cannot_be_confirmed_by_someone_else_or_twice(client: Client):
    _login(client, trainer=True)
    content = (UPSTREAM / "scenario2.yaml").read_bytes()
    token = _token(client.post(reverse(IMPORT), {"file": _upload("scenario2.yaml", content)}).content.decode())

    other = Client()
    other.force_login(UserFactory.create(trainer=True))
    refused = other.post(reverse(CONFIRM), {"token": token})
    assert refused.status_code == 302 and refused["Location"] == reverse(IMPORT)
    assert not Scenario.objects.exists()

    client.post(reverse(CONFIRM), {"token": token})
    replay = client.post(reverse(CONFIRM), {"token": token})
    assert replay["Location"] == reverse(IMPORT)
    assert Scenario.objects.count() == 1
