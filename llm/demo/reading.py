"""What the offline demo partner reads of a conversation: the persona, the learner's lines, the
transcript a judge is given, and the word lists its replies and scores draw on."""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field

from llm.prompts import OPENING_CUE, PERSONA_LABELS

AXES: tuple[str, ...] = ("empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism")
_LABEL_FIELDS = {label: (lang, name) for lang, labels in PERSONA_LABELS.items() for name, label in labels.items()}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_TOKEN = re.compile(r"[A-Za-z0-9'’\-]+[ \t]*|[^A-Za-z0-9'’\-]{1,3}", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[。！？!?\.])\s*")
_MAX_DEPTH = 12

_POLITE = (
    "です",
    "ます",
    "お願い",
    "ありがとう",
    "申し訳",
    "すみません",
    "恐れ入",
    "いただ",
    "ください",
    "please",
    "thank",
    "sorry",
    "could you",
    "would you",
    "appreciate",
)
_EMPATHY = (
    "大変",
    "お疲れ",
    "気持ち",
    "わかります",
    "分かります",
    "心配",
    "大丈夫",
    "無理しない",
    "助かり",
    "understand",
    "sorry to hear",
    "must be",
    "feel",
    "hope you",
)
_POSITIVE = (
    "いい",
    "良い",
    "嬉しい",
    "楽しみ",
    "ありがとう",
    "素晴らし",
    "助かり",
    "great",
    "good",
    "glad",
    "thanks",
    "nice",
    "happy",
    "love",
)
_NEGATIVE = (
    "無理",
    "ダメ",
    "だめ",
    "嫌",
    "できない",
    "知らない",
    "面倒",
    "うるさい",
    "can't",
    "won't",
    "no way",
    "stupid",
    "whatever",
    "don't care",
)
_LISTENING = (
    "なるほど",
    "そうなんですね",
    "確かに",
    "つまり",
    "ということは",
    "おっしゃる",
    "i see",
    "that makes sense",
    "so you mean",
    "you said",
    "if i understand",
)
_CASUAL_STYLE = (
    "フランク",
    "カジュアル",
    "タメ口",
    "砕け",
    "くだけ",
    "気さく",
    "casual",
    "friendly",
    "relaxed",
    "informal",
)
_SENIOR_ROLE = (
    "上司",
    "課長",
    "部長",
    "先輩",
    "社長",
    "役員",
    "リーダー",
    "manager",
    "boss",
    "senior",
    "lead",
    "director",
)
_CUSTOMER_ROLE = ("顧客", "お客", "取引先", "クライアント", "customer", "client")


# --- reading the conversation -----------------------------------------------------------------
@dataclass
class DemoPersona:
    lang: str = "ja"
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


def _text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _by_role(messages: object, role: str) -> list[str]:
    if not isinstance(messages, list):
        return []
    return [_text(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == role]


def _system(messages: object) -> str:
    return "\n".join(_by_role(messages, "system"))


def language_of(text: str) -> str:
    return "ja" if _JAPANESE.search(text) else "en"


def read_persona(system: str) -> DemoPersona:
    """The persona fields from the labelled lines ("役割: 先輩", "Speaking style: brisk")."""
    persona = DemoPersona(lang=language_of(system))
    for line in system.splitlines():
        label, sep, value = line.replace("：", ":").partition(":")
        found = _LABEL_FIELDS.get(label.strip()) if sep else None
        if found and value.strip() and found[1] not in persona.fields:
            persona.lang = found[0]
            persona.fields[found[1]] = value.strip()
    return persona


def _learner_lines(messages: object) -> list[str]:
    cues = set(OPENING_CUE.values())
    return [line.strip() for line in _by_role(messages, "user") if line.strip() and line.strip() not in cues]


@dataclass
class Transcript:
    learner: list[str]
    partner: list[str]
    lang: str
    points: list[str]


def _transcript_lines(text: str) -> list[tuple[str, str]]:
    lines = []
    for raw in text.splitlines():
        raw = raw.strip()
        if not raw.startswith("{"):
            continue
        try:
            item = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        if item.get("speaker") in ("learner", "partner"):
            lines.append((str(item["speaker"]), item["text"].strip()))
    return lines


def read_transcript(messages: object) -> Transcript:
    """The learner's and the partner's lines: from the judge's transcript data when present,
    otherwise from the user and assistant messages themselves."""
    system = _system(messages)
    rows = [row for text in _by_role(messages, "user") for row in _transcript_lines(text)]
    if rows:
        learner = [text for speaker, text in rows if speaker == "learner" and text]
        partner = [text for speaker, text in rows if speaker == "partner" and text]
    else:
        learner = _learner_lines(messages)
        partner = [line for line in _by_role(messages, "assistant") if line.strip()]
    task = system.split("\n\n[")[0]
    points = [line[2:].strip() for line in task.splitlines() if line.startswith("- ") and line[2:].strip()]
    return Transcript(learner, partner, _answer_language(system, learner), points)


def _answer_language(system: str, learner: list[str]) -> str:
    """The language the rules ask for ("[Rules]" or "[ルール]"); otherwise the one the text is in.

    Quoted setup text (a Japanese title in an English request) never changes the answer's language.
    """
    if "[Rules]" in system:
        return "en"
    if "[ルール]" in system:
        return "ja"
    return language_of(system + "".join(learner))


def _stable(text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "replace"))


def _has(text: str, markers: tuple[str, ...]) -> int:
    lowered = text.lower()
    return sum(1 for marker in markers if marker in lowered)

def _fragment(line: str, limit: int = 24) -> str:
    first = _SENTENCE_END.split(line.strip(), maxsplit=1)[0].strip().rstrip("。！？!?.、, ")
    first = " ".join(first.split())
    return first if len(first) <= limit else first[:limit] + "…"
