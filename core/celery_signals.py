"""What every Celery task gets without asking: log context, outcome metrics, a worker metrics port.

- ``task_prerun``/``task_postrun``: ``task_id``, ``task`` (and ``user_id`` when the task takes
  one) are bound to the log context while the task runs, then the previous context comes back
  (an eager task inside a request keeps the request's id afterwards).
- ``task_success``/``task_failure``/``task_retry``: ``celery_tasks_total{task,outcome}``.
- ``worker_ready``: with ``CELERY_METRICS_PORT`` set, the worker serves ``/metrics`` on that port
  (its prefork children are added up through ``PROMETHEUS_MULTIPROC_DIR``).
- ``worker_process_shutdown``: a finished child's live gauges are dropped (multiprocess mode).
- ``setup_logging``: Celery's own lines (worker, beat, task outcomes) go through the product's
  JSON handler instead of Celery's plain-text one, at ``--loglevel`` or ``LOG_LEVEL``, whichever
  says more.

Why not django-structlog's Celery receivers (checked against 11.0.0): its ``task_prerun``
receiver clears the whole log context and nothing gives it back, so a task run eagerly inside
a request would take the request's ``request_id`` and ``user_id`` with it; and it needs its
own worker boot step and middleware. The metrics and the JSON logging set-up above stay the
product's in any case.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from contextvars import Token
from typing import Any

import structlog
from celery.signals import (
    setup_logging,
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    task_success,
    worker_process_shutdown,
    worker_ready,
)
from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server

from core.logging import configure_logging
from core.metrics import CELERY_TASKS

log = structlog.get_logger(__name__)
_bound: dict[str, Mapping[str, Token[Any]]] = {}


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or sender or "unknown")


@task_prerun.connect
def bind_task_context(sender: Any = None, task_id: str | None = None, kwargs: Any = None, **_: Any) -> None:
    context: dict[str, Any] = {"task_id": task_id, "task": _task_name(sender)}
    if isinstance(kwargs, dict) and kwargs.get("user_id") is not None:
        context["user_id"] = str(kwargs["user_id"])
    _bound[str(task_id)] = structlog.contextvars.bind_contextvars(**context)


@task_postrun.connect
def unbind_task_context(task_id: str | None = None, **_: Any) -> None:
    tokens = _bound.pop(str(task_id), None)
    if tokens:
        structlog.contextvars.reset_contextvars(**tokens)


@task_success.connect
def count_success(sender: Any = None, **_: Any) -> None:
    CELERY_TASKS.labels(_task_name(sender), "success").inc()


@task_failure.connect
def count_failure(sender: Any = None, **_: Any) -> None:
    CELERY_TASKS.labels(_task_name(sender), "failure").inc()


@task_retry.connect
def count_retry(sender: Any = None, **_: Any) -> None:
    CELERY_TASKS.labels(_task_name(sender), "retry").inc()


def metrics_registry() -> CollectorRegistry:
    """The multiprocess collector when ``PROMETHEUS_MULTIPROC_DIR`` is set, this process's registry otherwise."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


@worker_ready.connect
def serve_worker_metrics(**_: Any) -> None:
    port = settings.CELERY_METRICS_PORT
    if port:
        start_http_server(port, registry=metrics_registry())
        log.info("worker_metrics_serving", port=port)


@worker_process_shutdown.connect
def forget_finished_child(pid: int | None = None, **_: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid or os.getpid())  # type: ignore[no-untyped-call]


def _level(value: int | str) -> int:
    number = value if isinstance(value, int) else logging.getLevelName(str(value).upper())
    return number if isinstance(number, int) else logging.INFO


@setup_logging.connect
def log_as_json(loglevel: int | str | None = None, **_: Any) -> None:
    """Connected, it keeps Celery from replacing the root handler or redirecting stdout."""
    level = min(_level(settings.LOG_LEVEL), _level(loglevel or settings.LOG_LEVEL))
    configure_logging(logging.getLevelName(level))
