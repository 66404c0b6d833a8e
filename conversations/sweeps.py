"""Replies left "streaming" past their deadline are marked interrupted (their text is kept).

A reply's row is stored before the first token and finished whatever happens, unless the process
writing it died (a worker or server killed mid-reply) or the database refused both of its final
writes. ``interrupt_stale_replies`` marks every reply begun more than ``REPLY_STALE_MINUTES``
minutes ago (10; far longer than any reply may take, ``LLM_TOTAL_TIMEOUT``) and still
"streaming" as interrupted, so the learner sees it with a Retry button. It runs every 5 minutes
from Celery beat (``conversations.interrupt_stale_replies``, "Periodic tasks" in the admin) and
on demand with ``manage.py interrupt_stale_replies``.

Conversations' own replies are swept here; a mode that keeps replies elsewhere registers a sweep
in its ``AppConfig.ready()`` with ``register_stale_reply_sweep(name, sweep)``: ``sweep(before)``
marks its replies begun before ``before`` and returns how many it marked.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.utils import timezone

from conversations import services

StaleReplySweep = Callable[[datetime], int]
_sweeps: dict[str, StaleReplySweep] = {}
log = structlog.get_logger(__name__)


def register_stale_reply_sweep(name: str, sweep: StaleReplySweep) -> None:
    _sweeps[name] = sweep


def interrupt_stale_replies(*, now: datetime | None = None) -> dict[str, int]:
    """Mark every reply still streaming past its deadline as interrupted; how many, per kind."""
    before = (now or timezone.now()) - timedelta(minutes=float(settings.REPLY_STALE_MINUTES))
    counts = {"conversations": services.replies_interrupt_stale(before=before)}
    for name, sweep in _sweeps.items():
        counts[name] = sweep(before)
    if any(counts.values()):
        log.warning("stale_replies_interrupted", **counts)
    return counts
