"""Celery tasks of the shared conversation machinery."""

from celery import shared_task

from conversations.sweeps import interrupt_stale_replies as sweep
from conversations.time_limits import end_timed_out_practices as end_timed_out


@shared_task(name="conversations.interrupt_stale_replies", acks_late=True, soft_time_limit=120, time_limit=180)
def interrupt_stale_replies() -> dict[str, int]:
    """Replies left "streaming" past their deadline are kept as interrupted (see ``conversations.sweeps``)."""
    return sweep()


@shared_task(name="conversations.end_timed_out_practices", acks_late=True, soft_time_limit=240, time_limit=300)
def end_timed_out_practices() -> dict[str, int]:
    """Practices past their time limit end with feedback (see ``conversations.time_limits``)."""
    return end_timed_out()
