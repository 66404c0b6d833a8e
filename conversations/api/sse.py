"""Server-sent events for the mobile app: the same reply events as the socket, as ``text/event-stream``.

If the client goes away, the generation task is cancelled and the partial reply is stored as
interrupted, exactly as when a socket closes. A stream never ends in an exception: once its
response has started, a failure is logged and the stream ends with an error event (``retryable``).
"""

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

import structlog
from django.http import StreamingHttpResponse
from django.utils.translation import gettext
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from conversations.models import Conversation, Message
from conversations.streaming import ReplyNotStoredError, generate_reply, message_payload

_DONE = object()
# The largest stream position a client may send back (Redis counters and stream ids end there).
MAX_STREAM_POSITION = 2**63 - 1
log = structlog.get_logger(__name__)


class EventStreamRenderer(BaseRenderer):
    """Lets DRF's content negotiation accept ``Accept: text/event-stream``."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        """A whole answer as one event: ``error`` for a 4xx/5xx, else SSE's default ``message``."""
        response = (renderer_context or {}).get("response")
        failed = response is not None and response.status_code >= 400
        return f"event: {'error' if failed else 'message'}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def wants_event_stream(request: Request, *, stream: bool) -> bool:
    """The client asked for a live stream: ``stream: true``, ``Accept: text/event-stream`` or ``?format=sse``."""
    accepted = getattr(request, "accepted_renderer", None)
    return (
        stream
        or "text/event-stream" in request.headers.get("Accept", "")
        or getattr(accepted, "format", None) == EventStreamRenderer.format
    )


def stream_position(raw: str | None) -> int | None:
    """A position a client sends back (``Last-Event-ID``): None when absent.

    Raises ``ValueError`` unless it is ASCII digits within range (``"²".isdigit()`` is true, yet
    ``int("²")`` fails, and Redis refuses ids past 64 bits).
    """
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_STREAM_POSITION)):
        raise ValueError("not a stream position")
    position = int(raw)
    if position > MAX_STREAM_POSITION:
        raise ValueError("stream position out of range")
    return position


def stream_error() -> dict[str, Any]:
    """The last event of a stream that failed: the client may reconnect or retry."""
    message = gettext("The live stream stopped because of a problem on our side. Reconnect or press Retry.")
    return {"type": "error", "code": "stream_failed", "message": message, "retryable": True}


async def guarded(events: AsyncGenerator[str], *, error_frame: Callable[[dict[str, Any]], str]) -> AsyncIterator[str]:
    """``events``, ending with an error event (and a log line) instead of raising: once a response has
    started, an exception would leave the server nothing to answer with."""
    async with aclosing(events):
        try:
            async for event in events:
                yield event
        except Exception as error:  # noqa: BLE001 - whatever failed, the stream must end cleanly
            log.error("event_stream_failed", error=repr(error), exc_info=error)
            yield error_frame(stream_error())


def sse_frame(event: dict[str, Any], prefix: str = "chat") -> str:
    name = f"{prefix}.{event['type']}"
    return f"event: {name}\ndata: {json.dumps({**event, 'type': name}, ensure_ascii=False)}\n\n"


async def reply_events(conversation: Conversation, first: Message) -> AsyncGenerator[str]:
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def emit(event: dict[str, Any]) -> None:
        await queue.put(event)

    yield sse_frame({"type": "message.new", "message": message_payload(first)})
    task = asyncio.create_task(generate_reply(conversation=conversation, emit=emit))
    task.add_done_callback(lambda _: queue.put_nowait(_DONE))
    try:
        while (event := await queue.get()) is not _DONE:
            yield sse_frame(event)
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait([task])
    if not task.cancelled() and (failure := task.exception()) is not None:
        if not isinstance(failure, ReplyNotStoredError):  # that one already sent its error event
            raise failure


def reply_stream_response(conversation: Conversation, first: Message) -> StreamingHttpResponse:
    events = guarded(reply_events(conversation, first), error_frame=sse_frame)
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
