"""The lean transport to OpenAI-compatible servers (OpenAI, Ollama, vLLM, the fake server).

One pooled aiohttp session per event loop and a plain SSE parser: a streamed chunk costs a few
tens of microseconds here, against about half a millisecond in litellm's stream wrapper (see
``bench/llm_overhead.py``). Which server to call, retries and fallbacks are the gateway's; this
module only speaks HTTP and reports failures as :class:`TransportError`.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

# OpenAI request fields passed through from the caller's parameters.
BODY_PARAMS = frozenset(
    {"temperature", "max_tokens", "top_p", "stop", "seed", "presence_penalty", "frequency_penalty", "response_format"}
)
_ERROR_BODY_LIMIT = 2000


class TransportError(Exception):
    """A failed request: ``kind`` is timeout | rate_limited | unavailable | rejected | config | interrupted."""

    def __init__(self, kind: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.message = message


def kind_for_status(status: int) -> str:
    if status == 429:
        return "rate_limited"
    if status in (401, 403, 404):
        return "config"
    if status == 408:
        return "timeout"
    if 400 <= status < 500:
        return "rejected"
    return "unavailable"


@dataclass(frozen=True)
class Endpoint:
    """One OpenAI-compatible deployment."""

    provider: str  # "openai" | "ollama" | "openai_compatible"
    model: str
    base_url: str  # ending in /v1
    api_key: str = ""

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def body(self, messages: list[dict[str, Any]], params: dict[str, Any], *, stream: bool) -> bytes:
        payload: dict[str, Any] = {"model": self.model, "messages": messages, "stream": stream}
        payload.update((key, value) for key, value in params.items() if key in BODY_PARAMS and value is not None)
        if stream:
            payload["stream_options"] = {"include_usage": True}
            payload.pop("response_format", None)
        return json.dumps(payload, ensure_ascii=False).encode()


# --- sessions -----------------------------------------------------------------------------
_SESSIONS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[aiohttp.ClientSession, AsyncIterator[None]]]
_SESSIONS = weakref.WeakKeyDictionary()


async def _session_keeper(session: aiohttp.ClientSession) -> AsyncIterator[None]:
    """Registered with the loop's async generators, so the loop's shutdown closes the session."""
    try:
        yield
    finally:
        await session.close()


async def session(max_connections: int = 1000) -> aiohttp.ClientSession:
    """The pooled session of the running loop (keep-alive connections are reused across calls)."""
    loop = asyncio.get_running_loop()
    entry = _SESSIONS.get(loop)
    if entry is not None and not entry[0].closed:
        return entry[0]
    connector = aiohttp.TCPConnector(limit=max_connections, limit_per_host=0, keepalive_timeout=30)
    created = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None))
    keeper = _session_keeper(created)
    await keeper.__anext__()
    _SESSIONS[loop] = (created, keeper)
    return created



# --- requests -----------------------------------------------------------------------------
async def _error_from(response: aiohttp.ClientResponse) -> TransportError:
    try:
        text = (await response.text(errors="replace"))[:_ERROR_BODY_LIMIT]
    except (aiohttp.ClientError, TimeoutError):
        text = ""
    response.release()
    detail = _error_message(text) or response.reason or "error"
    return TransportError(kind_for_status(response.status), f"HTTP {response.status}: {detail}", status=response.status)


def _error_message(text: str) -> str:
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError):
        return text[:200]
    if isinstance(error, dict):
        return str(error.get("message", ""))[:200]
    return str(error or "")[:200]


async def _post(endpoint: Endpoint, body: bytes, max_connections: int) -> aiohttp.ClientResponse:
    client = await session(max_connections)
    try:
        response = await client.post(endpoint.url, data=body, headers=endpoint.headers())
    except aiohttp.ClientError as exc:
        raise TransportError("unavailable", f"connection failed: {type(exc).__name__}") from exc
    if response.status != 200:
        raise await _error_from(response)
    return response


async def complete(
    endpoint: Endpoint,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    *,
    within: float,
    max_connections: int = 1000,
) -> tuple[str, int | None, int | None]:
    """One non-streamed answer within ``within`` seconds: (text, prompt tokens, completion tokens)."""
    try:
        async with asyncio.timeout(within):
            response = await _post(endpoint, endpoint.body(messages, params, stream=False), max_connections)
            data = await response.json(content_type=None)
    except TimeoutError as exc:
        raise TransportError("timeout", f"no answer within {within:g}s") from exc
    except (aiohttp.ClientError, ValueError) as exc:
        raise TransportError("unavailable", f"unreadable answer: {type(exc).__name__}") from exc
    return _completion_text(data)


def _completion_text(data: Any) -> tuple[str, int | None, int | None]:
    try:
        content = data["choices"][0]["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise TransportError("unavailable", "answer without choices") from exc
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return str(content), usage.get("prompt_tokens"), usage.get("completion_tokens")


class SSEStream:
    """The text deltas of one streamed chat completion, parsed as they arrive."""

    __slots__ = ("_response", "_buffer", "_texts", "done", "finish_reason", "tokens_in", "tokens_out")

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self._buffer = b""
        self._texts: deque[str] = deque()
        self.done = False
        self.finish_reason: str | None = None
        self.tokens_in: int | None = None
        self.tokens_out: int | None = None

    async def next_text(self) -> str | None:
        """The next non-empty text delta, or None once the stream has ended."""
        texts = self._texts
        while not texts:
            if self.done:
                return None
            try:
                data = await self._response.content.readany()
            except aiohttp.ClientError as exc:
                raise TransportError("interrupted", f"stream broke: {type(exc).__name__}") from exc
            if not data:
                self._end_of_body()
            else:
                self._feed(data)
        return texts.popleft()

    def _end_of_body(self) -> None:
        self.done = True
        if self.finish_reason is None:
            raise TransportError("interrupted", "stream ended before the answer was finished")

    def _feed(self, data: bytes) -> None:
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
        buffer = self._buffer + data
        start = 0
        while (end := buffer.find(b"\n\n", start)) >= 0:
            self._event(buffer[start:end])
            start = end + 2
        self._buffer = buffer[start:]

    def _event(self, event: bytes) -> None:
        for line in event.split(b"\n"):
            if not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if payload == b"[DONE]":
                self.done = True
                self.finish_reason = self.finish_reason or "stop"
                return
            try:
                chunk = json.loads(payload)
            except ValueError as exc:
                raise TransportError("interrupted", "malformed stream chunk") from exc
            if isinstance(chunk, dict):
                self._chunk(chunk)

    def _chunk(self, chunk: dict[str, Any]) -> None:
        if "error" in chunk:
            raise TransportError("interrupted", f"provider error mid-stream: {_error_message(json.dumps(chunk))}")
        choices = chunk.get("choices")
        if choices:
            choice = choices[0]
            content = (choice.get("delta") or {}).get("content")
            if content:
                self._texts.append(content)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        usage = chunk.get("usage")
        if usage:
            self.tokens_in = usage.get("prompt_tokens")
            self.tokens_out = usage.get("completion_tokens")

    def close(self) -> None:
        """Stop reading; an unfinished response's connection is dropped, a finished one goes back
        to the pool once the end of the body (usually already on its way) has been read."""
        self.done = True
        response = self._response
        if self.finish_reason is None:
            response.close()
        elif response.content.at_eof():
            response.release()
        else:
            task = asyncio.get_running_loop().create_task(_drain(response))
            _DRAINING.add(task)
            task.add_done_callback(_DRAINING.discard)


_DRAINING: set[asyncio.Task[None]] = set()
_DRAIN_SECONDS = 1.0


async def _drain(response: aiohttp.ClientResponse) -> None:
    """Read what is left of a finished stream (the chunked terminator) so its connection is reused."""
    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            await response.read()
    except (aiohttp.ClientError, TimeoutError):
        response.close()
        return
    response.release()


async def open_stream(
    endpoint: Endpoint,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    *,
    first_token_timeout: float,
    max_connections: int = 1000,
) -> tuple[SSEStream, str | None]:
    """Start streaming and wait for the first text (or the end of an empty answer)."""
    body = endpoint.body(messages, params, stream=True)
    stream: SSEStream | None = None
    try:
        async with asyncio.timeout(first_token_timeout):
            stream = SSEStream(await _post(endpoint, body, max_connections))
            return stream, await stream.next_text()
    except TimeoutError as exc:
        _close(stream)
        raise TransportError("timeout", f"no first token within {first_token_timeout:g}s") from exc
    except TransportError as exc:
        _close(stream)
        if exc.kind != "interrupted":
            raise
        raise TransportError("unavailable", f"stream failed before the first token: {exc}") from exc
    except BaseException:
        _close(stream)
        raise


def _close(stream: SSEStream | None) -> None:
    if stream is not None:
        stream.close()
