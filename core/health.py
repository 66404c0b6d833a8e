"""Probes: ``/healthz`` (liveness), ``/readyz`` (readiness) and ``/metrics``.

- ``/healthz``: the database and Redis (when configured) answer and, under daphne, the server's
  application checker (which answers failed requests and reaps finished ones) still runs: it
  stops for good if it ever fails, and the process must then be restarted. 200
  ``{"status": "ok", ...}`` or 503.
- ``/readyz``: every migration is applied and the cache answers a write and a read, so this
  process can serve traffic. 200 or 503 with the failing check named.

``ProbeMiddleware`` answers these paths before host validation and the HTTPS redirect: load
balancers, Kubernetes probes and Prometheus call a pod by its address over plain HTTP.
"""

import os
import sys
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse

from core.metrics import metrics_view

OK, DOWN = "ok", "down"
_migrations_applied = False


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return OK
    except Exception:  # noqa: BLE001 - any failure means "down"
        return DOWN


def _redis_status() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return OK
    except Exception:  # noqa: BLE001
        return DOWN


async def _checker_scheduled() -> bool:
    """On the server's event loop: is daphne's application checker due to run again?"""
    from daphne.server import Server
    from twisted.internet import reactor

    checker = Server.application_checker
    calls: list[Any] = list(reactor.getDelayedCalls())  # type: ignore[attr-defined,misc]
    return any(getattr(call.func, "__func__", None) is checker and call.active() for call in calls)


def _server_status() -> str | None:
    """``ok``/``down`` under a running daphne; None elsewhere (test client, management commands)."""
    if "daphne.server" not in sys.modules:
        return None
    from twisted.internet import reactor

    if not getattr(reactor, "running", False):
        return None
    try:
        return OK if async_to_sync(_checker_scheduled)() else DOWN
    except Exception:  # noqa: BLE001 - no answer from the server's loop means it is not healthy
        return DOWN


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_status(), "redis": _redis_status()}
    if (server := _server_status()) is not None:
        checks["server"] = server
    healthy = all(value in (OK, "not configured") for value in checks.values())
    return JsonResponse({"status": OK if healthy else "degraded", **checks}, status=200 if healthy else 503)


def _migrations_status() -> str:
    """Once every migration is applied in this process, it stays so (no need to ask again)."""
    global _migrations_applied
    if _migrations_applied:
        return OK
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:  # noqa: BLE001 - database down or unreadable
        return DOWN
    _migrations_applied = not pending
    return OK if _migrations_applied else "pending"


def _cache_status() -> str:
    key = f"readyz:{os.getpid()}"
    try:
        cache.set(key, "1", 10)
        return OK if cache.get(key) == "1" else DOWN
    except Exception:  # noqa: BLE001
        return DOWN


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"migrations": _migrations_status(), "cache": _cache_status()}
    ready = all(value == OK for value in checks.values())
    return JsonResponse({"status": "ready" if ready else "not ready", **checks}, status=200 if ready else 503)


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics_view,
}


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        try:
            return probe(request)
        except Http404:
            return HttpResponseNotFound(b"Not found", content_type="text/plain")
