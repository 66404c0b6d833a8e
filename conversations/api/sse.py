"""Server-sent events for the mobile app: the same reply events as the socket, as ``text/event-stream``.

If the client goes away, the generation task is cancelled and the partial reply is stored as
interrupted, exactly as when a socket closes. Framing, the response and its failure handling are
``core.sse``'s, shared with watch.
"""

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from conversations.models import Conversation, Message
from conversations.streaming import Prepared, ReplyNotStoredError, generate_reply, message_payload
from core.sse import encode_frame, event_stream_response

_DONE = object()


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


def sse_frame(event: dict[str, Any], prefix: str = "chat") -> str:
    name = f"{prefix}.{event['type']}"
    return encode_frame(name, {**event, "type": name})


async def reply_events(
    conversation: Conversation, first: Message, prepared: Prepared | None = None
) -> AsyncGenerator[str]:
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def emit(event: dict[str, Any]) -> None:
        await queue.put(event)

    yield sse_frame({"type": "message.new", "message": message_payload(first)})
    task = asyncio.create_task(generate_reply(conversation=conversation, emit=emit, prepared=prepared))
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


def reply_stream_response(
    conversation: Conversation, first: Message, prepared: Prepared | None = None
) -> StreamingHttpResponse:
    """The reply as an event stream; ``prepared`` (the prompt and the reply's row, from ``take_line``)
    spares the stream a database call before the model is asked."""
    return event_stream_response(reply_events(conversation, first, prepared), error_frame=sse_frame)
