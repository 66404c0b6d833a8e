"""Which sessions of a theme count as watched: begun in the window, then finished, or stopped after
``WATCH_WATCHED_MIN_LINES`` spoken lines (failed or empty lines do not count)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conversations.models import Status
from watch.models import State, WatchSession
from watch.selectors import viewings
from watch.tests.factories import WatchMessageFactory, WatchSessionFactory

pytestmark = pytest.mark.django_db


def _session(user: Any, theme: str, started_at: datetime, state: str, lines: int, failed: int = 0) -> WatchSession:
    session = WatchSessionFactory.create(user=user, theme=theme, state=state)
    for _ in range(lines):
        WatchMessageFactory.create(session=session)
    for _ in range(failed):
        WatchMessageFactory.create(session=session, status=Status.FAILED)
    ended = started_at + timedelta(minutes=5) if state in (State.STOPPED, State.FINISHED) else None
    WatchSession.objects.filter(pk=session.pk).update(started_at=started_at, ended_at=ended)
    return session


def test_it_tells_which_sessions_were_watched(settings: Any) -> None:
    settings.WATCH_WATCHED_MIN_LINES = 3
    me, someone = UserFactory.create(), UserFactory.create()
    since = timezone.now() - timedelta(days=1)
    finished = _session(me, "report", since + timedelta(hours=1), State.FINISHED, lines=1)
    stopped = _session(me, "report", since + timedelta(hours=2), State.STOPPED, lines=3)
    _session(me, "report", since + timedelta(hours=3), State.STOPPED, lines=2, failed=4)
    _session(me, "report", since + timedelta(hours=4), State.PAUSED, lines=8)
    _session(me, "report", since - timedelta(hours=1), State.FINISHED, lines=8)  # before the window
    _session(me, "consult", since + timedelta(hours=1), State.FINISHED, lines=8)  # another theme
    _session(someone, "report", since + timedelta(hours=1), State.FINISHED, lines=8)  # someone else

    found = viewings(user_ids=[me.pk], themes={"report"}, since=since)
    watched = sorted((v.started_at, v.watched_at is not None) for v in found)
    assert [ok for _started, ok in watched] == [True, True, False, False]
    assert {v.watched_at for v in found if v.watched_at} == {
        WatchSession.objects.get(pk=finished.pk).ended_at,
        WatchSession.objects.get(pk=stopped.pk).ended_at,
    }
    # Until a moment: only sessions begun before it, and watched only if they also ended before it.
    cut = since + timedelta(hours=2, minutes=1)
    until = sorted(
        (v.started_at, v.watched_at is not None)
        for v in viewings(user_ids=[me.pk], themes={"report"}, since=since, until=cut)
    )
    assert [ok for _started, ok in until] == [True, False]  # the stopped one was still running at the cut
    assert viewings(user_ids=[], themes={"report"}, since=since) == []
