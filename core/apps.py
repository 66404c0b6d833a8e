from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared infrastructure every app builds on: rate limits, metrics, logging, request ids,
    database and cache helpers, input guards, SSE and socket framing. It imports no other app."""

    name = "core"
    label = "core"
    verbose_name = "Core"
