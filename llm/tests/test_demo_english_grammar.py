"""English is grammatical too: every English sentence the offline partner and judge can produce
passes the English check (``llm.demo.english.english_problems``: TextBlob's tagger and lexicon),
as every Japanese one passes the analyser's parse."""

import json
from typing import Any

import pytest

from bench import partner_eval
from conversations.feedback import report_schema, rubric_report_schema
from conversations.judging import Hint, feedback_task, hint_task
from llm import demo
from llm.demo import judge, verdict
from llm.demo.analysis import read_line
from llm.demo.english import english_problems, tagged
from llm.demo.lines import LINES
from llm.prompts import judge_messages

# Lines with every date form the partner can repeat back ("Noted: {date}.").
DATED = [
    "I'll send it by Friday.",
    "I can have it done by tomorrow morning.",
    "I will finish it by the end of the week.",
    "I'll call you at 3 pm.",
    "We'll be ready next week.",
    "I'll have it by this Friday afternoon.",
    "I will reply tonight.",
    "I'll send it at 10:30 am tomorrow.",
    "I can do it today.",
    "I will have the draft by end of this month.",
]
# A second script for the English plays: dates, a request, a harassing line, a short and an odd line.
SCRIPT_EN_MORE = [
    "Hi, have you got a minute?",
    "I'm sorry, I made a mistake in the estimate.",
    "I'll send the corrected version by Friday afternoon.",
    "Could you check the figures before the meeting?",
    "You look fat in that suit.",
    "OK",
    "🙂",
    "Thanks. I'll keep you posted by the end of the week.",
]


@pytest.mark.parametrize(
    ("sentence", "problem"),
    [
        ("He go to the office every day.", "agreement"),
        ("She have a problem.", "agreement"),
        ("I needs it by Friday.", "agreement"),
        ("They is late.", "agreement"),
        ("We can goes now.", "modal"),
        ("I want to went home.", "to"),
        ("I'll hold you to by Friday.", "to"),
        ("It is a apology.", "vowel"),
        ("It is an report.", "consonant"),
        ("The the report is late.", "doubled"),
        ("the report is late.", "capital"),
        ("The report is late", "closing"),
        ("Noted: {date}.", "slot"),
        ("I'll send it 明日.", "Japanese"),
        ("This is a blorptastic idea.", "unknown word"),
    ],
)
def test_the_english_check_finds_each_kind_of_mistake(sentence: str, problem: str) -> None:
    found = english_problems(sentence)
    assert any(problem in item for item in found), found


def test_the_english_check_passes_ordinary_english_and_reads_it_with_the_tagger() -> None:
    for sentence in ("I'll have it done by Monday morning.", "Well… it may not be a big deal.", "An hour is enough."):
        assert english_problems(sentence) == [], sentence
    assert tagged("She needs it.") == [("She", "PRP"), ("needs", "VBZ"), ("it", "PRP"), (".", ".")]


def test_every_english_date_the_partner_can_repeat_reads_as_english() -> None:
    dates = [date for line in DATED for date in read_line(line).dates]
    assert len(dates) >= len(DATED) - 1  # every line above gives a date (the last one may not)
    for key, pool in LINES.items():
        for sentence in pool.get("en", ()):
            for date in dates if "{date}" in sentence else [""]:
                filled = sentence.replace("{date}", date)
                assert english_problems(filled) == [], (key, filled)


def test_every_english_line_of_the_partner_in_every_built_in_scenario_over_8_turns_reads_as_english() -> None:
    result = partner_eval.Result()
    for scenario in partner_eval.load_scenarios():
        persona = partner_eval.persona_of(scenario, "en")
        for script in (partner_eval.SCRIPT_EN, SCRIPT_EN_MORE, DATED[:8]):
            pairs = partner_eval.play(persona, script, str(scenario.get("opening_line_en") or ""))
            for _, reply in pairs:
                assert english_problems(reply) == [], (scenario["slug"], reply)
                result.count("en", "lines")
    assert result.lines == len(partner_eval.load_scenarios()) * 3 * partner_eval.TURNS


def test_the_partner_eval_reports_english_grammar_for_each_language() -> None:
    figures = partner_eval.evaluate().summary()
    assert set(figures["by_language"]) == {"ja", "en"}
    assert figures["by_language"]["en"]["partner_lines"] >= 250
    assert figures["by_language"]["en"]["ungrammatical"] == 0


def _judges_own_words(answer: dict[str, Any], learner: list[str]) -> list[str]:
    """The sentences the judge wrote (not the learner's quotes, not the scenario's criterion names),
    with any learner line they quote replaced by "it"."""
    texts = [answer["summary"]]
    for key in ("went_well", "to_improve"):
        texts += [point["comment"] for point in answer[key]]
    for phrasing in answer["better_phrasings"]:
        texts += [phrasing["suggestion"], phrasing["reason"]]
    for key, field in (("point_scores", "comment"), ("criterion_scores", "comment"), ("top_strengths", "reason")):
        texts += [item[field] for item in answer.get(key) or []]
    texts += [concern["reason"] for concern in answer.get("concerns") or []]
    for line in sorted(learner, key=len, reverse=True):
        texts = [text.replace(line, "it") for text in texts]
    return texts


def test_every_english_sentence_of_the_judge_reads_as_english_for_every_built_in_scenario() -> None:
    checked = 0
    for scenario in partner_eval.load_scenarios():
        persona = partner_eval.persona_of(scenario, "en")
        for script in (partner_eval.SCRIPT_EN, SCRIPT_EN_MORE):
            pairs = partner_eval.play(persona, script, str(scenario.get("opening_line_en") or ""))
            transcript = [
                turn
                for line, reply in pairs
                for turn in ({"role": "user", "content": line}, {"role": "assistant", "content": reply})
            ]
            learner = [line for line, _ in pairs]
            rubric = [{k: c[f"{k}_en"] for k in ("name", "good", "poor")} for c in scenario.get("rubric") or []]
            task = feedback_task(language="en", points=list(scenario.get("feedback_points_en") or []), rubric=rubric)
            context = f"The partner plays: {scenario.get('ai_role_en', '')}"
            messages = judge_messages(task, transcript, context=context, language="en")
            schema = rubric_report_schema([c["name"] for c in rubric], learner) if rubric else report_schema(learner)
            response = {"type": "json_schema", "json_schema": {"name": "F", "schema": schema.model_json_schema()}}
            answer = json.loads(demo.json_answer(messages, response))
            schema.model_validate(answer)
            hint_format = {"type": "json_schema", "json_schema": {"name": "H", "schema": Hint.model_json_schema()}}
            hint_messages = judge_messages(hint_task(language="en"), transcript, language="en")
            hint = json.loads(demo.json_answer(hint_messages, hint_format))
            for text in [*_judges_own_words(answer, learner), hint["hint"], hint["example"]]:
                assert english_problems(text) == [], (scenario["slug"], text)
                checked += 1
    assert checked > 500


def test_every_fixed_english_sentence_of_the_judge_reads_as_english() -> None:
    pools = [judge._PHRASES["en"], judge._AXIS_PRAISE["en"], verdict._MERIT_WORDS["en"], verdict._FLAW_WORDS["en"]]
    pools += [verdict._MODELS["en"], verdict._REASONS["en"], verdict._CONCERN_REASONS["en"]]
    sentences = [text for pool in pools for key, text in pool.items() if key != "label"]
    sentences += [text for pair in verdict._ADDITIONS["en"].values() for text in pair]
    sentences += [judge._STRENGTH_REASONS["en"].format(axis=axis) for axis in judge._AXIS_WORDS["en"].values()]
    sentences += [verdict._criterion_comment("en", passed, quote) for passed in (True, False) for quote in ("", "it")]
    for sentence in sentences:
        assert english_problems(sentence) == [], sentence
