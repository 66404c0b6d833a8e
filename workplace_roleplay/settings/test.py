"""Test settings: real PostgreSQL and Redis on 127.0.0.1 unless the environment says otherwise."""

import os
import secrets

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workplace_roleplay")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("CACHE_KEY_PREFIX", f"wrtest{os.getpid()}")
os.environ.setdefault("CHANNEL_PREFIX", f"wrtest{os.getpid()}")
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))

from workplace_roleplay.settings.base import *  # noqa: E402,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOG_LEVEL = "WARNING"
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
WHITENOISE_AUTOREFRESH = True
# Rate limits out of the way; the rate-limit tests set their own.
# Every test has its own event loop: the live path opens a connection per statement (core.adb).
DATABASE_ASYNC_POOL_SIZE = int(os.environ.get("DATABASE_ASYNC_POOL_SIZE", "0"))
RATE_LIMITS = {name: ["100000/m"] for name in RATE_LIMITS}  # noqa: F405
