"""Prometheus metrics for every LLM call (exported by django-prometheus on ``/metrics``)."""

from prometheus_client import Counter, Histogram

from llm.base import CallStats

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0)
_TTFT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)

RESPONSE_DURATION = Histogram(
    "llm_response_duration_seconds", "Total time of an LLM call", ["model", "mode"], buckets=_LATENCY_BUCKETS
)
TIME_TO_FIRST_TOKEN = Histogram(
    "llm_time_to_first_token_seconds", "Time to the first streamed token", ["model", "mode"], buckets=_TTFT_BUCKETS
)
TOKENS = Counter("llm_tokens_total", "Tokens sent to (in) and received from (out) models", ["model", "direction"])
ERRORS = Counter("llm_errors_total", "Failed LLM attempts and calls by kind", ["model", "kind"])


def record_call(stats: CallStats, mode: str) -> None:
    RESPONSE_DURATION.labels(stats.model, mode).observe(stats.latency_ms / 1000)
    if stats.ttft_ms is not None:
        TIME_TO_FIRST_TOKEN.labels(stats.model, mode).observe(stats.ttft_ms / 1000)
    if stats.tokens_in:
        TOKENS.labels(stats.model, "in").inc(stats.tokens_in)
    if stats.tokens_out:
        TOKENS.labels(stats.model, "out").inc(stats.tokens_out)


def record_error(model: str, kind: str) -> None:
    ERRORS.labels(model, kind).inc()
