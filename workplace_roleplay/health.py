"""``/healthz``: is the database reachable, is Redis reachable (when configured)."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means "down"
        return "down"


def _redis_status() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except Exception:  # noqa: BLE001
        return "down"


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_status(), "redis": _redis_status()}
    healthy = all(value in ("ok", "not configured") for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503)
