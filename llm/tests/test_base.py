from django.utils import translation

from llm import CallStats, LLMError


def test_errors_say_whether_a_retry_helps_in_japanese_by_default() -> None:
    timeout, bad = LLMError("timeout"), LLMError("bad_output")
    assert timeout.retryable and not bad.retryable
    assert timeout.user_message == "相手の応答に時間がかかりすぎました。もう一度お試しください。"
    with translation.override("en"):
        assert LLMError("rate_limited").user_message.startswith("The AI service is busy")


def test_call_stats_are_stored_as_plain_json_numbers() -> None:
    stats = CallStats(
        model="openai/gpt-4o-mini",
        provider="openai",
        tokens_in=12,
        tokens_out=3,
        ttft_ms=123.456,
        latency_ms=987.654,
        status="complete",
        demo=False,
    )
    assert stats.as_metadata() == {
        "model": "openai/gpt-4o-mini",
        "provider": "openai",
        "tokens_in": 12,
        "tokens_out": 3,
        "ttft_ms": 123.5,
        "latency_ms": 987.7,
        "status": "complete",
        "demo": False,
        "error_kind": None,
    }
