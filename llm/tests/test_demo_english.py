"""The offline demo partner speaking English: it never quotes Japanese setup text to an English learner."""

import json
import re

from llm import demo
from llm.prompts import Persona, judge_messages, opening_messages

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")


def test_an_english_opening_quotes_the_english_situation() -> None:
    persona = Persona(role="Manager", situation="Making coffee in the office break area.", language="en")

    opening = demo.reply_text(opening_messages(persona))

    assert "(making coffee in the office break area)" in opening


def test_an_english_opening_leaves_out_setup_text_that_is_japanese() -> None:
    persona = Persona(role="Manager", name="田中", situation="水曜の午後、課長の席。", language="en")

    opening = demo.reply_text(opening_messages(persona))

    assert opening and JAPANESE.findall(opening) == []


def test_a_japanese_opening_still_quotes_the_situation() -> None:
    persona = Persona(role="上司", situation="水曜の午後、課長の席。", language="ja")

    assert "水曜の午後、課長の席。" in demo.reply_text(opening_messages(persona))


def test_the_english_judge_answers_in_english_whatever_text_it_quotes() -> None:
    transcript = [{"role": "assistant", "content": "Hi!"}, {"role": "user", "content": "Hello, how are you?"}]
    messages = judge_messages("Assess the learner.", transcript, context="Practice: 同僚・休憩中", language="en")

    answer = json.loads(demo.json_answer(messages, None))

    assert answer["summary"] and JAPANESE.findall(answer["summary"]) == []
