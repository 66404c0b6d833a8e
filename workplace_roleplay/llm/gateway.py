"""The gateway's public calls: ``stream_reply``, ``complete_json``, ``demo_mode``, ``model_label``.

A stream's first attempt takes the fast path when the Router's pick for the purpose is an
OpenAI-compatible server: ``Router.select`` picks the deployment (honouring cool-downs; the pick is
kept until a failure, see ``GatewayState.pick``) and the lean transport streams it, with no Router
or litellm work per call or per chunk. If that attempt
fails before the first token, the failure is counted against the deployment in the Router (so its
cool-down rules apply) and the call goes to ``Router.acompletion``, whose retries and fallbacks
take it from there. Gemini, the demo partner and every JSON call always go through the Router.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any, TypeVar

import structlog
from pydantic import BaseModel, ValidationError

from workplace_roleplay.llm import metrics
from workplace_roleplay.llm.base import CallStats, JsonResult, LLMError, Purpose
from workplace_roleplay.llm.deployments import GatewayState, Route, current, quiet_litellm_router_logs
from workplace_roleplay.llm.prompts import estimate_tokens
from workplace_roleplay.llm.providers import CALL, CallContext, OpenedStream, error_kind, litellm_error, open_lean
from workplace_roleplay.llm.transport import Endpoint, TransportError

logger = structlog.get_logger("workplace_roleplay.llm")
Model = TypeVar("Model", bound=BaseModel)

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_REPAIR = (
    "The previous answer was not valid for the required JSON schema:\n{errors}\n"
    "Answer again with only the corrected JSON object."
)
_REPAIRED_TEXT_LIMIT = 8000


def demo_mode() -> bool:
    """True when no provider is configured and the offline demo partner answers everything."""
    return current().demo


def model_label(purpose: Purpose | str) -> str:
    """The human label of the model that answers ``purpose`` first."""
    return current().chain(Purpose.parse(purpose))[0].display


def _tokens_in(messages: list[dict[str, Any]]) -> int:
    return sum(estimate_tokens(str(message.get("content", ""))) + 4 for message in messages)


class _Call:
    """One gateway call: its purpose, chain of deployments, parameters and context."""

    def __init__(
        self, messages: list[dict[str, str]], purpose: Purpose | str, mode: str, model: str | None, *, stream: bool
    ) -> None:
        self.purpose = Purpose.parse(purpose)
        self.messages = messages
        self.mode = mode
        self.state: GatewayState = current()
        self.chain: tuple[Route, ...] = self.state.chain(self.purpose, model)
        self.params = self.state.params(self.purpose)
        llm = self.state.snapshot
        self.context = CallContext(
            stream=stream,
            first_token_timeout=float(llm["FIRST_TOKEN_TIMEOUT"]),
            total_timeout=float(llm["TOTAL_TIMEOUT"]),
            demo_pacing=float(llm.get("DEMO_PACING", 0.0)),
            max_connections=int(llm.get("MAX_CONNECTIONS", 1000)),
            on_failure=self.state.forget_picks,
        )
        self.path = "router"

    @property
    def head(self) -> Route:
        return self.chain[0]

    def kind_of(self, error: BaseException) -> str:
        """The kind of the call's failure; when the Router had nothing left to try, the failure
        that put the last deployment out (a rate limit stays a rate limit)."""
        if isinstance(error, LLMError):
            return error.kind
        kind = error_kind(error)
        if kind == "unavailable" and self.context.failures:
            return self.context.failures[-1][1]
        return kind

    async def route(self, *, retries: int | None = None) -> Any:
        """``Router.acompletion`` over the chain; provider attempts report through the context."""
        extra: dict[str, Any] = {} if retries is None else {"num_retries": retries}
        if self.head.group not in {chain[0].group for chain in self.state.chains.values()}:
            extra["fallbacks"] = [route.group for route in self.chain[1:]]
        token = CALL.set(self.context)
        try:
            return await self.state.router.acompletion(
                model=self.head.group,
                messages=self.messages,
                timeout=self.context.total_timeout,
                **self.params,
                **extra,
            )
        finally:
            CALL.reset(token)

    def stats(
        self,
        *,
        model: str,
        provider: str,
        started: float,
        status: str,
        tokens: tuple[int | None, int | None],
        ttft: float | None = None,
        kind: str | None = None,
    ) -> CallStats:
        tokens_in, tokens_out = tokens
        return CallStats(
            model=model,
            provider=provider,
            tokens_in=tokens_in if tokens_in is not None else _tokens_in(self.messages),
            tokens_out=tokens_out or 0,
            ttft_ms=None if ttft is None else ttft * 1000,
            latency_ms=(time.monotonic() - started) * 1000,
            status=status,
            demo=provider == "demo",
            error_kind=kind,
        )

    def record(self, stats: CallStats) -> None:
        """Metrics and one log line per call (ids and numbers only, never message text)."""
        for model, kind in self.context.failures:
            metrics.record_error(model, kind)
        if stats.error_kind and not self.context.failures:
            metrics.record_error(stats.model, stats.error_kind)
        metrics.record_call(stats, self.mode)
        logger.info(
            "llm.call",
            purpose=self.purpose.value,
            mode=self.mode,
            path=self.path,
            failed_attempts=[f"{model}:{kind}" for model, kind in self.context.failures],
            **stats.as_metadata(),
        )


def _llm_error(error: BaseException, kind: str, stats: CallStats) -> LLMError:
    if isinstance(error, LLMError):
        error.stats = error.stats or stats
        return error
    return LLMError(kind, stats=stats, detail=type(error).__name__)


# --- streaming --------------------------------------------------------------------------------------
class ReplyStream:
    """The reply, as an async iterator of text chunks. ``text`` is everything received so far and
    ``stats`` is filled in when the stream ends, fails or is cancelled.

    The total timeout is one timer per stream (not one per chunk): when it fires during a read,
    it cancels that read, which then ends the stream as interrupted.
    """

    def __init__(self, call: _Call | LLMError) -> None:
        self._error = call if isinstance(call, LLMError) else None
        self._call = call if isinstance(call, _Call) else None
        self._parts: list[str] = []
        self._opened: OpenedStream | None = None
        self._started = 0.0
        self._ttft: float | None = None
        self._finished = False
        self._watchdog: asyncio.TimerHandle | None = None
        self._reader: asyncio.Task[Any] | None = None
        self._cancelled_by_watchdog: asyncio.Task[Any] | None = None
        self._expired = False
        head = self._call.head if self._call is not None else None
        self.stats = CallStats(
            model=head.label if head else "",
            provider=head.provider if head else "",
            tokens_in=0,
            tokens_out=0,
            ttft_ms=None,
            latency_ms=0.0,
            status="interrupted",
            demo=bool(head and head.demo),
        )

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def __aiter__(self) -> ReplyStream:
        return self

    async def __anext__(self) -> str:
        if self._finished:
            raise StopAsyncIteration
        if self._error is not None:
            raise self._refuse(self._error)
        try:
            text = await (self._open() if self._opened is None else self._next())
        except asyncio.CancelledError:
            if self._watchdog_cancelled():
                raise await self._fail(TimeoutError("total timeout")) from None
            await self._end("interrupted")
            raise
        except Exception as exc:  # noqa: BLE001  # every failure reaches the caller as one LLMError
            raise await self._fail(exc) from None
        if text is None:
            await self._end("complete")
            raise StopAsyncIteration
        self._parts.append(text)
        return text

    def _refuse(self, error: LLMError) -> LLMError:
        self._finished = True
        self.stats.status, self.stats.error_kind, error.stats = "failed", error.kind, self.stats
        return error

    @property
    def _the_call(self) -> _Call:
        assert self._call is not None
        return self._call

    async def _open(self) -> str | None:
        call = self._the_call
        loop = asyncio.get_running_loop()
        self._started = time.monotonic()
        deadline = loop.time() + call.context.total_timeout
        async with asyncio.timeout_at(deadline):
            self._opened = await _open_stream(call)
        self._ttft = time.monotonic() - self._started
        self._watchdog = loop.call_at(deadline, self._on_deadline)
        return self._opened.first

    async def _next(self) -> str | None:
        if self._expired:
            raise TimeoutError("total timeout")
        assert self._opened is not None
        self._reader = asyncio.current_task()
        try:
            return await self._opened.next_text()
        finally:
            self._reader = None

    def _on_deadline(self) -> None:
        self._expired = True
        reader = self._reader
        if reader is not None and not reader.done():
            self._cancelled_by_watchdog = reader
            reader.cancel()

    def _watchdog_cancelled(self) -> bool:
        """Whether the CancelledError being handled is the deadline's alone (not also the caller's)."""
        task = asyncio.current_task()
        if task is None or self._cancelled_by_watchdog is not task:
            return False
        self._cancelled_by_watchdog = None
        return task.uncancel() == 0

    async def _fail(self, error: BaseException) -> LLMError:
        if self._opened is None:
            kind = self._the_call.kind_of(error)
            await self._end("failed", kind)
            return _llm_error(error, kind, self.stats)
        await self._end("interrupted", "interrupted")
        detail = error.message if isinstance(error, TransportError) else type(error).__name__
        return LLMError("interrupted", stats=self.stats, detail=detail)

    async def _end(self, status: str, kind: str | None = None) -> None:
        if self._finished or self._call is None:
            self._finished = True
            return
        self._finished = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        call = self._call
        opened = self._opened or call.context.opened
        tokens: tuple[int | None, int | None] = (None, len(self._parts))
        if opened is not None:
            used_in, used_out = opened.usage()
            tokens = (used_in, used_out if status == "complete" and used_out else len(self._parts))
            await opened.aclose()
        model = opened.model if opened is not None else call.head.label
        provider = opened.provider if opened is not None else call.head.provider
        started = self._started or time.monotonic()
        self.stats = call.stats(
            model=model, provider=provider, started=started, status=status, tokens=tokens, ttft=self._ttft, kind=kind
        )
        call.record(self.stats)

    async def aclose(self) -> None:
        """Stop generating and close the HTTP stream (the reply so far stays in ``text``)."""
        await self._end("interrupted")


async def _open_stream(call: _Call) -> OpenedStream:
    retries = None
    if call.head.lean:
        opened = await _open_fast(call)
        if opened is not None:
            return opened
        if call.context.failures:  # the fast attempt was the first try: the Router has one retry less
            retries = max(int(call.state.snapshot.get("NUM_RETRIES", 1)) - 1, 0)
    response = await call.route(retries=retries)
    if call.context.opened is None:
        raise LLMError("unavailable", detail=f"no stream from {getattr(response, 'model', '?')}")
    return call.context.opened


async def _open_fast(call: _Call) -> OpenedStream | None:
    """One attempt on the Router's pick, outside the Router; None hands the call to the Router."""
    picked = await call.state.pick(call.head.group)
    route = next((r for r in call.chain if r.group == picked), None)
    if route is None or not route.lean:
        return None
    try:
        endpoint = Endpoint(route.provider, route.model, route.api_base or "", route.api_key or "")
        opened = await open_lean(endpoint, call.messages, call.params, call.context)
    except TransportError as exc:
        call.context.failed(route.label, exc.kind)
        failure = litellm_error(exc, route.model, route.provider)
        call.state.router.health().record_failure(route.group, failure, exc.status or 500)
        return None
    call.path = "fast"
    return opened


def stream_reply(
    messages: list[dict[str, str]], *, purpose: Purpose | str, mode: str, model: str | None = None
) -> ReplyStream:
    """Stream the reply token by token (see :class:`ReplyStream`). Nothing is sent until the
    stream is iterated (errors, including configuration errors, are raised there); ``aclose()``
    stops it."""
    try:
        return ReplyStream(_Call(messages, purpose, mode, model, stream=True))
    except LLMError as error:
        return ReplyStream(error)


# --- structured output -----------------------------------------------------------------------------
def _response_format(schema: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema(), "strict": False},
    }


def _parse(schema: type[Model], text: str) -> Model:
    cleaned = _FENCE.sub("", text.strip())
    try:
        return schema.model_validate_json(cleaned)
    except ValidationError:
        start, end = cleaned.find("{"), cleaned.rfind("}")
        if 0 < start < end:
            return schema.model_validate_json(cleaned[start : end + 1])
        raise


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_url=False, include_input=False, include_context=False)[:20]:
        location = ".".join(str(part) for part in item["loc"]) or "(root)"
        lines.append(f"- {location}: {item['msg']}")
    return "\n".join(lines)


async def complete_json(
    messages: list[dict[str, str]], *, schema: type[Model], purpose: Purpose | str, mode: str
) -> JsonResult[Model]:
    """An answer validated against ``schema``: one repair round on invalid output, then
    ``LLMError(kind="bad_output")``. Unvalidated data is never returned."""
    call = _Call(messages, purpose, mode, None, stream=False)
    call.params = {**call.params, "response_format": _response_format(schema)}
    started = time.monotonic()
    used: list[tuple[int | None, int | None]] = []
    try:
        async with asyncio.timeout(call.context.total_timeout):
            value = await _answer_with_repair(call, schema, used)
    except Exception as exc:  # noqa: BLE001  # every failure reaches the caller as one LLMError
        kind = call.kind_of(exc)
        stats = _json_stats(call, started, used, "failed", kind)
        call.record(stats)
        raise _llm_error(exc, kind, stats) from None
    stats = _json_stats(call, started, used, "complete")
    call.record(stats)
    return JsonResult(value=value, stats=stats)


async def _answer_with_repair(call: _Call, schema: type[Model], used: list[tuple[int | None, int | None]]) -> Model:
    text = await _ask(call, used)
    try:
        return _parse(schema, text)
    except ValidationError as first_error:
        call.messages = [
            *call.messages,
            {"role": "assistant", "content": text[:_REPAIRED_TEXT_LIMIT]},
            {"role": "user", "content": _REPAIR.format(errors=_describe(first_error))},
        ]
    text = await _ask(call, used)
    try:
        return _parse(schema, text)
    except ValidationError as second_error:
        raise LLMError("bad_output", retryable=False, detail=_describe(second_error)[:500]) from None


async def _ask(call: _Call, used: list[tuple[int | None, int | None]]) -> str:
    response = await call.route()
    used.append(call.context.tokens)
    content = response.choices[0].message.content
    return content if isinstance(content, str) else json.dumps(content)


def _json_stats(
    call: _Call, started: float, used: list[tuple[int | None, int | None]], status: str, kind: str | None = None
) -> CallStats:
    tokens_in = sum(t[0] or 0 for t in used) if used else None
    tokens_out = sum(t[1] or 0 for t in used)
    answered = call.context.answered_by or call.head.label
    provider = answered.split("/", 1)[0]
    return call.stats(
        model=answered,
        provider=provider,
        started=started,
        status=status,
        tokens=(tokens_in or None, tokens_out),
        kind=kind,
    )


quiet_litellm_router_logs()
