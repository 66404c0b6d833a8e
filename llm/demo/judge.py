"""The offline demo judge: schema-valid JSON (feedback, scores, commentary) filled from the
transcript by rules, with scores derived from measurable features of the learner's lines."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, ngettext

from llm.demo.reading import (
    _EMPATHY,
    _LISTENING,
    _MAX_DEPTH,
    _NEGATIVE,
    _POLITE,
    _POSITIVE,
    AXES,
    Transcript,
    _fragment,
    _has,
    read_transcript,
)
from llm.demo.rubric import with_criterion_scores


# --- heuristic assessment -----------------------------------------------------------------------
@dataclass
class Assessment:
    transcript: Transcript
    scores: dict[str, int]

    @property
    def overall(self) -> int:
        return round(sum(self.scores.values()) / len(self.scores))


def _clamp(value: float, low: int = 5, high: int = 98) -> int:
    return int(max(low, min(high, round(value))))


def assess(transcript: Transcript) -> Assessment:
    """Scores 0-100 for the six axes from the learner's lines (politeness, questions, length, ...)."""
    lines = transcript.learner
    if not lines:
        return Assessment(transcript, dict.fromkeys(AXES, 0))
    n = len(lines)
    polite = sum(1 for line in lines if _has(line, _POLITE)) / n
    questions = sum(1 for line in lines if "?" in line or "？" in line) / n
    negative = min(sum(_has(line, _NEGATIVE) for line in lines), 2)
    average = sum(len(line) for line in lines) / n
    variety = len({line[:3] for line in lines}) / n
    scores = {
        "empathy": 45 + 15 * min(sum(_has(line, _EMPATHY) for line in lines), 3) + 10 * polite,
        "clarity": 50 + (20 if 8 <= average <= 160 else -10) + 10 * _ends_sentences(lines),
        "active_listening": 40
        + 15 * min(sum(_has(line, _LISTENING) for line in lines), 2)
        + 20 * questions
        + 10 * polite,
        "adaptability": 50 + 20 * variety + 10 * min(n, 5) / 5,
        "positivity": 50 + 12 * min(sum(_has(line, _POSITIVE) for line in lines), 3) - 15 * negative,
        "professionalism": 45 + 35 * polite - 15 * negative,
    }
    return Assessment(transcript, {name: _clamp(value) for name, value in scores.items()})


def _ends_sentences(lines: list[str]) -> float:
    return sum(1 for line in lines if line.rstrip().endswith(("。", ".", "！", "!", "？", "?"))) / len(lines)


# --- generic schema filling ---------------------------------------------------------------------
@dataclass
class _Fill:
    root: dict[str, Any]
    assessment: Assessment
    lines_used: dict[str, int] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.assessment.transcript.lang


def fill_schema(schema: object, messages: object) -> Any:
    """A value of the JSON schema's shape, its text and scores drawn from the transcript."""
    root = schema if isinstance(schema, dict) else {}
    context = _Fill(root, assess(read_transcript(messages)))
    return _value(context, root, path=(), index=0, line="", depth=0)


def _resolve(context: _Fill, schema: Any, depth: int) -> dict[str, Any]:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and depth < _MAX_DEPTH:
        target: Any = context.root
        for part in schema["$ref"].lstrip("#").split("/"):
            target = target.get(part, {}) if part and isinstance(target, dict) else target
        schema, depth = ({**schema, **target, "$ref": None} if isinstance(target, dict) else {}), depth + 1
    if not isinstance(schema, dict):
        return {}
    for key in ("anyOf", "oneOf"):
        options = [o for o in schema.get(key) or [] if isinstance(o, dict) and o.get("type") != "null"]
        if options:
            return _resolve(context, {**{k: v for k, v in schema.items() if k != key}, **options[0]}, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            merged.update(_resolve(context, part, depth + 1))
        return merged
    return schema


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    return "array" if "items" in schema else "string"


def _value(context: _Fill, schema: Any, *, path: tuple[str, ...], index: int, line: str, depth: int) -> Any:
    resolved = _resolve(context, schema, depth)
    if "const" in resolved:
        return resolved["const"]
    if isinstance(resolved.get("enum"), list) and resolved["enum"]:
        options = resolved["enum"]
        return options[round(context.assessment.overall / 100 * (len(options) - 1))]
    kind = _type_of(resolved)
    if depth >= _MAX_DEPTH:
        return {"object": {}, "array": [], "string": "", "integer": 0, "number": 0, "boolean": False}.get(kind)
    if kind == "object":
        return _object(context, resolved, path, index, line, depth)
    if kind == "array":
        return _array(context, resolved, path, depth)
    if kind in ("integer", "number"):
        return _number(context, resolved, path, kind)
    if kind == "boolean":
        return context.assessment.overall >= 50
    if kind == "null":
        return None
    return _string(context, resolved, path, index, line)


def _object(
    context: _Fill, schema: dict[str, Any], path: tuple[str, ...], index: int, line: str, depth: int
) -> dict[str, Any]:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    item_line = line or _pick_line(context, path, index)
    required = _as_list(schema.get("required"))
    return {
        str(name): None
        if name not in required and _nullable(sub)
        else _value(context, sub, path=(*path, str(name)), index=index, line=item_line, depth=depth + 1)
        for name, sub in properties.items()
    }


def _nullable(schema: object) -> bool:
    """An optional field that may be null is left null (this also ends recursive schemas)."""
    if not isinstance(schema, dict):
        return False
    kinds = schema.get("type")
    if kinds == "null" or (isinstance(kinds, list) and "null" in kinds):
        return True
    options = [*(schema.get("anyOf") or []), *(schema.get("oneOf") or [])]
    return any(isinstance(option, dict) and option.get("type") == "null" for option in options)


def _array(context: _Fill, schema: dict[str, Any], path: tuple[str, ...], depth: int) -> list[Any]:
    count = _wanted_items(context, schema, path)
    prefix = _as_list(schema.get("prefixItems"))
    items = _as_dict(schema.get("items"))
    values = []
    for position in range(max(count, len(prefix))):
        sub = prefix[position] if position < len(prefix) else items
        values.append(_value(context, sub, path=path, index=position, line="", depth=depth + 1))
    return values


def _wanted_items(context: _Fill, schema: dict[str, Any], path: tuple[str, ...]) -> int:
    transcript = context.assessment.transcript
    name = (path[-1] if path else "").lower()
    if "point" in name and transcript.points:
        wanted = len(transcript.points)
    elif _polarity(path) or _quote_like(name):
        wanted = min(len(transcript.learner), 2)
    else:
        wanted = 2
    low = _int(schema.get("minItems"), 0)
    high = _int(schema.get("maxItems"), max(wanted, low))
    return max(low, min(wanted, high))


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: object, default: int) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _number(context: _Fill, schema: dict[str, Any], path: tuple[str, ...], kind: str) -> int | float:
    name = path[-1].lower() if path else ""
    share = context.assessment.scores.get(name, context.assessment.overall) / 100
    low, high = _bounds(schema, kind, share)
    value = low + (high - low) * share
    return round(value) if kind == "integer" else round(value, 2)


def _bounds(schema: dict[str, Any], kind: str, share: float) -> tuple[float, float]:
    step = 1.0 if kind == "integer" else 0.01
    low = _bound(schema, "minimum", "exclusiveMinimum", step)
    high = _bound(schema, "maximum", "exclusiveMaximum", -step)
    if low is None and high is None:
        return 0.0, 100.0
    if low is None:
        low = min(0.0, (high or 0.0) - 100)
    if high is None:
        high = max(low + 100, 100.0)
    return (low, high) if high >= low else (low, low)


def _bound(schema: dict[str, Any], inclusive: str, exclusive: str, step: float) -> float | None:
    if _numeric(schema.get(inclusive)):
        return float(schema[inclusive])
    if _numeric(schema.get(exclusive)):
        return float(schema[exclusive]) + step
    return None


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- strings --------------------------------------------------------------------------------------
_NEGATIVE_PATH = ("improve", "weak", "bad", "issue", "problem", "negative", "better", "concern", "mistake")
_POSITIVE_PATH = ("well", "good", "strength", "positive", "praise", "success")


def _polarity(path: tuple[str, ...]) -> str:
    joined = "/".join(path).lower()
    if any(word in joined for word in _NEGATIVE_PATH):
        return "negative"
    return "positive" if any(word in joined for word in _POSITIVE_PATH) else ""


def _quote_like(name: str) -> bool:
    return "quote" in name or name in ("original", "line", "utterance", "learner_line", "excerpt")


def _pick_line(context: _Fill, path: tuple[str, ...], index: int) -> str:
    lines = context.assessment.transcript.learner
    if not lines:
        return ""
    ranked = sorted(lines, key=lambda line: (_has(line, _POLITE) + _has(line, _EMPATHY), len(line)))
    if _polarity(path) != "negative":
        ranked.reverse()
    return ranked[index % len(ranked)]


def _string(context: _Fill, schema: dict[str, Any], path: tuple[str, ...], index: int, line: str) -> str:
    fmt = schema.get("format")
    if fmt in _FORMATS:
        return _FORMATS[str(fmt)]()
    name = path[-1].lower() if path else ""
    text = _text_for(context, name, path, index, line)
    low = _int(schema.get("minLength"), 0)
    high = _int(schema.get("maxLength"), max(len(text), low))
    if len(text) < low:
        text = (text + " " + _summary(context)) * (low // max(len(text), 1) + 1)
    return text[:high]


_FORMATS = {
    "date-time": lambda: datetime.now(UTC).isoformat(),
    "date": lambda: datetime.now(UTC).date().isoformat(),
    "email": lambda: "demo@example.com",
    "uri": lambda: "https://example.com/",
    "url": lambda: "https://example.com/",
    "uuid": lambda: str(uuid.uuid4()),
}


def _text_for(context: _Fill, name: str, path: tuple[str, ...], index: int, line: str) -> str:
    chosen = line or _pick_line(context, path, index)
    if _quote_like(name):
        return chosen or _phrase(context, "nothing")
    rules = (
        (("suggest", "rephras", "improved", "alternative", "better", "rewrite"), lambda: _rephrase(context, chosen)),
        (("reason", "why"), lambda: _phrase(context, "reason")),
        (("summary", "overview", "overall"), lambda: _summary(context)),
        (("hint", "advice", "tip", "next", "recommend"), lambda: _phrase(context, "hint")),
        (("example", "sample", "phrase"), lambda: _rephrase(context, chosen)),
        (("point", "criteri", "aspect"), lambda: _point(context, index)),
        (("language", "lang"), lambda: context.lang),
        (("speaker",), lambda: "learner"),
        (
            ("comment", "feedback", "note", "explanation", "detail", "strength", "weakness"),
            lambda: _phrase(context, _polarity(path) or "neutral"),
        ),
    )
    for words, make in rules:
        if any(word in name for word in words):
            return str(make())
    return _summary(context) if not name else _phrase(context, _polarity(path) or "neutral")


_PHRASES = {
    "ja": {
        "positive": "相手への気配りが伝わる言い方で、会話が前向きに進んでいます。",
        "negative": "言い方をもう少し柔らかくし、相手の立場にも触れると伝わりやすくなります。",
        "neutral": "要点が伝わっています。相手の反応を確かめながら進めるとさらに良くなります。",
        "reason": "クッション言葉と依頼の形を使うと、相手が受け止めやすくなるためです。",
        "hint": "相手の話を一度受け止めてから、自分の考えを一つだけ具体的に伝えてみましょう。",
        "nothing": "（学習者の発言はまだありません）",
        "prefix": "恐れ入りますが、",
        "suffix": "でしょうか。",
    },
    "en": {
        "positive": "Considerate wording that keeps the conversation moving in a good direction.",
        "negative": "Softening the wording and acknowledging the other person's view would land better.",
        "neutral": "The main point comes across; checking the other person's reaction would help further.",
        "reason": "Cushioning words and a request form make it easier for the other person to accept.",
        "hint": "Acknowledge what the other person said first, then share one concrete thought of your own.",
        "nothing": "(The learner has not said anything yet.)",
        "prefix": "Sorry to bother you, but ",
        "suffix": "",
    },
}


def _phrase(context: _Fill, key: str) -> str:
    return _PHRASES[context.lang].get(key, _PHRASES[context.lang]["neutral"])


def _summary(context: _Fill) -> str:
    """The counts in the judge's language, each noun agreeing with its number."""
    lines = context.assessment.transcript.learner
    n, q = len(lines), sum(1 for line in lines if "?" in line or "？" in line)
    p = sum(1 for line in lines if _has(line, _POLITE))
    with translation.override(context.lang):
        return gettext("Reviewed %(lines)s: %(questions)s and %(polite)s. Overall score: %(overall)s.") % {
            "lines": ngettext("%(n)s learner line", "%(n)s learner lines", n) % {"n": n},
            "questions": ngettext("%(n)s question", "%(n)s questions", q) % {"n": q},
            "polite": ngettext("%(n)s polite expression", "%(n)s polite expressions", p) % {"n": p},
            "overall": context.assessment.overall,
        }


def _rephrase(context: _Fill, line: str) -> str:
    core = _fragment(line, limit=80) if line else _phrase(context, "hint")
    words = _PHRASES[context.lang]
    if context.lang == "en":
        return words["prefix"] + (core[:1].lower() + core[1:]) + "?"
    return words["prefix"] + core + words["suffix"]


def _point(context: _Fill, index: int) -> str:
    points = context.assessment.transcript.points
    return points[index % len(points)] if points else AXES[index % len(AXES)]


def json_answer(messages: object, response_format: object) -> str:
    """The JSON text answering a structured request (``response_format`` as OpenAI sends it)."""
    schema = _as_dict(_as_dict(_as_dict(response_format).get("json_schema")).get("schema"))
    if not schema:
        assessment = assess(read_transcript(messages))
        return json.dumps({"summary": _summary(_Fill({}, assessment)), "scores": assessment.scores}, ensure_ascii=False)
    return json.dumps(with_criterion_scores(fill_schema(schema, messages), messages), ensure_ascii=False)
