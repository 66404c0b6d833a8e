"""The Celery app. Its configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workplace_roleplay.settings.base")

app = Celery("workplace_roleplay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

import core.celery_signals  # noqa: E402,F401 - log context and metrics for every task
