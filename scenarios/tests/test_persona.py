import pytest

from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def test_a_scenario_becomes_the_llm_gateways_persona():
    prompts = pytest.importorskip("llm.prompts", reason="the LLM gateway's prompt module")
    Persona = prompts.Persona  # noqa: N806

    scenario = ScenarioFactory.create(ai_role="課長", learner_role="新人", situation="金曜の夕方。")

    persona = scenario.as_persona(language="ja")

    assert isinstance(persona, Persona)
    assert (persona.role, persona.learner_role, persona.situation) == ("課長", "新人", "金曜の夕方。")
    assert persona.language == "ja" and scenario.title in persona.instructions
