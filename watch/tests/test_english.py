"""An English learner's watch session: themes, personas, briefs and the personas' prompts are English."""

import re
from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from llm.demo import reply_text
from llm.prompts import opening_messages, system_prompt
from scenarios.models import Scenario
from scenarios.services import builtin_scenarios_load
from watch import services, themes

pytestmark = pytest.mark.django_db
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")


def _english_user() -> Any:
    return UserFactory.create(preferences={"language": "en", "default_partner": "同僚"})


def _labels(page: str, name: str) -> list[str]:
    start = page.index(f'<select name="{name}"')
    return re.findall(r">([^<]+)</option>", page[start : page.index("</select>", start)])


def test_an_english_learner_picks_themes_and_personas_in_english() -> None:
    builtin_scenarios_load()
    client = Client()
    client.force_login(_english_user())

    page = client.get("/watch/").content.decode()

    themes_offered, personas = _labels(page, "theme"), _labels(page, "persona_a")
    assert "Small talk" in themes_offered and "Alone in the lift with an executive" in themes_offered
    assert "Senior colleague" in personas and "Client" in personas
    assert [label for label in themes_offered + personas if JAPANESE.search(label)] == []


@pytest.mark.parametrize("theme", [theme.key for theme in themes.THEMES])
def test_an_english_preset_session_briefs_its_personas_in_english(theme: str) -> None:
    preset = themes.theme_for(theme)
    assert preset is not None
    session = services.watch_start(user=_english_user(), theme=theme, personas=list(preset.personas))

    assert session.title == preset.label_en
    for seat in (0, 1):
        persona = themes.persona_prompt(session.ai_personas, seat, language="en", **session.metadata["brief"])
        prompt = opening_messages(persona)

        assert JAPANESE.findall(system_prompt(persona)) == [], (theme, seat)
        assert JAPANESE.findall(reply_text(prompt)) == []


def test_an_english_scenario_session_briefs_its_personas_in_english() -> None:
    builtin_scenarios_load()
    scenario = Scenario.objects.get(slug="negotiate-supplier-price-increase")

    session = services.watch_start(user=_english_user(), theme=f"scenario:{scenario.pk}", personas=["sales", "client"])

    brief = session.metadata["brief"]
    assert session.title == "Negotiating a supplier's price increase"
    assert brief["situation"].startswith(
        "A meeting in the learner's reception room."
    )  # the partner is told in the third person
    assert session.metadata["points"][0] == "Did you ask questions to understand his background?"
    persona = themes.persona_prompt(session.ai_personas, 0, language="en", **brief)
    assert JAPANESE.findall(system_prompt(persona)) == []


def test_a_japanese_session_keeps_the_japanese_brief() -> None:
    session = services.watch_start(user=UserFactory.create(), theme="smalltalk", personas=["colleague", "senior"])

    persona = themes.persona_prompt(session.ai_personas, 1, language="ja", **session.metadata["brief"])

    assert session.title == "雑談" and persona.situation == "昼休み、オフィスの休憩スペースで二人が一緒になった。"
    assert persona.personality == "入社8年目。面倒見がよく、要点を押さえた助言をする。"
