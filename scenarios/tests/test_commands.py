from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from scenarios.models import Scenario

pytestmark = pytest.mark.django_db

UPSTREAM = Path(__file__).resolve().parent / "fixtures" / "upstream"


def _run(*args: str) -> str:
    out = StringIO()
    call_command("import_scenarios", *args, stdout=out)
    return out.getvalue()


def test_it_imports_a_folder_and_reports_what_it_did():
    output = _run(str(UPSTREAM))

    assert Scenario.objects.count() == 30
    assert "Imported 30: 30 created, 0 updated." in output
    assert "create gray_zone_01" in output


def test_a_dry_run_writes_nothing_and_a_second_run_updates():
    assert "Would import 1: 1 created" in _run("--dry-run", str(UPSTREAM / "scenario3.yaml"))
    assert not Scenario.objects.exists()

    _run(str(UPSTREAM / "scenario3.yaml"))
    output = _run("--publish", str(UPSTREAM / "scenario3.yaml"))

    assert "1 updated" in output and "published" in output
    assert Scenario.objects.get(slug="scenario3").published


def test_a_broken_file_fails_with_the_reason_and_imports_nothing(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [oops\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"broken.yaml: \d+行目: YAML として読めません"):
        _run(str(UPSTREAM / "scenario1.yaml"), str(broken))

    assert not Scenario.objects.exists()


def test_a_missing_path_is_reported():
    with pytest.raises(CommandError, match="読み込めません"):
        _run("/nonexistent/scenarios.yaml")
