"""Celery tasks of the shared conversation machinery."""

from celery import shared_task

from conversations.sweeps import interrupt_stale_replies as sweep


@shared_task(name="conversations.interrupt_stale_replies", acks_late=True, soft_time_limit=120, time_limit=180)
def interrupt_stale_replies() -> dict[str, int]:
    """Replies left "streaming" past their deadline are kept as interrupted (see ``conversations.sweeps``)."""
    return sweep()
