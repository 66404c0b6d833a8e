"""The API module can be the first one a process loads (``migrate`` loads it before any view)."""

import os
import subprocess
import sys

from django.conf import settings


def test_it_loads_before_any_view() -> None:
    code = "import django; django.setup(); import core.api; print(core.api.SizeLimitedJSONParser.__name__)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "workplace_roleplay.settings.test"}
    done = subprocess.run(  # noqa: S603 - this interpreter with a fixed script
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "SizeLimitedJSONParser"
