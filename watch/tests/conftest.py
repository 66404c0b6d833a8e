"""Watch tests: short sessions (few turns, no pause between turns, every chunk published)."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async

from conversations.feedback import AXIS_NAMES
from watch import dispatch

COMMENTARY = {
    "overview": "二人とも相手の話をよく聞いていました。",
    "first": {"summary": "話題を広げた", "did_well": [{"axis": "empathy", "comment": "相手を気遣った", "quote": ""}]},
    "second": {"summary": "助言が明確", "did_well": [{"axis": "clarity", "comment": "要点を伝えた", "quote": ""}]},
}
FEEDBACK = {
    "summary": "相手の状況を確かめながら話せていました",
    "went_well": [{"quote": "手伝いましょうか", "comment": "配慮がありました"}],
    "to_improve": [],
    "better_phrasings": [],
    "scores": dict.fromkeys(AXIS_NAMES, 70),
    "evidence": {axis: [{"quote": "手伝いましょうか"}] for axis in AXIS_NAMES},  # the learner's line after step-in
}


@pytest.fixture(autouse=True)
def _short_sessions(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.WATCH_MAX_TURNS = 4
    settings.WATCH_PACE_SECONDS = {"slow": 0.2, "normal": 0.05, "fast": 0.0}
    settings.WATCH_COALESCE_SECONDS = 0.0
    settings.WATCH_CONTROL_POLL_SECONDS = 0.05
    settings.WATCH_PERSONA_MODELS = []
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    assert dispatch.wait_idle(15), "a session runner was still running after the test"


async def wait_for(check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll until ``check`` is true (it may be sync, run in a thread with database access)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await database_sync_to_async(check)()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


def db(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    return database_sync_to_async(function)
