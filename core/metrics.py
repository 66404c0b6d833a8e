"""The product's Prometheus metrics and the protected ``/metrics`` endpoint.

django-prometheus adds HTTP and database metrics, ``llm/metrics.py`` the LLM
calls (``llm_response_duration_seconds``, ``llm_time_to_first_token_seconds``). Here:

- ``conversations_total{mode,status}`` — practice sessions started and ended (``count_conversation``).
- ``active_sessions{type}`` — open chat and watch sockets (``track_active_session("chat")``).
- ``celery_tasks_total{task,outcome}`` — success, failure, retry (``celery_signals.py``).

With several processes (daphne workers, Celery's prefork children) set ``PROMETHEUS_MULTIPROC_DIR``
to an empty directory shared by the processes of one host or pod, before they start: every
process then writes its values there and ``/metrics`` adds them up (gauges by ``livesum``: only
live processes count).

``/metrics`` answers only with ``Authorization: Bearer <METRICS_TOKEN>`` or to an address in
``METRICS_ALLOWED_IPS`` (addresses or networks; 127.0.0.1 and ::1 by default); anyone else gets 404.
"""

from __future__ import annotations

import hmac
import ipaddress
from types import TracebackType

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import Counter, Gauge

from core.net import client_ip

CONVERSATIONS = Counter("conversations_total", "Practice sessions started and ended", ["mode", "status"])
ACTIVE_SESSIONS = Gauge(
    "active_sessions", "Open live sessions (chat and watch sockets)", ["type"], multiprocess_mode="livesum"
)
CELERY_TASKS = Counter("celery_tasks_total", "Celery task outcomes", ["task", "outcome"])

SESSION_TYPES = ("chat", "watch")


def count_conversation(*, mode: str, status: str) -> None:
    """One practice session ``started`` or ``ended`` in ``mode`` (chat, scenario, watch)."""
    CONVERSATIONS.labels(mode, status).inc()


class ActiveSession:
    """One open live session in ``active_sessions``: ``open()``/``close()`` (each once) or ``with``."""

    def __init__(self, kind: str) -> None:
        if kind not in SESSION_TYPES:
            raise ValueError(f"Unknown session type: {kind}")
        self.kind = kind
        self.is_open = False

    def open(self) -> ActiveSession:
        if not self.is_open:
            ACTIVE_SESSIONS.labels(self.kind).inc()
            self.is_open = True
        return self

    def close(self) -> None:
        if self.is_open:
            ACTIVE_SESSIONS.labels(self.kind).dec()
            self.is_open = False

    def __enter__(self) -> ActiveSession:
        return self.open()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


def track_active_session(kind: str) -> ActiveSession:
    """``with track_active_session("watch"): ...`` or keep it: ``s = track_active_session("chat").open()``."""
    return ActiveSession(kind)


# --- /metrics -----------------------------------------------------------------------------


def _has_token(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(header.encode(), f"Bearer {token}".encode())


def _allowed_address(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format for the token holder and allow-listed addresses; 404 for anyone else."""
    if not (_has_token(request) or _allowed_address(request)):
        raise Http404
    from django_prometheus.exports import ExportToDjangoView

    response: HttpResponse = ExportToDjangoView(request)
    return response
