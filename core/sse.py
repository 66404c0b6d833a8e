"""Server-sent events: one frame encoding, one response, one reading of ``Last-Event-ID``.

Chat, scenario and watch streams all answer with ``event_stream_response``: a stream never ends in
an exception; once its response has started, a failure is logged and the stream ends with an
error event (``retryable``) drawn by the mode's own frame encoder.
"""

import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

import structlog
from django.http import StreamingHttpResponse
from django.utils.translation import gettext

# The largest stream position a client may send back (Redis counters and stream ids end there).
MAX_STREAM_POSITION = 2**63 - 1
KEEPALIVE = ": keepalive\n\n"
log = structlog.get_logger(__name__)

ErrorFrame = Callable[[dict[str, Any]], str]


def encode_frame(name: str, data: dict[str, Any], *, event_id: int | None = None) -> str:
    """One SSE frame: ``id`` (when the event has a position), ``event`` and its JSON ``data``."""
    head = f"id: {event_id}\n" if isinstance(event_id, int) else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


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


async def guarded(events: AsyncGenerator[str], *, error_frame: ErrorFrame) -> AsyncIterator[str]:
    """``events``, ending with an error event (and a log line) instead of raising: once a response has
    started, an exception would leave the server nothing to answer with."""
    async with aclosing(events):
        try:
            async for event in events:
                yield event
        except Exception as error:  # noqa: BLE001 - whatever failed, the stream must end cleanly
            log.error("event_stream_failed", error=repr(error), exc_info=error)
            yield error_frame(stream_error())


def event_stream_response(events: AsyncGenerator[str], *, error_frame: ErrorFrame) -> StreamingHttpResponse:
    """``events`` as ``text/event-stream``, never buffered by a proxy, ended cleanly on failure."""
    response = StreamingHttpResponse(guarded(events, error_frame=error_frame), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
