"""Live watch events for the mobile app as ``text/event-stream``, resumable with ``Last-Event-ID``.

Each event carries its sequence number as the SSE ``id``. A client that reconnects with
``Last-Event-ID: n`` gets the events after ``n`` from the session's log, then the live ones (it
subscribes first and drops live events it already got from the log); without it, or when the log
no longer holds them, it gets a ``watch.snapshot`` first. The stream ends after the commentary
(the last event of a session), or when the share link is disabled. A stream that fails once
started is logged and ends with a ``watch.error`` event (``retryable``: reconnect to resume).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext

from core import sse
from core.sse import KEEPALIVE, encode_frame
from watch import broadcast
from watch.broadcast import Frame

HEARTBEAT_SECONDS = 15.0
ERROR = "watch.error"


class QueueSubscriber:
    """A subscriber that keeps frames for a request to read at its own pace (told of a disabled
    share link in ``language``)."""

    def __init__(self, language: str | None = None) -> None:
        self.queue: asyncio.Queue[Frame] = asyncio.Queue()
        self.language = language

    async def deliver(self, frame: Frame) -> None:
        self.queue.put_nowait(frame)

    async def revoke(self) -> None:
        with translation.override(self.language):
            message = gettext("The owner disabled the share link: this session can no longer be watched.")
        self.queue.put_nowait(Frame({"type": broadcast.REVOKED, "code": "share_disabled", "message": message}))


def sse_frame(frame: Frame) -> str:
    return encode_frame(frame.type, frame.data, event_id=frame.data.get("seq"))


def _finished(session: dict[str, Any]) -> bool:
    return bool(session.get("ended")) and bool(session.get("commentary") or session.get("commentary_error"))


async def _opening(subscription: broadcast.Subscription, last_event_id: int | None) -> tuple[list[Frame], int]:
    """What comes before the live events, and the last sequence number it covers."""
    if last_event_id is not None:
        backlog = await broadcast.replay(subscription.session_id, last_event_id)
        if backlog is not None:
            return backlog, max([last_event_id, *(frame.seq or 0 for frame in backlog)])
    return [subscription.snapshot], subscription.since


async def watch_events(
    session_id: str, *, owner: bool, name: str, last_event_id: int | None, language: str | None = None
) -> AsyncGenerator[str]:
    subscriber = QueueSubscriber(language)
    subscription = await broadcast.subscribe(session_id, subscriber, owner=owner, name=name)
    try:
        frames, sent = await _opening(subscription, last_event_id)
        for frame in frames:
            yield sse_frame(frame)
        if _finished(subscription.snapshot.data["session"]):
            return
        async for live in _live(subscriber, sent):
            yield sse_frame(live) if live is not None else KEEPALIVE
            if live is not None and live.type in (broadcast.COMMENTARY, broadcast.REVOKED):
                return
    finally:
        await broadcast.unsubscribe(subscription)


async def _live(subscriber: QueueSubscriber, sent: int) -> AsyncIterator[Frame | None]:
    """Live frames after ``sent`` (None now and then, to keep the connection open)."""
    while True:
        try:
            async with asyncio.timeout(HEARTBEAT_SECONDS):
                frame = await subscriber.queue.get()
        except TimeoutError:
            yield None
            continue
        if frame.seq is not None and frame.seq <= sent:
            continue
        sent = frame.seq or sent
        yield frame


async def reply_frames(session_id: str, *, learner_seq: int, name: str) -> AsyncIterator[Frame]:
    """The other persona's reply to the learner's line ``learner_seq``: its start (with what was
    already said), its chunks, and its end."""
    subscriber = QueueSubscriber()
    subscription = await broadcast.subscribe(session_id, subscriber, owner=True, name=name)
    try:
        replies = [m for m in subscription.snapshot.data["messages"] if m["seq"] > learner_seq and m["author"] == "ai"]
        reply_id = replies[0]["id"] if replies else None
        if replies:
            kind = "start" if replies[0]["status"] == "streaming" else "done"
            yield Frame({"type": broadcast.AI_MESSAGE, "kind": kind, "message": replies[0]})
            if kind == "done":
                return
        async for frame in _live(subscriber, subscription.since):
            if frame is not None and frame.type == broadcast.STATE and reply_id is None:
                if frame.data["session"].get("ended"):
                    return
            if frame is not None and frame.type == ERROR and frame.data.get("code") == "database_unavailable":
                yield frame  # the reply could not be stored: no end of it will come
                return
            if frame is None or frame.type != broadcast.AI_MESSAGE:
                continue
            message = frame.data.get("message") or {}
            if reply_id is None and frame.data.get("kind") == "start" and message.get("seq", 0) > learner_seq:
                reply_id = message["id"]
            if reply_id is not None and reply_id in (message.get("id"), frame.data.get("message_id")):
                yield frame
                if frame.data.get("kind") == "done":
                    return
    finally:
        await broadcast.unsubscribe(subscription)


def _error_frame(event: dict[str, Any]) -> str:
    return sse_frame(Frame({**event, "type": ERROR}))


def event_stream_response(events: AsyncGenerator[str]) -> StreamingHttpResponse:
    return sse.event_stream_response(events, error_frame=_error_frame)
