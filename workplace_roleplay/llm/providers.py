"""The litellm custom providers every Router deployment points at.

- ``wr_gateway/<provider>/<model>``: a real model. OpenAI-compatible servers (openai, ollama,
  openai_compatible) go through the lean transport; Gemini goes through litellm's own path.
- ``demo/offline-partner``: the offline demo partner (:mod:`workplace_roleplay.llm.demo`).

A streamed call is one Router attempt that ends at the first token: the provider opens the stream,
reads the first text, hands the open stream to the caller through :data:`CALL` and answers the
Router with that first text. So the Router's retries, fallbacks and cool-downs cover everything up
to the first token, and the rest of the stream costs no Router or stream-wrapper work per chunk.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

import litellm
from litellm import CustomLLM
from litellm.litellm_core_utils import logging_worker
from litellm.types.router import RouterRateLimitError, RouterRateLimitErrorBasic
from litellm.types.utils import GenericStreamingChunk, ModelResponse, Usage

from workplace_roleplay.llm import demo, transport
from workplace_roleplay.llm.prompts import estimate_tokens

GATEWAY_PROVIDER = "wr_gateway"
DEMO_PROVIDER = "demo"
DEMO_MODEL = "demo/offline-partner"
LEAN_PROVIDERS = frozenset({"openai", "ollama", "openai_compatible"})


class OpenedStream(Protocol):
    """A stream whose first text has arrived; the rest is read with ``next_text``."""

    model: str  # "openai/gpt-4o-mini"
    provider: str
    first: str | None

    async def next_text(self) -> str | None: ...

    def usage(self) -> tuple[int | None, int | None]: ...

    async def aclose(self) -> None: ...


@dataclass
class CallContext:
    """One gateway call, shared with the provider attempts the Router makes for it."""

    stream: bool
    first_token_timeout: float
    total_timeout: float
    demo_pacing: float = 0.0
    max_connections: int = 1000
    opened: OpenedStream | None = None
    answered_by: str = ""  # model label of the deployment that answered a non-streamed call
    tokens: tuple[int | None, int | None] = (None, None)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (model label, kind) per failed attempt
    on_failure: Callable[[], None] | None = None

    def failed(self, model: str, kind: str) -> None:
        self.failures.append((model, kind))
        if self.on_failure is not None:
            self.on_failure()


CALL: contextvars.ContextVar[CallContext | None] = contextvars.ContextVar("llm_call", default=None)


def _context() -> CallContext:
    return CALL.get() or CallContext(stream=False, first_token_timeout=15.0, total_timeout=90.0)


# --- errors -----------------------------------------------------------------------------------
_ERROR_TYPES: dict[str, Callable[..., Exception]] = {
    "timeout": litellm.Timeout,
    "rate_limited": litellm.RateLimitError,
    "config": litellm.AuthenticationError,
    "rejected": litellm.BadRequestError,
}


def litellm_error(error: transport.TransportError, model: str, provider: str) -> Exception:
    """The litellm exception the Router understands (retry, fallback, cool-down) for a failure."""
    kind = error.kind
    if kind == "config" and error.status == 404:
        return litellm.NotFoundError(message=error.message, model=model, llm_provider=provider)
    error_type = _ERROR_TYPES.get(kind)
    if error_type is None:
        if error.status in (502, 503, 504):
            return litellm.ServiceUnavailableError(message=error.message, model=model, llm_provider=provider)
        if error.status is None:
            return litellm.APIConnectionError(message=error.message, model=model, llm_provider=provider)
        return litellm.InternalServerError(message=error.message, model=model, llm_provider=provider)
    return error_type(message=error.message, model=model, llm_provider=provider)


def error_kind(error: BaseException) -> str:
    """The gateway's kind for any failure raised on the way to a model."""
    if isinstance(error, transport.TransportError):
        return error.kind
    if isinstance(error, litellm.Timeout | TimeoutError):
        return "timeout"
    if isinstance(error, litellm.ContextWindowExceededError | litellm.ContentPolicyViolationError):
        return "rejected"
    if isinstance(error, RouterRateLimitError | RouterRateLimitErrorBasic):
        return "unavailable"  # every deployment is cooling down
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

    def usage(self) -> tuple[int | None, int | None]:
        return self._sse.tokens_in, self._sse.tokens_out

    async def aclose(self) -> None:
        self._sse.close()


async def open_lean(
    endpoint: transport.Endpoint, messages: list[dict[str, Any]], params: dict[str, Any], context: CallContext
) -> LeanStream:
    sse, first = await transport.open_stream(
        endpoint,
        messages,
        params,
        first_token_timeout=context.first_token_timeout,
        max_connections=context.max_connections,
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
        self._usage: tuple[int | None, int | None] = (None, None)

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

    def usage(self) -> tuple[int | None, int | None]:
        return self._usage

    async def aclose(self) -> None:
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()


async def open_litellm(
    target: Target, messages: list[dict[str, Any]], params: dict[str, Any], context: CallContext
) -> LitellmStream:
    """Stream through litellm's own provider code and wait for the first text."""
    async with asyncio.timeout(context.first_token_timeout):
        chunks = await litellm.acompletion(
            model=target.label,
            messages=messages,
            api_key=target.api_key,
            api_base=target.api_base,
            stream=True,
            stream_options={"include_usage": True},
            timeout=context.total_timeout,
            **_litellm_params(params),
        )
        stream = LitellmStream(target.label, target.provider, chunks)
        stream.first = await stream.next_text()
    return stream


class DemoStream:
    """The offline demo partner's reply, token by token with a small pause between tokens."""

    model = DEMO_MODEL
    provider = "demo"

    def __init__(self, messages: list[dict[str, Any]], pacing: float) -> None:
        self._tokens = demo.tokens(demo.reply_text(messages))
        self._pacing = pacing
        self._tokens_in = sum(estimate_tokens(demo._text(m.get("content"))) for m in messages)
        self._sent = 1
        self.first: str | None = self._tokens[0] if self._tokens else None

    async def next_text(self) -> str | None:
        if self._sent >= len(self._tokens):
            return None
        if self._pacing:
            await asyncio.sleep(self._pacing)
        self._sent += 1
        return self._tokens[self._sent - 1]

    def usage(self) -> tuple[int | None, int | None]:
        return self._tokens_in, self._sent

    async def aclose(self) -> None:
        self._sent = len(self._tokens)


# --- the providers ------------------------------------------------------------------------------
def _litellm_params(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if key in transport.BODY_PARAMS and value is not None}


def _answer(
    model_response: ModelResponse, text: str | None, tokens: tuple[int | None, int | None], model: str
) -> ModelResponse:
    model_response.choices[0].message.content = text or ""  # type: ignore[union-attr]
    model_response.model = model
    tokens_in, tokens_out = tokens
    usage = Usage(
        prompt_tokens=tokens_in or 0,
        completion_tokens=tokens_out or 0,
        total_tokens=(tokens_in or 0) + (tokens_out or 0),
    )
    model_response.usage = usage  # type: ignore[attr-defined]  # ModelResponse declares usage dynamically
    return model_response


def _for_router(error: Exception, target: Target) -> Exception:
    """The failure as the litellm exception the Router's retry and cool-down rules recognise."""
    if isinstance(error, transport.TransportError):
        return litellm_error(error, target.model, target.provider)
    if isinstance(error, TimeoutError) and not isinstance(error, litellm.Timeout):
        return litellm.Timeout(message="no first token in time", model=target.model, llm_provider=target.provider)
    return error


@dataclass(frozen=True)
class Target:
    """What a ``wr_gateway/<provider>/<model>`` deployment points at."""

    provider: str
    model: str
    api_base: str | None
    api_key: str | None

    @classmethod
    def parse(cls, model: str, api_base: str | None, api_key: str | None) -> Target:
        provider, _, name = model.partition("/")
        return cls(provider, name, api_base, api_key)

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"

    def endpoint(self) -> transport.Endpoint:
        return transport.Endpoint(self.provider, self.model, self.api_base or "", self.api_key or "")


class GatewayProvider(CustomLLM):
    """Real models: the lean transport for OpenAI-compatible servers, litellm for Gemini."""

    async def acompletion(
        self,
        model: str,
        messages: list[Any],
        api_base: str | None,
        custom_prompt_dict: Any,
        model_response: ModelResponse,
        print_verbose: Any,
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: Any = None,  # noqa: ASYNC109  # litellm's CustomLLM signature
        client: Any = None,
    ) -> ModelResponse:
        target = Target.parse(model, api_base, api_key)
        context = _context()
        try:
            if context.stream:
                context.opened = await self._open(target, messages, optional_params, context)
                return _answer(model_response, context.opened.first, (None, None), target.label)
            text, tokens = await self._complete(target, messages, optional_params, context)
        except Exception as exc:
            context.failed(target.label, error_kind(exc))
            raise _for_router(exc, target) from exc
        context.answered_by, context.tokens = target.label, tokens
        return _answer(model_response, text, tokens, target.label)

    async def _open(
        self, target: Target, messages: list[Any], params: dict[str, Any], context: CallContext
    ) -> OpenedStream:
        if target.provider in LEAN_PROVIDERS:
            return await open_lean(target.endpoint(), messages, params, context)
        return await open_litellm(target, messages, params, context)

    async def _complete(
        self, target: Target, messages: list[Any], params: dict[str, Any], context: CallContext
    ) -> tuple[str, tuple[int | None, int | None]]:
        if target.provider in LEAN_PROVIDERS:
            text, tokens_in, tokens_out = await transport.complete(
                target.endpoint(),
                messages,
                params,
                within=context.total_timeout,
                max_connections=context.max_connections,
            )
            return text, (tokens_in, tokens_out)
        response: Any = await litellm.acompletion(
            model=target.label,
            messages=messages,
            api_key=target.api_key,
            api_base=target.api_base,
            timeout=context.total_timeout,
            **_litellm_params(params),
        )
        usage = getattr(response, "usage", None)
        tokens = (getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
        return str(response.choices[0].message.content or ""), tokens


class DemoProvider(CustomLLM):
    """The offline demo partner as a litellm provider: text, JSON and token streams."""

    async def acompletion(
        self,
        model: str,
        messages: list[Any],
        api_base: str | None,
        custom_prompt_dict: Any,
        model_response: ModelResponse,
        print_verbose: Any,
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: Any = None,  # noqa: ASYNC109  # litellm's CustomLLM signature
        client: Any = None,
    ) -> ModelResponse:
        context = _context()
        tokens_in = sum(estimate_tokens(demo._text(m.get("content"))) for m in messages if isinstance(m, dict))
        if context.stream:
            context.opened = DemoStream(messages, context.demo_pacing)
            return _answer(model_response, context.opened.first, (tokens_in, 1), DEMO_MODEL)
        response_format = optional_params.get("response_format")
        text = demo.json_answer(messages, response_format) if response_format else demo.reply_text(messages)
        tokens = (tokens_in, len(demo.tokens(text)))
        context.answered_by, context.tokens = DEMO_MODEL, tokens
        return _answer(model_response, text, tokens, DEMO_MODEL)

    async def astreaming(  # type: ignore[override,misc]  # an async generator, which litellm iterates
        self,
        model: str,
        messages: list[Any],
        api_base: str | None,
        custom_prompt_dict: Any,
        model_response: ModelResponse,
        print_verbose: Any,
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: Any = None,  # noqa: ASYNC109  # litellm's CustomLLM signature
        client: Any = None,
    ) -> AsyncIterator[GenericStreamingChunk]:
        """litellm's own streaming interface (``litellm.acompletion(..., stream=True)``)."""
        pieces = demo.tokens(demo.reply_text(messages))
        for position, piece in enumerate(pieces):
            last = position == len(pieces) - 1
            yield GenericStreamingChunk(
                text=piece, is_finished=last, finish_reason="stop" if last else "", usage=None, index=0, tool_use=None
            )


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


@functools.cache
def register() -> None:
    """Register the providers with litellm (once) and switch off everything that could reach out."""
    # The old opt-out flag (litellm 1.110.2's telemetry is the proxy's, opt-in, and unused here).
    litellm.telemetry = False  # type: ignore[assignment]
    litellm.disable_hf_tokenizer_download = True
    litellm.suppress_debug_info = True
    logging_worker.GLOBAL_LOGGING_WORKER = CallerLoopLogging()  # type: ignore[misc]
    litellm.custom_provider_map = [
        item for item in litellm.custom_provider_map if item["provider"] not in (GATEWAY_PROVIDER, DEMO_PROVIDER)
    ] + [
        {"provider": GATEWAY_PROVIDER, "custom_handler": GatewayProvider()},
        {"provider": DEMO_PROVIDER, "custom_handler": DemoProvider()},
    ]
