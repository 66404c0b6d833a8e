"""Production settings, checked the way an operator starts them: ``manage.py`` in a new process."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION = "workplace_roleplay.settings.production"


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_it_passes_the_deployment_checks_with_the_documented_environment():
    env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "example.com"}

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_it_refuses_to_start_without_a_secret_key():
    result = _manage("check", env={"DJANGO_ALLOWED_HOSTS": "example.com"})

    assert result.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable" in result.stderr
