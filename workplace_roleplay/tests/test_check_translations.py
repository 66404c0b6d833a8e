"""The translation check finds user-facing strings without a Japanese translation, and writes nothing."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_translations.py"
HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n'
CATALOGUE = (
    HEADER
    + '\nmsgid "Already translated"\nmsgstr "翻訳済み"\n'
    + '\n#, fuzzy\nmsgid "Only a guess"\nmsgstr "推測"\n'
    + '\nmsgid "Left empty"\nmsgstr ""\n'
)


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_translations", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_translations"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _source(tmp_path: Path) -> Path:
    (tmp_path / "app" / "templates").mkdir(parents=True)
    (tmp_path / "app" / "tests").mkdir()
    (tmp_path / "app" / "views.py").write_text(
        "from django.utils.translation import gettext as _, ngettext\n"
        'A = _("Already translated")\nB = _("Only a guess")\nC = _("Left empty")\n'
        'D = _("A sentence nobody translated")\nE = ngettext("%(n)s apple", "%(n)s apples", 2)\n'
        'F = _("Home")  # Django\'s own catalogue translates this one\n',
        encoding="utf-8",
    )
    (tmp_path / "app" / "templates" / "page.html").write_text(
        '{% load i18n %}<h1>{% translate "A heading nobody translated" %}</h1>', encoding="utf-8"
    )
    (tmp_path / "app" / "tests" / "test_x.py").write_text(
        'from django.utils.translation import gettext as _\n_("Only in a test")\n'
    )
    (tmp_path / "locale" / "ja" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "locale" / "ja" / "LC_MESSAGES" / "django.po").write_text(CATALOGUE, encoding="utf-8")
    return tmp_path


def test_it_lists_missing_empty_and_fuzzy_translations(checker: ModuleType, tmp_path: Path) -> None:
    missing = checker.check(_source(tmp_path))

    assert sorted(entry.msgid for entry in missing) == [
        "%(n)s apple",
        "A heading nobody translated",
        "A sentence nobody translated",
        "Left empty",
        "Only a guess",
    ]
    assert next(entry for entry in missing if entry.msgid == "Only a guess").fuzzy
    assert next(entry for entry in missing if entry.msgid == "A sentence nobody translated").where == "app/views.py:5"


def test_it_leaves_the_repositorys_catalogue_as_it_was(checker: ModuleType, tmp_path: Path) -> None:
    source = _source(tmp_path)

    checker.check(source)

    assert (source / "locale" / "ja" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8") == CATALOGUE
    assert sorted(p.name for p in (source / "locale").rglob("*")) == ["LC_MESSAGES", "django.po", "ja"]


def test_it_passes_when_everything_is_translated(checker: ModuleType, tmp_path: Path) -> None:
    source = tmp_path / "clean"
    (source / "locale" / "ja" / "LC_MESSAGES").mkdir(parents=True)
    (source / "views.py").write_text('from django.utils.translation import gettext as _\n_("Already translated")\n')
    (source / "locale" / "ja" / "LC_MESSAGES" / "django.po").write_text(CATALOGUE, encoding="utf-8")

    assert checker.check(source) == []
