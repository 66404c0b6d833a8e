"""Where a session's runner runs: a Celery worker, or a background event loop in this process.

In the full deployment shape (``REDIS_URL`` set, Celery not eager) the runner is a Celery task on
the worker. Otherwise (the embedded default, and tests) it runs on one event loop in a daemon
thread of this process, independent of any request or socket. Either way the runner's lease in
the bus makes a second dispatch of the same session a no-op.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, wait
from typing import Any

import structlog
from asgiref.sync import ThreadSensitiveContext
from django.conf import settings

log = structlog.get_logger(__name__)
_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def uses_celery() -> bool:
    return bool(settings.REDIS_URL) and not settings.CELERY_TASK_ALWAYS_EAGER


def background_loop() -> asyncio.AbstractEventLoop:
    """The process's runner loop (started on first use)."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="watch-runner", daemon=True).start()
            _loop = loop
        return _loop


async def _isolated(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """The runner gets a database thread of its own, not one shared with requests."""
    async with ThreadSensitiveContext():
        return await coroutine


_running: set[Future[Any]] = set()


def submit(coroutine: Coroutine[Any, Any, Any]) -> Future[Any]:
    """Run ``coroutine`` on the runner loop, in a fresh context (nothing inherited from the caller)."""
    loop = background_loop()
    future = contextvars.Context().run(asyncio.run_coroutine_threadsafe, _isolated(coroutine), loop)
    _running.add(future)
    future.add_done_callback(_running.discard)
    future.add_done_callback(_log_failure)
    return future


def wait_idle(timeout: float) -> bool:
    """Wait until the runners of this process are done (tests, shutdown); False on timeout."""
    done, pending = wait(list(_running), timeout=timeout)
    return not pending


def _log_failure(future: Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("watch_runner_failed", error=repr(future.exception()))


_drivers: dict[str, Any] = {}


def register_drivers(*, drive: Callable[[str], Coroutine[Any, Any, Any]], task: Any) -> None:
    """The runner's coroutine and its Celery task (given by ``WatchConfig.ready``: both import this
    module's callers, so they are handed over instead of imported)."""
    _drivers.update(drive=drive, task=task)


def dispatch(session_id: str) -> Future[Any] | None:
    """Run the session's pending work (a turn loop, a reply, the wrap-up) somewhere."""
    if uses_celery():
        _drivers["task"].delay(session_id)
        return None
    return submit(_drivers["drive"](session_id))
