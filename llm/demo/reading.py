"""What the offline demo partner reads of a conversation: the persona, the learner's lines and the
transcript a judge is given (what each line says is read by ``llm.demo.analysis``)."""

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
_MAX_DEPTH = 12


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
    rows: list[tuple[str, str]] = field(default_factory=list)  # (speaker, text) in order
    partner_role: str = ""  # from the judge's context ("相手の役: 課長")

    def before(self, index: int) -> str:
        """The partner's line just before the learner's ``index``-th line ("" when there is none)."""
        seen, previous = -1, ""
        for speaker, text in self.rows:
            if speaker == "partner":
                previous = text
            elif speaker == "learner" and text:
                seen += 1
                if seen == index:
                    return previous
        return ""


def _transcript_lines(text: str) -> list[tuple[str, str]]:
    """The judge's transcript records, one JSON object a line (``llm.prompts.render_transcript``).

    Split at newlines only: a learner's text may hold other line separators (U+0085, U+2028, ...),
    which JSON leaves as they are and ``str.splitlines`` would split a record at."""
    lines = []
    for raw in text.split("\n"):
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
        rows = _message_rows(messages)
    task = system.split("\n\n[")[0]
    points = [line[2:].strip() for line in task.splitlines() if line.startswith("- ") and line[2:].strip()]
    transcript = Transcript(learner, partner, _answer_language(system, learner), points, rows)
    transcript.partner_role = _partner_role(system)
    return transcript


_ROLE_LABELS = ("相手の役:", "The partner plays:", "役割:", "Role:")


def _partner_role(system: str) -> str:
    for line in system.splitlines():
        line = line.replace("：", ":").strip()
        for label in _ROLE_LABELS:
            if line.startswith(label):
                return line[len(label) :].strip()
    return ""


def _message_rows(messages: object) -> list[tuple[str, str]]:
    if not isinstance(messages, list):
        return []
    cues = set(OPENING_CUE.values())
    rows = []
    for message in messages:
        if isinstance(message, dict) and message.get("role") in ("user", "assistant"):
            text = _text(message.get("content")).strip()
            if text and text not in cues:
                rows.append(("learner" if message["role"] == "user" else "partner", text))
    return rows


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
