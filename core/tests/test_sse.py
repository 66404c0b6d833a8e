"""The one SSE helper every mode's stream is answered with."""

import json
from collections.abc import AsyncGenerator
from typing import Any

import pytest

from core.sse import MAX_STREAM_POSITION, encode_frame, event_stream_response, stream_position


def test_it_encodes_a_frame_with_its_position_as_the_event_id() -> None:
    frame = encode_frame("watch.state", {"seq": 3, "text": "こんにちは"}, event_id=3)

    assert frame == 'id: 3\nevent: watch.state\ndata: {"seq": 3, "text": "こんにちは"}\n\n'


def test_it_leaves_out_the_id_of_a_frame_without_a_position() -> None:
    assert encode_frame("chat.token", {"text": "a"}, event_id=None) == 'event: chat.token\ndata: {"text": "a"}\n\n'


@pytest.mark.parametrize("raw", ["-1", "1.5", "²", "abc", str(MAX_STREAM_POSITION + 1), "9" * 40])
def test_it_refuses_a_resume_position_that_is_not_one(raw: str) -> None:
    with pytest.raises(ValueError):
        stream_position(raw)


@pytest.mark.parametrize(("raw", "position"), [(None, None), ("", None), ("0", 0), ("42", 42)])
def test_it_reads_a_resume_position(raw: str | None, position: int | None) -> None:
    assert stream_position(raw) == position


async def _failing() -> AsyncGenerator[str]:
    yield "event: a\ndata: {}\n\n"
    raise RuntimeError("the source failed")


def _error_frame(event: dict[str, Any]) -> str:
    return encode_frame("x.error", event)


async def test_it_ends_a_failing_stream_with_a_retryable_error_event() -> None:
    response = event_stream_response(_failing(), error_frame=_error_frame)

    chunks = [chunk.decode() if isinstance(chunk, bytes) else chunk async for chunk in response]

    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"
    assert chunks[0] == "event: a\ndata: {}\n\n"
    error = json.loads(chunks[1].split("data: ", 1)[1])
    assert chunks[1].startswith("event: x.error\n")
    assert error["code"] == "stream_failed" and error["retryable"] is True
