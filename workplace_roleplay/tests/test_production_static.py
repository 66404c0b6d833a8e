"""Static files built exactly as the image builds them, and a page served with them under the
production settings (a missing file that a vendored asset names fails the manifest build)."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PAGE_SCRIPT = """
import django, re
django.setup()
from django.test import Client
client = Client()
page = client.get("/accounts/login/", secure=True, HTTP_HOST="example.com")
print("page", page.status_code)
for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.content.decode()):
    print("asset", url, client.get(url, secure=True, HTTP_HOST="example.com").status_code)
"""


def _image_collectstatic_environment() -> dict[str, str]:
    """The variables the Dockerfile's ``collectstatic`` step sets."""
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    [step] = [line for line in dockerfile.splitlines() if "collectstatic" in line]
    words = shlex.split(step.removeprefix("RUN "))
    return dict(word.split("=", 1) for word in words[: words.index("python")])


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args], cwd=settings.BASE_DIR, env={**clean, **env},
        capture_output=True, text=True, timeout=300, check=False,
    )


def test_it_builds_static_files_as_the_image_does_and_serves_pages_with_them(tmp_path: Path) -> None:
    env = {**_image_collectstatic_environment(), "DJANGO_STATIC_ROOT": str(tmp_path / "static")}
    assert env["DJANGO_SETTINGS_MODULE"] == "workplace_roleplay.settings.production"

    built = _run(["manage.py", "collectstatic", "--noinput", "-v0"], env)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()

    served = _run(["-c", PAGE_SCRIPT], {**env, "DJANGO_ALLOWED_HOSTS": "example.com"})
    assert served.returncode == 0, served.stderr
    assert "page 200" in served.stdout
    assets = re.findall(r"asset (\S+) (\d+)", served.stdout)
    assert assets and all(status == "200" for _, status in assets), served.stdout
    assert all(re.search(r"\.[0-9a-f]{12}\.", url) for url, _ in assets)  # hashed names from the manifest
