"""One attempt on one deployment: open a stream up to its first text, or get a whole answer.

- OpenAI-compatible servers (openai, ollama, openai_compatible): the lean transport.
- Gemini: litellm's own provider code, ``litellm.acompletion`` called plainly.
- ``demo/offline-partner``: the offline demo partner (the `llm.demo` package).

This is the only module that imports litellm, and only inside the functions that need it: a
process that never calls Gemini never loads it (litellm alone is some 250 MB resident).
Which deployment to try, retries, cool-downs and fallbacks are the gateway's
(:mod:`llm.gateway`); a failure here is raised as it came.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from llm import demo, transport
from llm.deployments import DEMO_MODEL, Route
from llm.prompts import estimate_tokens

DEMO_PROVIDER = "demo"
Tokens = tuple[int | None, int | None]


@dataclass(frozen=True)
class Limits:
    """The time and connection limits of one call."""

    first_token_timeout: float
    total_timeout: float
    demo_pacing: float = 0.0
    max_connections: int = 1000


class OpenedStream(Protocol):
    """A stream whose first text has arrived; the rest is read with ``next_text``."""

    model: str  # "openai/gpt-4o-mini"
    provider: str
    first: str | None

    async def next_text(self) -> str | None: ...

    def usage(self) -> Tokens: ...

    async def aclose(self) -> None: ...


# --- errors -----------------------------------------------------------------------------------
def error_kind(error: BaseException) -> str:
    """The gateway's kind for any failure raised on the way to a model."""
    if isinstance(error, transport.TransportError):
        return error.kind
    if isinstance(error, TimeoutError):
        return "timeout"
    litellm: Any = sys.modules.get("litellm")  # only a litellm call can have raised litellm's errors
    if litellm is not None:
        if isinstance(error, litellm.Timeout):
            return "timeout"
        if isinstance(error, litellm.ContextWindowExceededError | litellm.ContentPolicyViolationError):
            return "rejected"
    status = getattr(error, "status_code", None)
    if isinstance(status, int) and status not in (500, 408):
        return transport.kind_for_status(status)
    return "unavailable"


# --- streams ----------------------------------------------------------------------------------
class LeanStream:
    """An OpenAI-compatible SSE stream read by the lean transport."""

    __slots__ = ("model", "provider", "first", "_sse")

    def __init__(self, endpoint: transport.Endpoint, sse: transport.SSEStream, first: str | None) -> None:
        self.model = endpoint.label
        self.provider = endpoint.provider
        self.first = first
        self._sse = sse

    def next_text(self) -> Any:
        return self._sse.next_text()

    def usage(self) -> Tokens:
        return self._sse.tokens_in, self._sse.tokens_out

    async def aclose(self) -> None:
        self._sse.close()


def _endpoint(route: Route) -> transport.Endpoint:
    return transport.Endpoint(route.provider, route.model, route.api_base or "", route.api_key or "")


async def open_lean(route: Route, messages: list[dict[str, Any]], params: dict[str, Any], limits: Limits) -> LeanStream:
    endpoint = _endpoint(route)
    sse, first = await transport.open_stream(
        endpoint,
        messages,
        params,
        first_token_timeout=limits.first_token_timeout,
        max_connections=limits.max_connections,
    )
    return LeanStream(endpoint, sse, first)


class LitellmStream:
    """A stream read through litellm's own provider code (Gemini)."""

    def __init__(self, model: str, provider: str, chunks: Any) -> None:
        self.model = model
        self.provider = provider
        self.first: str | None = None
        self._chunks = chunks
        self._iterator: AsyncIterator[Any] = chunks.__aiter__()
        self._usage: Tokens = (None, None)

    async def next_text(self) -> str | None:
        async for chunk in self._iterator:
            usage = getattr(chunk, "usage", None)
            if usage is not None:
                self._usage = (getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
            choices = getattr(chunk, "choices", None) or []
            text = getattr(choices[0].delta, "content", None) if choices else None
            if text:
                return str(text)
        return None

    def usage(self) -> Tokens:
        return self._usage

    async def aclose(self) -> None:
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()


def _litellm_params(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if key in transport.BODY_PARAMS and value is not None}


def _litellm() -> Any:
    """litellm, loaded on the first call that needs it, with everything that could reach out off."""
    import litellm

    configure_litellm()
    return litellm


async def open_litellm(
    route: Route, messages: list[dict[str, Any]], params: dict[str, Any], limits: Limits
) -> LitellmStream:
    """Stream through litellm's own provider code and wait for the first text."""
    litellm = _litellm()
    async with asyncio.timeout(limits.first_token_timeout):
        chunks = await litellm.acompletion(
            model=route.label,
            messages=messages,
            api_key=route.api_key,
            api_base=route.api_base,
            stream=True,
            stream_options={"include_usage": True},
            timeout=limits.total_timeout,
            **_litellm_params(params),
        )
        stream = LitellmStream(route.label, route.provider, chunks)
        try:
            stream.first = await stream.next_text()
        except BaseException:
            await stream.aclose()
            raise
    return stream


def _tokens_in(messages: list[dict[str, Any]]) -> int:
    return sum(estimate_tokens(demo._text(m.get("content"))) for m in messages if isinstance(m, dict))


class DemoStream:
    """The offline demo partner's reply, token by token with a small pause between tokens."""

    model = DEMO_MODEL
    provider = DEMO_PROVIDER

    def __init__(self, messages: list[dict[str, Any]], pacing: float) -> None:
        self._tokens = demo.tokens(demo.reply_text(messages))
        self._pacing = pacing
        self._tokens_in = _tokens_in(messages)
        self._sent = 1
        self.first: str | None = self._tokens[0] if self._tokens else None

    async def next_text(self) -> str | None:
        if self._sent >= len(self._tokens):
            return None
        if self._pacing:
            await asyncio.sleep(self._pacing)
        self._sent += 1
        return self._tokens[self._sent - 1]

    def usage(self) -> Tokens:
        return self._tokens_in, self._sent

    async def aclose(self) -> None:
        self._sent = len(self._tokens)


# --- one attempt --------------------------------------------------------------------------------
# OpenAI's reasoning models accept only their default temperature: the judge's 0 is not sent to them.
_FIXED_TEMPERATURE_MODELS = ("o1", "o3", "o4", "gpt-5")


def allowed_params(route: Route, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` without the sampling settings ``route``'s model refuses."""
    if route.provider == "openai" and route.model.startswith(_FIXED_TEMPERATURE_MODELS):
        return {key: value for key, value in params.items() if key != "temperature"}
    return params


async def open_stream(
    route: Route, messages: list[dict[str, Any]], params: dict[str, Any], limits: Limits
) -> OpenedStream:
    """Open a stream on ``route`` and wait for its first text (within the first-token timeout)."""
    params = allowed_params(route, params)
    if route.demo:
        return DemoStream(messages, limits.demo_pacing)
    if route.lean:
        return await open_lean(route, messages, params, limits)
    return await open_litellm(route, messages, params, limits)


async def complete(
    route: Route, messages: list[dict[str, Any]], params: dict[str, Any], limits: Limits
) -> tuple[str, Tokens]:
    """One whole answer from ``route`` (``params`` may ask for a ``response_format``)."""
    params = allowed_params(route, params)
    if route.demo:
        response_format = params.get("response_format")
        text = demo.json_answer(messages, response_format) if response_format else demo.reply_text(messages)
        return text, (_tokens_in(messages), len(demo.tokens(text)))
    if route.lean:
        text, tokens_in, tokens_out = await transport.complete(
            _endpoint(route), messages, params, within=limits.total_timeout, max_connections=limits.max_connections
        )
        return text, (tokens_in, tokens_out)
    response: Any = await _litellm().acompletion(
        model=route.label,
        messages=messages,
        api_key=route.api_key,
        api_base=route.api_base,
        timeout=limits.total_timeout,
        **_litellm_params(params),
    )
    usage = getattr(response, "usage", None)
    tokens = (getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
    return str(response.choices[0].message.content or ""), tokens


# --- litellm ------------------------------------------------------------------------------------
def _caller_loop_logging() -> Any:
    from litellm.litellm_core_utils import logging_worker

    class CallerLoopLogging(logging_worker.LoggingWorker):
        """litellm's success callbacks, each run as a short task of its own on the calling loop.

        litellm's worker is one long-lived task bound to the first loop that used it; a call from
        another loop (pages, sockets and the watch runner each have their own) makes it start a new
        one and drop the old task still pending, which is destroyed later with an error line. Here
        nothing outlives its callback, which litellm's per-callback timeout bounds."""

        def __init__(self) -> None:
            super().__init__()
            self._callbacks: set[asyncio.Task[Any]] = set()

        def start(self) -> None:
            """Nothing long-lived to start."""

        def enqueue(self, coroutine: Coroutine[Any, Any, Any]) -> None:
            task = asyncio.get_running_loop().create_task(asyncio.wait_for(coroutine, timeout=self.timeout))
            self._callbacks.add(task)
            task.add_done_callback(self._settle)

        def ensure_initialized_and_enqueue(self, async_coroutine: Coroutine[Any, Any, Any]) -> None:
            self.enqueue(async_coroutine)

        def _settle(self, task: asyncio.Task[Any]) -> None:
            self._callbacks.discard(task)
            if not task.cancelled() and task.exception() is not None:
                logging_worker.verbose_logger.debug("litellm success callback failed: %r", task.exception())

    return CallerLoopLogging()


@functools.cache
def configure_litellm() -> None:
    """Switch off everything in litellm that could reach out (once, when it is first loaded)."""
    import litellm

    # The old opt-out flag (litellm 1.110.2's telemetry is the proxy's, opt-in, and unused here).
    litellm.telemetry = False  # type: ignore[assignment]
    litellm.disable_hf_tokenizer_download = True
    litellm.suppress_debug_info = True
    from litellm.litellm_core_utils import logging_worker

    logging_worker.GLOBAL_LOGGING_WORKER = _caller_loop_logging()  # type: ignore[misc]


@functools.cache
def register() -> None:
    """Make the offline demo partner a litellm provider too (``demo/offline-partner``), for code
    that speaks litellm's own interface; the gateway itself calls the demo partner directly."""
    litellm = _litellm()
    litellm.custom_provider_map = [
        item for item in litellm.custom_provider_map if item["provider"] != DEMO_PROVIDER
    ] + [{"provider": DEMO_PROVIDER, "custom_handler": _demo_provider()}]


def _demo_provider() -> Any:
    from litellm import CustomLLM
    from litellm.types.utils import GenericStreamingChunk

    class DemoProvider(CustomLLM):
        """The offline demo partner as a litellm provider: whole answers and token streams."""

        async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
            messages, model_response = kwargs["messages"], kwargs["model_response"]
            response_format = (kwargs.get("optional_params") or {}).get("response_format")
            text = demo.json_answer(messages, response_format) if response_format else demo.reply_text(messages)
            model_response.choices[0].message.content = text
            model_response.model = DEMO_MODEL
            return model_response

        async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:  # type: ignore[override]
            pieces = demo.tokens(demo.reply_text(kwargs["messages"]))
            for position, piece in enumerate(pieces):
                last = position == len(pieces) - 1
                yield GenericStreamingChunk(
                    text=piece,
                    is_finished=last,
                    finish_reason="stop" if last else "",
                    usage=None,
                    index=0,
                    tool_use=None,
                )

    return DemoProvider()
