"""The partner's prompt never carries a sentence addressed to the learner, for every built-in and
every fixture scenario (upstream, extended reverse-role), in Japanese and English."""

import re
from pathlib import Path

import pytest

from llm.prompts import Persona, system_prompt
from scenarios.models import Scenario
from scenarios.services import BUILTIN_SCENARIOS_FILE, scenario_import_paths

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCES = [BUILTIN_SCENARIOS_FILE, FIXTURES / "upstream", FIXTURES / "extended"]
_QUOTED = re.compile(r"「[^」]*」|『[^』]*』|\"[^\"]*\"|“[^”]*”")
_SECOND_PERSON = re.compile(r"あなた|\byou\b|\byour\b|\byou're\b|\byourself\b", re.IGNORECASE)


def _frame(language: str) -> set[str]:
    """The lines every partner prompt has (the introduction, the rules): they address the model."""
    return set(system_prompt(Persona(role="x", language=language)).splitlines())


def _scenario_lines(scenario: Scenario, language: str) -> list[str]:
    persona = scenario.as_persona(language=language)
    prompt = system_prompt(persona)
    trainer = scenario.text("partner_instructions", language).strip()
    if trainer:  # the trainer's own instructions are written to the partner
        assert trainer in prompt
        prompt = prompt.replace(trainer, "")
    return [line for line in prompt.splitlines() if line not in _frame(language)]


@pytest.fixture
def every_scenario() -> list[Scenario]:
    scenario_import_paths(paths=SOURCES)
    scenarios = list(Scenario.objects.prefetch_related("learning_points"))
    assert len(scenarios) >= 35 + 30 + 3
    return scenarios


@pytest.mark.parametrize("language", ["ja", "en"])
def test_no_learner_addressed_sentence_reaches_the_partners_prompt(every_scenario: list[Scenario], language: str):
    offending = []
    for scenario in every_scenario:
        for line in _scenario_lines(scenario, language):
            if _SECOND_PERSON.search(_QUOTED.sub("", line)):
                offending.append(f"{scenario.slug}: {line}")

    assert offending == []


def test_the_learners_briefing_stays_out_of_the_partners_prompt(every_scenario: list[Scenario]):
    briefed = [s for s in every_scenario if s.learner_briefing]
    assert len(briefed) >= 13  # the ten list-shape scenarios and the three reverse-role ones at least

    checked = 0
    for scenario in briefed:
        prompt = system_prompt(scenario.as_persona(language="ja"))
        addressed = [
            sentence.strip()
            for sentence in re.split(r"(?<=[。.])", scenario.learner_briefing)
            if _SECOND_PERSON.search(_QUOTED.sub("", sentence))
        ]
        checked += len(addressed)
        assert [sentence for sentence in addressed if sentence in prompt] == [], scenario.slug
    assert checked >= 15  # the briefings do speak to the learner


def test_a_reverse_role_partner_is_told_the_learner_plays_the_boss(every_scenario: list[Scenario]):
    scenario = next(s for s in every_scenario if s.slug == "scenario31")
    prompt = system_prompt(scenario.as_persona(language="ja"))

    assert "役割: 部下（入社3年目）" in prompt
    assert "学習者: 課長" in prompt
    assert "学習者が課長の立場を演じ" in prompt
    assert "名前: 田中" in prompt
    assert "ストレスを抱えている" in prompt
    assert "あなたは入社3年目の部下・田中です。" in prompt  # upstream's system_prompt, for the partner
    assert "今日は木曜日の午後4時です" not in prompt


def test_the_gray_zone_partner_gets_the_situation_in_the_third_person(every_scenario: list[Scenario]):
    scenario = next(s for s in every_scenario if s.slug == "gray_zone_03")
    prompt = system_prompt(scenario.as_persona(language="ja"))

    assert "状況: 学習者は40代の男性先輩として" in prompt
    assert "あなたは40代の男性先輩として" not in prompt
