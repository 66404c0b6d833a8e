"""The gateway's public calls: ``stream_reply``, ``complete_json``, ``demo_mode``, ``model_label``.

Every call walks its purpose's chain of deployments (:mod:`llm.deployments`)
in one short loop, :meth:`_Call.attempt`: a deployment that is resting is skipped; a server error
is retried on the same deployment ``LLM_NUM_RETRIES`` times; any other failure (a timeout, no
first token in time, a rate limit, a refused key) moves on to the next deployment at once; each
failure counts towards the deployment's cool-down. A stream's attempt ends at its first text, so
everything up to the first token is covered by the fallbacks, and the rest of the stream is read
straight from the provider's stream (:mod:`llm.providers`) with no per-chunk work
beyond the SSE parser.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from pydantic import BaseModel, ValidationError

from llm import metrics, providers
from llm.base import CallStats, JsonResult, LLMError, Purpose
from llm.deployments import GatewayState, Route, current
from llm.prompts import estimate_tokens
from llm.providers import Limits, OpenedStream, Tokens, error_kind
from llm.transport import TransportError

logger = structlog.get_logger("llm")
Model = TypeVar("Model", bound=BaseModel)
T = TypeVar("T")

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_REPAIR = (
    "The previous answer was not valid for the required JSON schema:\n{errors}\n"
    "Answer again with only the corrected JSON object."
)
_REPAIRED_TEXT_LIMIT = 8000
# A failure worth trying again on the same deployment (a server error or a dropped connection).
_RETRIED_ON_THE_SAME = frozenset({"unavailable"})


def demo_mode() -> bool:
    """True when no provider is configured and the offline demo partner answers everything."""
    return current().demo


def model_label(purpose: Purpose | str) -> str:
    """The human label of the model that answers ``purpose`` first."""
    return current().chain(Purpose.parse(purpose))[0].display


def _tokens_in(messages: list[dict[str, Any]]) -> int:
    return sum(estimate_tokens(str(message.get("content", ""))) + 4 for message in messages)


class _Call:
    """One gateway call: its purpose, chain of deployments, parameters, limits and failed attempts."""

    def __init__(self, messages: list[dict[str, str]], purpose: Purpose | str, mode: str, model: str | None) -> None:
        self.purpose = Purpose.parse(purpose)
        self.messages = messages
        self.mode = mode
        self.state: GatewayState = current()
        self.chain: tuple[Route, ...] = self.state.chain(self.purpose, model)
        self.params = self.state.params(self.purpose)
        llm = self.state.snapshot
        self.limits = Limits(
            first_token_timeout=float(llm["FIRST_TOKEN_TIMEOUT"]),
            total_timeout=float(llm["TOTAL_TIMEOUT"]),
            demo_pacing=float(llm.get("DEMO_PACING", 0.0)),
            max_connections=int(llm.get("MAX_CONNECTIONS", 1000)),
        )
        self.failures: list[tuple[str, str]] = []  # (model label, kind) per failed attempt
        self.answered_by: Route | None = None

    @property
    def head(self) -> Route:
        return self.chain[0]

    @property
    def path(self) -> str:
        route = self.answered_by or self.head
        return "demo" if route.demo else "lean" if route.lean else "litellm"

    async def attempt(self, action: Callable[[Route], Awaitable[T]]) -> T:
        """``action`` on the first deployment of the chain that answers (see the module's docstring).

        With nothing left to try, the call fails with the kind of the last failure (a rate limit
        stays a rate limit), or ``unavailable`` when every deployment was resting."""
        health = self.state.health
        for route in self.chain:
            tries = 0
            while health.available(route.group):
                try:
                    result = await action(route)
                except Exception as exc:  # noqa: BLE001  # every failure is counted and moves the call on
                    kind = error_kind(exc)
                    self.failures.append((route.label, kind))
                    health.failed(route.group, kind)
                    tries += 1
                    if kind not in _RETRIED_ON_THE_SAME or tries > self.state.retries:
                        break
                    continue
                self.answered_by = route
                return result
        kind = self.failures[-1][1] if self.failures else "unavailable"
        attempts = ", ".join(f"{model}:{failed}" for model, failed in self.failures) or "every deployment resting"
        raise LLMError(kind, detail=attempts)

    def open(self, route: Route) -> Awaitable[OpenedStream]:
        return providers.open_stream(route, self.messages, self.params, self.limits)

    def complete(self, route: Route) -> Awaitable[tuple[str, Tokens]]:
        return providers.complete(route, self.messages, self.params, self.limits)

    def kind_of(self, error: BaseException) -> str:
        return error.kind if isinstance(error, LLMError) else error_kind(error)

    def stats(
        self,
        *,
        model: str,
        provider: str,
        started: float,
        status: str,
        tokens: Tokens,
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
        for model, kind in self.failures:
            metrics.record_error(model, kind)
        if stats.error_kind and not self.failures:
            metrics.record_error(stats.model, stats.error_kind)
        metrics.record_call(stats, self.mode)
        logger.info(
            "llm.call",
            purpose=self.purpose.value,
            mode=self.mode,
            path=self.path,
            failed_attempts=[f"{model}:{kind}" for model, kind in self.failures],
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
        deadline = loop.time() + call.limits.total_timeout
        async with asyncio.timeout_at(deadline):
            self._opened = await call.attempt(call.open)
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
        opened = self._opened
        tokens: Tokens = (None, len(self._parts))
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


def stream_reply(
    messages: list[dict[str, str]], *, purpose: Purpose | str, mode: str, model: str | None = None
) -> ReplyStream:
    """Stream the reply token by token (see :class:`ReplyStream`). Nothing is sent until the
    stream is iterated (errors, including configuration errors, are raised there); ``aclose()``
    stops it."""
    try:
        return ReplyStream(_Call(messages, purpose, mode, model))
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
    call = _Call(messages, purpose, mode, None)
    call.params = {**call.params, "response_format": _response_format(schema)}
    started = time.monotonic()
    used: list[Tokens] = []
    try:
        async with asyncio.timeout(call.limits.total_timeout):
            value = await _answer_with_repair(call, schema, used)
    except Exception as exc:  # noqa: BLE001  # every failure reaches the caller as one LLMError
        kind = call.kind_of(exc)
        stats = _json_stats(call, started, used, "failed", kind)
        call.record(stats)
        raise _llm_error(exc, kind, stats) from None
    stats = _json_stats(call, started, used, "complete")
    call.record(stats)
    return JsonResult(value=value, stats=stats)


async def _answer_with_repair(call: _Call, schema: type[Model], used: list[Tokens]) -> Model:
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


async def _ask(call: _Call, used: list[Tokens]) -> str:
    text, tokens = await call.attempt(call.complete)
    used.append(tokens)
    return text if isinstance(text, str) else json.dumps(text)


def _json_stats(call: _Call, started: float, used: list[Tokens], status: str, kind: str | None = None) -> CallStats:
    tokens_in = sum(t[0] or 0 for t in used) if used else None
    tokens_out = sum(t[1] or 0 for t in used)
    answered = call.answered_by or call.head
    return call.stats(
        model=answered.label,
        provider=answered.provider,
        started=started,
        status=status,
        tokens=(tokens_in or None, tokens_out),
        kind=kind,
    )
