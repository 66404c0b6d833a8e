"""The trainers' YAML import is size-limited and parsed safely: YAML cannot run code or create objects."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from scenarios.models import Scenario

pytestmark = pytest.mark.django_db
IMPORT = "admin:scenarios_scenario_import"


@pytest.fixture
def trainer_client(client: Client) -> Client:
    client.force_login(UserFactory.create(trainer=True))
    return client


def _post(client: Client, name: str, content: bytes) -> str:
    upload = SimpleUploadedFile(name, content, content_type="application/x-yaml")
    return str(client.post(reverse(IMPORT), {"file": upload}).content.decode())


def test_python_tags_are_refused_and_never_run(trainer_client: Client, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = f"scenarios:\n  - !!python/object/apply:os.system ['touch {marker}']\n".encode()
    body = _post(trainer_client, "evil.yaml", payload)

    assert not marker.exists()
    assert "evil.yaml" in body
    assert not Scenario.objects.exists()


def test_a_billion_laughs_document_is_refused_without_expanding(trainer_client: Client) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]" for i in range(8)]
    body = _post(trainer_client, "laughs.yaml", "\n".join(lines).encode())

    assert "laughs.yaml" in body
    assert not Scenario.objects.exists()


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(trainer_client: Client) -> None:
    upload = SimpleUploadedFile("huge.yaml", b"#" * (3 * 1024 * 1024), content_type="application/x-yaml")
    response = trainer_client.post(reverse(IMPORT), {"file": upload})
    assert response.status_code == 413
    assert not Scenario.objects.exists()
