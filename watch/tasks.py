"""Celery tasks of watch mode (the full deployment shape runs each session's runner on the worker)."""

import asyncio

from celery import shared_task

from watch import conf
from watch.bus import get_bus
from watch.runner import drive


def _time_limit() -> int:
    return int(conf.get("WATCH_MAX_SECONDS")) + 300


async def _drive(session_id: str) -> None:
    try:
        await drive(session_id)
    finally:
        await get_bus().close_loop_client()


@shared_task(name="watch.drive", soft_time_limit=_time_limit(), time_limit=_time_limit() + 60)
def watch_drive(session_id: str) -> None:
    """Run one session's pending work (its lease keeps a second delivery from running it twice)."""
    asyncio.run(_drive(session_id))
