"""The gateway (its fallback loop, the lean transport and litellm for other providers) against the
fake OpenAI-compatible server on 127.0.0.1."""

import asyncio
import logging
import time
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pydantic import BaseModel, Field

from llm import LLMError, Purpose, complete_json, demo_mode, model_label, stream_reply
from llm.prompts import Persona, judge_messages, opening_messages, partner_messages
from testing.fake_llm import FakeLLM

PRIMARY = f"openai_compatible/{FakeLLM.PRIMARY}"
SECONDARY = f"ollama/{FakeLLM.SECONDARY}"
# With ``add_fallback`` Ollama (model SECONDARY) comes first and the OpenAI-compatible server behind it.
HEAD, BEHIND = FakeLLM.SECONDARY, FakeLLM.PRIMARY
HEAD_LABEL, BEHIND_LABEL = SECONDARY, PRIMARY
PERSONA = Persona(role="先輩", speaking_style="フランク", situation="休憩中", name="田中")


class Verdict(BaseModel):
    summary: str
    score: int = Field(ge=0, le=100)


def _chat(text: str = "今日は寒いですね") -> list[dict[str, str]]:
    return partner_messages(PERSONA, [{"role": "user", "content": text}])


async def _collect(stream: Any) -> list[str]:
    return [chunk async for chunk in stream]


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_it_streams_the_tokens_in_order_and_completely(fake_llm: FakeLLM) -> None:
    fake_llm.reply(tokens=["そう", "ですね", "、", "寒い", "です", "🙂"])
    stream = stream_reply(_chat(), purpose=Purpose.CHAT_PARTNER, mode="chat")
    assert await _collect(stream) == ["そう", "ですね", "、", "寒い", "です", "🙂"]
    assert stream.text == "そうですね、寒いです🙂"
    assert (stream.stats.status, stream.stats.model, stream.stats.provider) == (
        "complete",
        PRIMARY,
        "openai_compatible",
    )
    assert stream.stats.tokens_out == 6 and stream.stats.tokens_in > 0 and not stream.stats.demo
    assert stream.stats.ttft_ms is not None and stream.stats.latency_ms >= stream.stats.ttft_ms
    sent = fake_llm.requests[-1]
    assert sent["stream"] is True and sent["model"] == FakeLLM.PRIMARY
    assert sent["messages"][0]["role"] == "system" and sent["messages"][-1] == {
        "role": "user",
        "content": "今日は寒いですね",
    }
    assert sent["temperature"] == 0.8 and sent["max_tokens"] == 400


async def test_it_falls_back_to_the_secondary_when_the_primary_fails(fake_llm: FakeLLM) -> None:
    fake_llm.add_fallback()
    fake_llm.fail(500, model=FakeLLM.PRIMARY)
    fake_llm.reply(["代わりに", "答えます"], model=FakeLLM.SECONDARY)
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    assert "".join(await _collect(stream)) == "代わりに答えます"
    assert stream.stats.model == SECONDARY and stream.stats.status == "complete"
    assert [request["model"] for request in fake_llm.requests][-1] == FakeLLM.SECONDARY


async def test_a_hanging_primary_gives_way_to_the_secondary_within_the_first_token_timeout(fake_llm: FakeLLM) -> None:
    fake_llm.add_fallback(FIRST_TOKEN_TIMEOUT=0.4)
    fake_llm.hang(model=FakeLLM.PRIMARY)
    fake_llm.reply(["間に合い", "ました"], model=FakeLLM.SECONDARY)
    started = time.monotonic()
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    assert "".join(await _collect(stream)) == "間に合いました"
    assert time.monotonic() - started < 2.0
    assert stream.stats.model == SECONDARY


async def test_a_cooled_down_primary_is_skipped_on_the_next_call(fake_llm: FakeLLM) -> None:
    fake_llm.add_fallback()
    fake_llm.fail(429, model=FakeLLM.PRIMARY)
    await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat"))
    calls_to_primary = sum(1 for request in fake_llm.requests if request["model"] == FakeLLM.PRIMARY)
    await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat"))
    assert sum(1 for request in fake_llm.requests if request["model"] == FakeLLM.PRIMARY) == calls_to_primary


async def test_a_server_error_is_retried_once(fake_llm: FakeLLM) -> None:
    fake_llm.configure(NUM_RETRIES=1)
    fake_llm.fail(500)
    fake_llm.reply(["二度目で", "成功"])
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    assert "".join(await _collect(stream)) == "二度目で成功"
    assert len(fake_llm.requests) == 2


async def test_a_single_provider_is_never_cooled_down(fake_llm: FakeLLM) -> None:
    fake_llm.configure(ALLOWED_FAILS=0)
    for status in (429, 500, 503):
        fake_llm.fail(status)
        with pytest.raises(LLMError):
            await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat"))
    fake_llm.reply(["まだ", "います"])
    assert "".join(await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat"))) == "まだいます"
    assert len(fake_llm.requests) == 4


async def test_a_server_error_cools_down_only_after_more_than_the_allowed_fails(fake_llm: FakeLLM) -> None:
    fake_llm.add_fallback(ALLOWED_FAILS=1)
    fake_llm.fail(500, model=HEAD)
    fake_llm.reply(["代わり"], model=BEHIND)
    to_head = []
    for _ in range(3):
        stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
        assert await _collect(stream) == ["代わり"] and stream.stats.model == BEHIND_LABEL
        to_head.append(sum(1 for request in fake_llm.requests if request["model"] == HEAD))
    assert to_head == [1, 2, 2]


async def test_a_rested_deployment_is_tried_again_after_the_cool_down(fake_llm: FakeLLM) -> None:
    fake_llm.add_fallback(COOLDOWN_SECONDS=0.3)
    fake_llm.fail(429, model=HEAD)
    await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat"))
    fake_llm.reply(["戻り", "ました"], model=HEAD)
    await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat"))
    assert [request["model"] for request in fake_llm.requests] == [HEAD, BEHIND, BEHIND]
    await asyncio.sleep(0.35)
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    assert "".join(await _collect(stream)) == "戻りました" and stream.stats.model == HEAD_LABEL


async def test_with_every_deployment_resting_the_call_fails_at_once_without_a_request(fake_llm: FakeLLM) -> None:
    fake_llm.add_fallback()
    fake_llm.fail(429)
    with pytest.raises(LLMError) as caught:
        await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat"))
    assert caught.value.kind == "rate_limited" and len(fake_llm.requests) == 2
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    with pytest.raises(LLMError) as caught:
        await _collect(stream)
    assert caught.value.kind == "unavailable" and caught.value.retryable and len(fake_llm.requests) == 2
    assert stream.stats.status == "failed"


async def test_a_server_error_is_retried_on_the_same_deployment_before_falling_back(fake_llm: FakeLLM) -> None:
    fake_llm.add_fallback(NUM_RETRIES=1, ALLOWED_FAILS=5)
    fake_llm.fail(500, model=HEAD)
    fake_llm.reply(["三度目"], model=BEHIND)
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    assert await _collect(stream) == ["三度目"]
    assert [request["model"] for request in fake_llm.requests] == [HEAD, HEAD, BEHIND]


async def test_a_timeout_or_a_rate_limit_is_not_retried_on_the_same_deployment(fake_llm: FakeLLM) -> None:
    fake_llm.add_fallback(NUM_RETRIES=3, FIRST_TOKEN_TIMEOUT=0.3)
    fake_llm.hang(model=HEAD)
    fake_llm.fail(429, model=BEHIND)
    with pytest.raises(LLMError) as caught:
        await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat"))
    assert caught.value.kind == "rate_limited"
    assert [request["model"] for request in fake_llm.requests] == [HEAD, BEHIND]


async def test_the_total_timeout_bounds_the_fallbacks_too(fake_llm: FakeLLM) -> None:
    fake_llm.add_fallback(FIRST_TOKEN_TIMEOUT=5.0, TOTAL_TIMEOUT=0.5)
    fake_llm.hang()
    started = time.monotonic()
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    with pytest.raises(LLMError) as caught:
        await _collect(stream)
    assert time.monotonic() - started < 1.5
    assert caught.value.kind == "timeout" and stream.stats.status == "failed"


async def test_a_json_call_falls_back_like_a_stream(fake_llm: FakeLLM) -> None:
    fake_llm.add_fallback()
    fake_llm.fail(503, model=HEAD)
    fake_llm.reply_json({"summary": "代わりに", "score": 60}, model=BEHIND)
    result = await complete_json(judge_messages("評価", []), schema=Verdict, purpose="judge", mode="chat")
    assert (
        result.value.score == 60 and result.stats.model == BEHIND_LABEL and result.stats.provider == "openai_compatible"
    )


async def test_a_failure_with_nowhere_to_fall_back_is_one_clear_error(fake_llm: FakeLLM) -> None:
    fake_llm.fail(503)
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    with pytest.raises(LLMError) as caught:
        await _collect(stream)
    error = caught.value
    assert error.kind == "unavailable" and error.retryable and error.user_message
    assert "Traceback" not in error.user_message and "HTTP" not in error.user_message
    assert stream.stats.status == "failed" and error.stats is stream.stats and stream.text == ""


async def test_a_rate_limit_says_so(fake_llm: FakeLLM) -> None:
    fake_llm.fail(429)
    with pytest.raises(LLMError) as caught:
        await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat"))
    assert caught.value.kind == "rate_limited" and caught.value.retryable


async def test_a_stream_cut_midway_keeps_the_partial_text_and_says_interrupted(fake_llm: FakeLLM) -> None:
    fake_llm.reply(["途中", "まで", "話", "して"])
    fake_llm.cut_after(2)
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    received = []
    with pytest.raises(LLMError) as caught:
        async for chunk in stream:
            received.append(chunk)
    assert received == ["途中", "まで"] and stream.text == "途中まで"
    assert caught.value.kind == "interrupted" and caught.value.retryable
    assert stream.stats.status == "interrupted" and stream.stats.tokens_out == 2


async def test_cancelling_the_consumer_leaves_the_stream_interrupted(fake_llm: FakeLLM) -> None:
    fake_llm.reply(["ゆっくり"] + ["話"] * 100, delay=0.02)
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    first_chunk = asyncio.Event()

    async def consume() -> None:
        async for _chunk in stream:
            first_chunk.set()

    task = asyncio.create_task(consume())
    await first_chunk.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.stats.status == "interrupted" and stream.text.startswith("ゆっくり")
    assert 0 < stream.stats.tokens_out < 101


async def test_aclose_stops_generation(fake_llm: FakeLLM) -> None:
    fake_llm.reply(["一"] * 50, delay=0.01)
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    assert await stream.__anext__() == "一"
    await stream.aclose()
    assert [chunk async for chunk in stream] == []
    assert stream.stats.status == "interrupted" and stream.text == "一"


async def test_structured_output_is_validated(fake_llm: FakeLLM) -> None:
    fake_llm.reply_json({"summary": "丁寧でした", "score": 82})
    result = await complete_json(
        judge_messages("評価", [{"role": "user", "content": "よろしくお願いします"}]),
        schema=Verdict,
        purpose=Purpose.JUDGE,
        mode="chat",
    )
    assert result.value == Verdict(summary="丁寧でした", score=82)
    assert result.stats.status == "complete" and result.stats.model == PRIMARY and result.stats.tokens_out > 0
    sent = fake_llm.requests[-1]
    assert sent["response_format"]["json_schema"]["schema"]["properties"]["score"]["maximum"] == 100
    assert sent["temperature"] == 0.0 and not sent["stream"]  # the judge runs at temperature 0


async def test_invalid_json_is_repaired_once(fake_llm: FakeLLM) -> None:
    fake_llm.reply_json("{not json")
    fake_llm.reply_json({"summary": "直しました", "score": 70})
    result = await complete_json(judge_messages("評価", []), schema=Verdict, purpose="judge", mode="chat")
    assert result.value.summary == "直しました"
    repair = fake_llm.requests[-1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "{not json"}
    assert repair[-1]["role"] == "user" and "JSON" in repair[-1]["content"]


async def test_output_still_invalid_after_the_repair_is_rejected(fake_llm: FakeLLM) -> None:
    fake_llm.reply_json({"summary": "x", "score": 900})
    fake_llm.reply_json({"summary": 3})
    with pytest.raises(LLMError) as caught:
        await complete_json(judge_messages("評価", []), schema=Verdict, purpose="judge", mode="chat")
    assert caught.value.kind == "bad_output" and not caught.value.retryable
    assert caught.value.stats is not None and caught.value.stats.status == "failed"
    assert "score" in fake_llm.requests[1]["messages"][-1]["content"]
    assert len(fake_llm.requests) == 2


async def test_a_fenced_json_answer_is_accepted(fake_llm: FakeLLM) -> None:
    fake_llm.reply_json('```json\n{"summary": "ok", "score": 1}\n```')
    result = await complete_json(judge_messages("評価", []), schema=Verdict, purpose="judge", mode="chat")
    assert result.value.score == 1 and len(fake_llm.requests) == 1


async def test_every_call_records_metrics_and_a_log_line_without_content(
    fake_llm: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="llm")
    out_before = _sample("llm_tokens_total", model=PRIMARY, direction="out")
    count_before = _sample("llm_response_duration_seconds_count", model=PRIMARY, mode="scenario")
    ttft_before = _sample("llm_time_to_first_token_seconds_count", model=PRIMARY, mode="scenario")
    errors_before = _sample("llm_errors_total", model=PRIMARY, kind="interrupted")
    fake_llm.reply(["秘密の", "返事"])
    await _collect(stream_reply(_chat("社外秘の相談です"), purpose="scenario_partner", mode="scenario"))
    fake_llm.cut_after(1)
    with pytest.raises(LLMError):
        await _collect(stream_reply(_chat(), purpose="scenario_partner", mode="scenario"))
    assert _sample("llm_tokens_total", model=PRIMARY, direction="out") == out_before + 3
    assert _sample("llm_response_duration_seconds_count", model=PRIMARY, mode="scenario") == count_before + 2
    assert _sample("llm_time_to_first_token_seconds_count", model=PRIMARY, mode="scenario") == ttft_before + 2
    assert _sample("llm_errors_total", model=PRIMARY, kind="interrupted") == errors_before + 1
    events = [record.msg for record in caplog.records if isinstance(record.msg, dict)]
    calls = [event for event in events if event.get("event") == "llm.call"]
    assert [call["status"] for call in calls] == ["complete", "interrupted"]
    assert {"model", "provider", "tokens_in", "tokens_out", "ttft_ms", "latency_ms", "mode"} <= set(calls[0])
    assert calls[0]["model"] == PRIMARY and calls[0]["tokens_out"] == 2
    assert "社外秘" not in caplog.text and "秘密の" not in caplog.text


async def test_an_unknown_purpose_or_model_is_a_configuration_error(fake_llm: FakeLLM) -> None:
    with pytest.raises(LLMError) as caught:
        await _collect(stream_reply(_chat(), purpose="poet", mode="chat"))
    assert caught.value.kind == "config" and not caught.value.retryable
    with pytest.raises(LLMError):
        await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat", model="gemini/gemini-2.5-pro"))
    assert fake_llm.requests == []


async def test_a_named_model_of_a_configured_provider_is_used(fake_llm: FakeLLM) -> None:
    fake_llm.reply(["指名"], model="special-model")
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat", model="openai_compatible/special-model")
    assert await _collect(stream) == ["指名"]
    assert stream.stats.model == "openai_compatible/special-model"


def test_the_label_names_the_model_in_use(fake_llm: FakeLLM) -> None:
    assert not demo_mode()
    assert FakeLLM.PRIMARY in model_label(Purpose.JUDGE)


# --- the offline demo partner, through the same code path -----------------------------------
@pytest.fixture
def offline(fake_llm: FakeLLM) -> FakeLLM:
    fake_llm.configure(OPENAI_API_BASE="")
    return fake_llm


def test_with_no_provider_the_ui_labels_the_offline_demo_partner(offline: FakeLLM) -> None:
    assert demo_mode()
    assert all("offline demo partner" in model_label(purpose) for purpose in Purpose)


@pytest.mark.parametrize("purpose", list(Purpose))
async def test_the_demo_partner_streams_for_every_purpose(offline: FakeLLM, purpose: Purpose) -> None:
    stream = stream_reply(opening_messages(PERSONA), purpose=purpose, mode="chat")
    chunks = await _collect(stream)
    assert len(chunks) > 3 and "田中" in stream.text
    assert stream.stats.demo and stream.stats.model == "demo/offline-partner" and stream.stats.status == "complete"
    assert offline.requests == []


async def test_the_demo_partner_is_paced_like_a_stream(offline: FakeLLM) -> None:
    offline.configure(OPENAI_API_BASE="", DEMO_PACING=0.01)
    started = time.monotonic()
    chunks = await _collect(stream_reply(_chat(), purpose="chat_partner", mode="chat"))
    assert time.monotonic() - started >= 0.01 * (len(chunks) - 1)


async def test_the_demo_judge_quotes_the_learner(offline: FakeLLM) -> None:
    class Point(BaseModel):
        quote: str
        comment: str

    class Report(BaseModel):
        summary: str
        went_well: list[Point]
        empathy: int = Field(ge=0, le=100)

    transcript = [{"role": "assistant", "content": "どう？"}, {"role": "user", "content": "大変でしたね、手伝います！"}]
    result = await complete_json(judge_messages("評価", transcript), schema=Report, purpose="judge", mode="analysis")
    assert result.value.went_well[0].quote == "大変でしたね、手伝います！"
    assert result.value.empathy > 50 and result.stats.demo


async def test_a_stream_that_stalls_past_the_total_timeout_is_interrupted(fake_llm: FakeLLM) -> None:
    fake_llm.configure(TOTAL_TIMEOUT=0.5)
    fake_llm.reply(["最初の", "一言"] + ["遅い"] * 5, delay=0.2)
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    started = time.monotonic()
    with pytest.raises(LLMError) as caught:
        await _collect(stream)
    assert time.monotonic() - started < 1.0
    assert caught.value.kind == "interrupted" and stream.stats.status == "interrupted"
    assert stream.text.startswith("最初の")


async def test_the_callers_own_cancellation_still_propagates_near_the_deadline(fake_llm: FakeLLM) -> None:
    fake_llm.configure(TOTAL_TIMEOUT=0.3)
    fake_llm.reply(["a"] + ["b"] * 10, delay=0.1)
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    task = asyncio.create_task(_collect(stream))
    await asyncio.sleep(0.25)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.stats.status == "interrupted"


async def test_gemini_goes_first_and_gives_way_when_it_fails(
    fake_llm: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="llm")
    # litellm's Gemini client, pointed at the fake server, gets a 404 for Gemini's URL.
    fake_llm.configure(GEMINI_API_KEY="test-key", GEMINI_API_BASE=fake_llm.server.base_url)
    assert model_label(Purpose.CHAT_PARTNER) == "Gemini (gemini-test)"
    fake_llm.reply(["フォールバック", "です"])
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    assert "".join(await _collect(stream)) == "フォールバックです"
    assert stream.stats.model == PRIMARY
    call = next(record.msg for record in caplog.records if isinstance(record.msg, dict))
    assert call["failed_attempts"] == ["gemini/gemini-test:config"]


async def test_the_litellm_stream_reader_reads_a_real_stream(fake_llm: FakeLLM) -> None:
    from llm.deployments import Route
    from llm.providers import Limits, open_litellm

    fake_llm.reply(["litellm", "の", "道"])
    route = Route("test", "openai", FakeLLM.PRIMARY, f"{fake_llm.server.base_url}/v1", "test-key")
    limits = Limits(first_token_timeout=2.0, total_timeout=10.0)
    stream = await open_litellm(route, _chat(), {"temperature": 0.1}, limits)
    texts = [stream.first]
    while (text := await stream.next_text()) is not None:
        texts.append(text)
    await stream.aclose()
    assert texts == ["litellm", "の", "道"] and stream.usage()[1] == 3


@pytest.fixture
def through_litellm(fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> FakeLLM:
    """OpenAI (the fake server, with a key) answered through litellm's provider code, as Gemini is."""
    from llm import deployments

    monkeypatch.setattr(deployments, "LEAN_PROVIDERS", frozenset({"ollama", "openai_compatible"}))
    fake_llm.configure(OPENAI_API_KEY="test-key")
    return fake_llm


async def test_a_stream_through_litellm_still_works(through_litellm: FakeLLM) -> None:
    through_litellm.reply(["litellm", "経由", "です"])
    stream = stream_reply(_chat(), purpose="chat_partner", mode="chat")
    assert await _collect(stream) == ["litellm", "経由", "です"]
    assert stream.stats.model == f"openai/{FakeLLM.PRIMARY}" and stream.stats.status == "complete"
    assert through_litellm.requests[-1]["stream"] is True


async def test_a_json_answer_through_litellm_is_validated(through_litellm: FakeLLM) -> None:
    through_litellm.reply_json({"summary": "litellm", "score": 77})
    result = await complete_json(judge_messages("評価", []), schema=Verdict, purpose="judge", mode="chat")
    assert result.value == Verdict(summary="litellm", score=77) and result.stats.provider == "openai"
    assert through_litellm.requests[-1]["response_format"]["type"] == "json_schema"


def test_calls_from_several_event_loops_leave_no_pending_task_behind(
    through_litellm: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    """Pages, sockets and the watch runner call the gateway from loops of their own."""
    import gc
    import threading

    through_litellm.reply_json({"summary": "丁寧でした", "score": 82})
    loops = [asyncio.new_event_loop() for _ in range(2)]
    threads = [threading.Thread(target=loop.run_forever, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    messages = judge_messages("評価", [{"role": "user", "content": "よろしくお願いします"}])
    try:
        for loop in [*loops, *loops]:
            call = complete_json(messages, schema=Verdict, purpose=Purpose.JUDGE, mode="chat")
            assert asyncio.run_coroutine_threadsafe(call, loop).result(timeout=30).value.score == 82
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            gc.collect()
    finally:
        for loop, thread in zip(loops, threads, strict=True):
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
    assert not [record for record in caplog.records if "pending" in record.getMessage()]
