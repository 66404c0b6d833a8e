"""An import that fails says why in the trainer's language: validation and YAML parser messages too."""

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import UserFactory
from scenarios.importer import ScenarioImportError, Source, parse_source
from scenarios.tests.factories import import_item


def _item(**overrides: object) -> dict[str, object]:
    return import_item(**overrides)


def _reasons(text: str, language: str = "ja") -> dict[str, str]:
    with translation.override(language), pytest.raises(ScenarioImportError) as exc:
        parse_source(Source("mine.yaml", text))
    return {problem.field: str(problem.reason) for problem in exc.value.problems}


def _yaml(**overrides: object) -> str:
    return yaml.safe_dump({"scenarios": [_item(**overrides)]}, allow_unicode=True)


def test_it_names_a_missing_field_in_japanese() -> None:
    assert _reasons(_yaml(title=None)) == {"scenarios[0].title": "必須の項目がありません"}


def test_it_names_a_missing_field_in_english() -> None:
    assert _reasons(_yaml(title=None), "en") == {"scenarios[0].title": "Field required"}


def test_it_explains_a_bad_difficulty_and_category_in_japanese() -> None:
    reasons = _reasons(_yaml(difficulty="expert", category="営業"))

    assert reasons["scenarios[0].difficulty"].startswith("難易度「expert」は使えません。")
    assert "初級" in reasons["scenarios[0].difficulty"]
    assert reasons["scenarios[0].category"].startswith("カテゴリ「営業」は使えません。")


def test_it_explains_other_validation_failures_in_japanese() -> None:
    reasons = _reasons(_yaml(titel="typo", slug="a b", learning_points=[], ai_role="x" * 201))

    assert reasons == {
        "scenarios[0].titel": "不明な項目です",
        "scenarios[0].slug": "英数字、ハイフン、アンダースコアだけを使ってください",
        "scenarios[0].learning_points": "1件以上必要です",
        "scenarios[0].ai_role": "200文字以内にしてください",
    }


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("title: [oops\n", "2行目", "YAML として読めません: [ ] のリストが閉じていません"),
        ("a: b: c\n", "1行目", "YAML として読めません: ここにはコロン（:）を書けません。文を引用符で囲んでください"),
        ("a:\n\tb: 1\n", "2行目", "YAML として読めません: タブ文字は使えません。スペースで字下げしてください"),
        ("a:\n  b: 1\n c: 2\n", "3行目", "YAML として読めません: 字下げがそろっていません"),
    ],
)
def test_it_explains_yaml_syntax_errors_in_japanese(text: str, where: str, reason: str) -> None:
    assert _reasons(text) == {where: reason}


def test_it_explains_file_shape_problems_in_japanese() -> None:
    assert _reasons("") == {"（ファイル）": "ファイルが空です"}
    assert _reasons("- one\n") == {"（ファイル）": "ファイルの最上位は「キー: 値」の形にしてください"}
    assert _reasons("scenarios:\n  - title: x\n") == {
        "scenarios[0].slug": "ありません: どのシナリオにも slug（または id）が必要です"
    }


@pytest.mark.django_db
def test_the_admin_shows_the_reasons_in_the_trainers_language(client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(UserFactory.create(trainer=True))
    upload = SimpleUploadedFile("mine.yaml", _yaml(title=None).encode(), content_type="application/x-yaml")

    body = client.post(reverse("admin:scenarios_scenario_import"), {"file": upload}).content.decode()

    assert "必須の項目がありません" in body and "Field required" not in body
