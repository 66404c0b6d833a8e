from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from conversations.models import Message, Status
from conversations.tasks import interrupt_stale_replies
from conversations.tests.factories import MessageFactory
from watch.models import WatchMessage
from watch.tests.factories import WatchMessageFactory

pytestmark = pytest.mark.django_db


def _begun(row: Message | WatchMessage, minutes_ago: float) -> None:
    type(row).objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))


def test_it_is_scheduled_every_five_minutes() -> None:
    task = PeriodicTask.objects.get(task="conversations.interrupt_stale_replies")
    assert task.enabled and (task.interval.every, task.interval.period) == (5, "minutes")


def test_it_interrupts_replies_left_streaming_past_the_deadline_and_keeps_their_text(settings: object) -> None:
    stale = MessageFactory(role="assistant", status=Status.STREAMING, content="途中まで")
    fresh = MessageFactory(role="assistant", status=Status.STREAMING, content="")
    turn = WatchMessageFactory(status=Status.STREAMING, content="半分")
    _begun(stale, 11)
    _begun(turn, 30)
    _begun(fresh, 2)

    out = StringIO()
    call_command("interrupt_stale_replies", stdout=out)

    assert "conversations: 1" in out.getvalue() and "watch: 1" in out.getvalue()
    stale.refresh_from_db(), fresh.refresh_from_db(), turn.refresh_from_db()
    assert (stale.status, stale.content) == (Status.INTERRUPTED, "途中まで")
    assert (turn.status, turn.content) == (Status.INTERRUPTED, "半分")
    assert fresh.status == Status.STREAMING  # still within its deadline


def test_it_runs_as_a_task_with_the_deadline_from_settings(settings: object) -> None:
    settings.REPLY_STALE_MINUTES = 1  # type: ignore[attr-defined]
    row = MessageFactory(role="assistant", status=Status.STREAMING)
    _begun(row, 2)
    assert interrupt_stale_replies.delay().get() == {"conversations": 1, "watch": 0}
    row.refresh_from_db()
    assert row.status == Status.INTERRUPTED
