"""The judge runs at temperature 0 wherever the model accepts it."""

from llm.config import PURPOSE_PARAMS
from llm.deployments import Route
from llm.providers import allowed_params


def test_the_judge_asks_for_temperature_0() -> None:
    assert PURPOSE_PARAMS["judge"]["temperature"] == 0.0
    assert PURPOSE_PARAMS["chat_partner"]["temperature"] > 0


def test_a_model_that_refuses_a_temperature_is_sent_none() -> None:
    params = {"temperature": 0.0, "max_tokens": 2000}
    assert allowed_params(Route("judge:openai", "openai", "o3-mini"), params) == {"max_tokens": 2000}
    assert allowed_params(Route("judge:openai", "openai", "gpt-4o-mini"), params) == params
    assert allowed_params(Route("judge:gemini", "gemini", "gemini-2.5-flash"), params) == params
