"""A fake OpenAI-compatible chat server on 127.0.0.1 for tests and benchmarks.

It answers ``POST /v1/chat/completions`` (SSE chunks when ``stream`` is true, one JSON body
otherwise, both with usage numbers) and is scripted per test::

    server.reply(tokens=["こん", "にちは"], delay=0.0)   # stream these tokens
    server.reply_json({"score": 80})                    # answer this JSON text (a str is sent as is)
    server.fail(status=500) / server.fail(status=429) / server.hang()
    server.cut_after(2)                                  # cut the pending reply after 2 tokens
    server.requests                                      # the request bodies received (dicts)

Scripts queue up: each request takes the next one, and the last one stays in force for every later
request until a new script is given. A script given ``model=...`` applies only to requests for that
model and goes first. With no script the server streams a short default reply.

Run it alone (for ``bench/``) with ``python -m testing.fake_llm --port 8089``;
``GET /_timings`` then returns when each request arrived and each chunk was written
(``time.monotonic()`` seconds, comparable across processes on one machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TOKENS: tuple[str, ...] = ("はい、", "承知", "しました。")
_FOREVER = 3600.0


@dataclass
class Script:
    """What the server does with one request."""

    kind: str  # "reply" | "fail" | "hang" | "cut"
    tokens: list[str] = field(default_factory=lambda: list(DEFAULT_TOKENS))
    delay: float = 0.0
    first_delay: float = 0.0
    status: int = 500
    cut_after: int = 0


@dataclass
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def _chunk(model: str, delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
    }


def _token_event_parts(model: str) -> tuple[bytes, bytes]:
    """The SSE event of one token, split around the token's JSON string (built once per stream)."""
    marker = "\u0000token\u0000"
    event = json.dumps(_chunk(model, {"role": "assistant", "content": marker}, None), ensure_ascii=False)
    prefix, _, suffix = event.partition(json.dumps(marker))
    return b"data: " + prefix.encode(), suffix.encode() + b"\n\n"


def _usage(body: dict[str, Any], tokens: list[str]) -> dict[str, int]:
    prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []) if isinstance(m, dict))
    prompt = max(1, prompt_chars // 2)
    return {"prompt_tokens": prompt, "completion_tokens": len(tokens), "total_tokens": prompt + len(tokens)}


def _completion(model: str, text: str, usage: dict[str, int]) -> dict[str, Any]:
    message = {"role": "assistant", "content": text}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": usage,
    }


def _json_tokens(text: str, size: int = 8) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class FakeLLMServer:
    """The server, run on its own event loop in a daemon thread (``start``/``stop``)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: list[dict[str, Any]] = []
        self.timings: list[dict[str, Any]] = []
        self.record_timings = False
        # For load runs: a share of requests fails with HTTP 500, and structured requests with no
        # script of their own get schema-valid JSON (the offline demo partner's answer).
        self.fail_rate = 0.0
        self.answer_structured = False
        self._random = random.Random(7)  # noqa: S311 - a reproducible share of failures, not security
        self.default = Script("reply")
        self._scripts: dict[str | None, deque[Script]] = {}
        self._spent: set[str | None] = set()  # queues whose last script has answered a request
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # --- scripting -------------------------------------------------------------------------
    def reply(
        self, tokens: list[str] | None = None, delay: float = 0.0, *, first_delay: float = 0.0, model: str | None = None
    ) -> None:
        """Stream ``tokens`` (pausing ``delay`` seconds before each; ``first_delay`` before the first)."""
        self._push(model, Script("reply", list(tokens if tokens is not None else DEFAULT_TOKENS), delay, first_delay))

    def reply_json(self, value: object, *, model: str | None = None) -> None:
        """Answer with this JSON (``str`` values are sent verbatim, e.g. to send invalid JSON)."""
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        self._push(model, Script("reply", _json_tokens(text)))

    def fail(self, status: int = 500, *, model: str | None = None) -> None:
        self._push(model, Script("fail", status=status))

    def hang(self, *, model: str | None = None) -> None:
        """Accept the request and never answer."""
        self._push(model, Script("hang"))

    def cut_after(
        self, n_tokens: int, *, tokens: list[str] | None = None, delay: float | None = None, model: str | None = None
    ) -> None:
        """Cut the pending reply (the last one scripted, or the default) after ``n_tokens`` tokens:
        the connection drops mid-stream."""
        with self._lock:
            queue = self._scripts.setdefault(model, deque())
            pending = queue[-1] if queue and model not in self._spent and queue[-1].kind == "reply" else None
            if pending is not None:
                pending.kind, pending.cut_after = "cut", n_tokens
                pending.tokens = list(tokens) if tokens is not None else pending.tokens
                pending.delay = pending.delay if delay is None else delay
                return
        chosen = list(tokens) if tokens is not None else [f"t{i} " for i in range(n_tokens + 5)]
        self._push(model, Script("cut", chosen, delay or 0.0, cut_after=n_tokens))

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._spent.clear()
            self.requests.clear()
            self.timings.clear()

    def _push(self, model: str | None, script: Script) -> None:
        with self._lock:
            queue = self._scripts.setdefault(model, deque())
            if model in self._spent:
                queue.clear()
                self._spent.discard(model)
            queue.append(script)

    def _take(self, model: str) -> Script:
        with self._lock:
            for key in (model, None):
                queue = self._scripts.get(key)
                if queue:
                    if len(queue) > 1:
                        return queue.popleft()
                    self._spent.add(key)
                    return queue[0]
        return self.default

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeLLMServer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="fake-llm", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake LLM server did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        self._loop = None

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        loop.run_until_complete(self.listen())
        ready.set()
        loop.run_forever()
        loop.close()

    async def listen(self) -> None:
        self._server = await asyncio.start_server(self._on_connection, self.host, self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- HTTP ------------------------------------------------------------------------------
    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while (request := await _read_request(reader)) is not None:
                if not await self._dispatch(request, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            pass  # the client went away, the request was malformed, or the server is stopping
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _dispatch(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection must be dropped."""
        if request.method == "GET" and request.path == "/_timings":
            await _send_json(writer, 200, {"timings": self.timings})
            return True
        if request.method != "POST" or not request.path.rstrip("/").endswith("/chat/completions"):
            await _send_json(writer, 404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return True
        body = json.loads(request.body or b"{}")
        self.requests.append(body)
        return await self._answer(body, writer)

    async def _answer(self, body: dict[str, Any], writer: asyncio.StreamWriter) -> bool:
        received = time.monotonic()
        model = str(body.get("model", ""))
        if self.fail_rate and self._random.random() < self.fail_rate:
            await _send_json(writer, 500, {"error": {"message": "fake failure 500", "type": "server_error"}})
            return True
        script = self._take(model)
        if script is self.default and self.answer_structured and body.get("response_format"):
            from llm.demo import json_answer

            script = Script("reply", _json_tokens(json_answer(body.get("messages"), body["response_format"])))
        if script.kind == "hang":
            await asyncio.sleep(_FOREVER)
            return False
        if script.kind == "fail":
            error = {"message": f"fake failure {script.status}", "type": "server_error", "code": script.status}
            await _send_json(writer, script.status, {"error": error})
            return True
        if not body.get("stream"):
            await asyncio.sleep(script.first_delay + script.delay * len(script.tokens))
            text = "".join(script.tokens)
            await _send_json(writer, 200, _completion(model, text, _usage(body, script.tokens)))
            return True
        return await self._stream(body, model, script, writer, received)

    async def _stream(
        self, body: dict[str, Any], model: str, script: Script, writer: asyncio.StreamWriter, received: float
    ) -> bool:
        head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        writer.write(head.encode())
        sent: list[float] = []
        cut = script.kind == "cut"
        tokens = script.tokens[: script.cut_after] if cut else script.tokens
        if script.first_delay:
            await asyncio.sleep(script.first_delay)
        prefix, suffix = _token_event_parts(model)
        for token in tokens:
            if script.delay:
                await asyncio.sleep(script.delay)
            sent.append(time.monotonic())
            await _send_chunk(writer, prefix + json.dumps(token, ensure_ascii=False).encode() + suffix)
        self._record(body, received, sent)
        if cut:
            writer.transport.abort()
            return False
        await _send_event(writer, _chunk(model, {}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage_chunk = {**_chunk(model, {}, None), "choices": [], "usage": _usage(body, tokens)}
            await _send_event(writer, usage_chunk)
        await _send_chunk(writer, b"data: [DONE]\n\n")
        await _send_chunk(writer, b"")
        return True

    def _record(self, body: dict[str, Any], received: float, sent: list[float]) -> None:
        if self.record_timings:
            messages = body.get("messages") or [{}]
            tag = str(messages[-1].get("content", ""))[:64] if isinstance(messages[-1], dict) else ""
            self.timings.append({"tag": tag, "received": received, "sent": sent})


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = dict(_header(line) for line in lines[1:] if ":" in line)
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return _Request(method, path, headers, body)


def _header(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name.strip().lower(), value.strip()


async def _send_json(writer: asyncio.StreamWriter, status: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode()
    head = f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n"
    writer.write(head.encode() + data)
    await writer.drain()


async def _send_event(writer: asyncio.StreamWriter, payload: dict[str, Any]) -> None:
    await _send_chunk(writer, b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n")


async def _send_chunk(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    await writer.drain()


class FakeLLM:
    """What the ``fake_llm`` pytest fixture gives a test: the server's scripting, plus switches
    for ``settings.LLM``, which it points at the server as an OpenAI-compatible base.

    The server is configured as an OpenAI-compatible base serving model ``PRIMARY``;
    ``add_fallback()`` adds the same server as Ollama serving model ``SECONDARY``. Ollama comes
    before an OpenAI-compatible server in the providers' order, so with both ``SECONDARY`` is
    tried first and ``PRIMARY`` is the fallback behind it; a test scripts one of them alone with
    ``fake_llm.fail(500, model=FakeLLM.SECONDARY)``.
    """

    PRIMARY = "fake-primary"
    SECONDARY = "fake-secondary"

    def __init__(self, server: FakeLLMServer, settings: Any) -> None:
        self.server = server
        self._settings = settings
        server.reset()
        self.configure()

    def reply(self, tokens: list[str] | None = None, delay: float = 0.0, **options: Any) -> None:
        self.server.reply(tokens, delay, **options)

    def reply_json(self, value: object, *, model: str | None = None) -> None:
        self.server.reply_json(value, model=model)

    def fail(self, status: int = 500, *, model: str | None = None) -> None:
        self.server.fail(status, model=model)

    def hang(self, *, model: str | None = None) -> None:
        self.server.hang(model=model)

    def cut_after(self, n_tokens: int, **options: Any) -> None:
        self.server.cut_after(n_tokens, **options)

    def answer_json_requests(self) -> None:
        """Unscripted structured requests get schema-valid JSON (the offline judge's), as a working model gives."""
        self.server.answer_structured = True

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.server.requests

    def settings_for(self, **overrides: Any) -> dict[str, Any]:
        return fake_settings(self.server.base_url, **overrides)

    def configure(self, **overrides: Any) -> None:
        """Point ``settings.LLM`` at the server with these overrides and start a fresh gateway."""
        self._settings.LLM = self.settings_for(**overrides)
        _reset_gateway()

    def add_fallback(self, **overrides: Any) -> None:
        """A second deployment behind the primary: ``SECONDARY`` on the same server (as Ollama)."""
        self.configure(OLLAMA_API_BASE=self.server.base_url, **overrides)

    def close(self) -> None:
        self.server.reset()
        self.server.answer_structured = False
        _reset_gateway()


def fake_settings(base_url: str, **overrides: Any) -> dict[str, Any]:
    """``settings.LLM`` pointing at a fake server only, with short test timeouts, no retries of a
    server error (a test that wants them asks for ``NUM_RETRIES``) and an unpaced demo partner."""
    from llm.config import PURPOSE_PARAMS

    models = {
        "gemini": "gemini-test",
        "openai": FakeLLM.PRIMARY,
        "ollama": FakeLLM.SECONDARY,
        "openai_compatible": FakeLLM.PRIMARY,
    }
    llm: dict[str, Any] = {
        "GEMINI_API_KEY": "",
        "OPENAI_API_KEY": "",
        "OPENAI_API_BASE": f"{base_url}/v1",
        "OLLAMA_API_BASE": "",
        "FIRST_TOKEN_TIMEOUT": 2.0,
        "TOTAL_TIMEOUT": 30.0,
        "NUM_RETRIES": 0,
        "ALLOWED_FAILS": 1,
        "COOLDOWN_SECONDS": 30.0,
        "HISTORY_BUDGET_TOKENS": 6000,
        "MAX_CONNECTIONS": 100,
        "DEMO_PACING": 0.0,
        "PURPOSES": {name: {"models": dict(models), **params} for name, params in PURPOSE_PARAMS.items()},
    }
    llm.update(overrides)
    return llm


def _reset_gateway() -> None:
    """Fresh deployments' health on the next call (nothing to do before the gateway was first used)."""
    deployments = sys.modules.get("llm.deployments")
    if deployments is not None:
        deployments.reset_gateway()


@contextlib.contextmanager
def running(server: FakeLLMServer | None = None) -> Iterator[FakeLLMServer]:
    """Start a server for the duration of a ``with`` block."""
    started = (server or FakeLLMServer()).start()
    try:
        yield started
    finally:
        started.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible streaming server")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--tokens", type=int, default=30, help="tokens per streamed reply")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each token")
    parser.add_argument("--first-delay", type=float, default=0.0, help="extra seconds before the first token")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of requests answered with HTTP 500")
    parser.add_argument("--structured", action="store_true", help="answer JSON requests with schema-valid JSON")
    args = parser.parse_args()
    if args.structured:  # its answers come from the offline judge, which reads the product's settings
        import os

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workplace_roleplay.settings.base")
        django.setup()
    server = FakeLLMServer(port=args.port)
    server.record_timings = True
    server.fail_rate, server.answer_structured = args.fail_rate, args.structured
    server.default = Script("reply", [f"語{i} " for i in range(args.tokens)], args.delay, first_delay=args.first_delay)

    async def serve() -> None:
        await server.listen()
        print(f"listening {server.base_url}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
