"""Server-sent events for the mobile app: the same reply events as the socket, as ``text/event-stream``.

If the client goes away, the generation task is cancelled and the partial reply is stored as
interrupted, exactly as when a socket closes.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from conversations.models import Conversation, Message
from conversations.streaming import generate_reply, message_payload

_DONE = object()


class EventStreamRenderer(BaseRenderer):
    """Lets DRF's content negotiation accept ``Accept: text/event-stream``."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return f"event: error\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def sse_frame(event: dict[str, Any], prefix: str = "chat") -> str:
    name = f"{prefix}.{event['type']}"
    return f"event: {name}\ndata: {json.dumps({**event, 'type': name}, ensure_ascii=False)}\n\n"


async def reply_events(conversation: Conversation, first: Message) -> AsyncIterator[str]:
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


def reply_stream_response(conversation: Conversation, first: Message) -> StreamingHttpResponse:
    response = StreamingHttpResponse(reply_events(conversation, first), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
