"""YAML a scenario import cannot store is refused in the preview, with the line and the reason."""

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from scenarios import services
from scenarios.importer import ScenarioImportError, Source, parse_source
from scenarios.models import Scenario

pytestmark = pytest.mark.django_db
IMPORT = "admin:scenarios_scenario_import"
CONFIRM = "admin:scenarios_scenario_import_confirm"


def _document(
    title: str = "遅れを報告する", settings: str = "{}", description: str = "締切に遅れそうなことを伝える。"
) -> str:
    return f"""scenarios:
  - slug: report-delay
    title: {title}
    description: {description}
    difficulty: 初級
    ai_role: 課長
    learner_role: 担当者
    situation: 水曜の午後。
    learning_points: [結論から話す]
    feedback_points: [結論が先か]
    settings: {settings}
"""


UNSTORABLE = {
    "NUL escape": (_document(title='"遅れを報告する\\0"'), 3, "保存できない文字"),
    "lone surrogate escape": (_document(title='"遅れ\\ud800"'), 3, "保存できない文字"),
    "10,000-deep flow nesting": (_document(settings="[" * 10_000 + "]" * 10_000), 11, "入れ子が32段を超えています"),
    "10,000-deep block nesting": ("scenarios:\n  - " + "- " * 10_000 + "x\n", 2, "入れ子が32段を超えています"),
    "5,000-digit integer": (_document(title="9" * 5000), 3, "4300桁を超える数"),
    "impossible date": (_document(description="2024-13-45"), 4, "この値は読み取れません"),
    "alias": (_document(title="&t 遅れ", description="*t"), 4, "アンカーとエイリアス"),
}
CASES = list(UNSTORABLE.values())
IDS = list(UNSTORABLE.keys())


@pytest.fixture
def trainer_client(client: Client) -> Client:
    client.force_login(UserFactory.create(trainer=True))
    return client


def _preview(client: Client, text: str, **data: Any) -> str:
    upload = SimpleUploadedFile("mine.yaml", text.encode(), content_type="application/x-yaml")
    response = client.post(reverse(IMPORT), {"file": upload, **data})
    assert response.status_code == 200
    return str(response.content.decode())


def _token(body: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', body)
    assert match, body[:2000]
    return match.group(1)


@pytest.mark.parametrize(("text", "line", "reason"), CASES, ids=IDS)
def test_it_names_the_line_and_the_reason_while_reading(text: str, line: int, reason: str) -> None:
    with pytest.raises(ScenarioImportError) as refused:
        parse_source(Source("mine.yaml", text))
    [problem] = refused.value.problems
    assert (problem.source, problem.field) == ("mine.yaml", f"{line}行目")
    assert reason in problem.reason


@pytest.mark.parametrize(("text", "line", "reason"), CASES, ids=IDS)
def test_the_admin_preview_refuses_it_and_stores_nothing(
    trainer_client: Client, text: str, line: int, reason: str
) -> None:
    body = _preview(trainer_client, text)
    assert 'id="import-problems"' in body and f"{line}行目" in body and reason in body
    assert 'name="token"' not in body
    assert not Scenario.objects.exists()


def test_the_command_refuses_it_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(_document(title='"遅れを報告する\\0"'), encoding="utf-8")
    with pytest.raises(CommandError, match=r"mine.yaml: 3行目: .*NUL"):
        call_command("import_scenarios", str(path), stdout=StringIO())
    assert not Scenario.objects.exists()


def test_a_failed_confirm_keeps_the_preview_so_it_can_be_confirmed_again(
    trainer_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(_preview(trainer_client, _document()))
    apply = services._apply
    calls: list[int] = []

    def fails_once(item: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return apply(item, **kwargs)

    monkeypatch.setattr(services, "_apply", fails_once)
    failed = trainer_client.post(reverse(CONFIRM), {"token": token})
    assert failed.status_code == 200 and "保存できませんでした" in failed.content.decode()
    assert _token(failed.content.decode()) == token
    assert not Scenario.objects.exists()

    done = trainer_client.post(reverse(CONFIRM), {"token": token})
    assert done.status_code == 302
    assert Scenario.objects.filter(slug="report-delay").count() == 1


def test_the_preview_says_new_scenarios_will_be_drafts(trainer_client: Client) -> None:
    draft = _preview(trainer_client, _document())
    assert "新しいシナリオは下書きとして保存されます" in draft
    assert re.search(r"<td[^>]*>\s*下書き\s*</td>", draft)

    published = _preview(trainer_client, _document(), publish="on")
    assert "新しいシナリオは下書きとして保存されます" not in published
    assert re.search(r"<td[^>]*>\s*公開\s*</td>", published)
