"""The offline demo judge: schema-valid JSON (feedback, scores, commentary) filled from the
transcript, its scores, quotes and suggestions taken from :mod:`llm.demo.verdict` (measurable
features of the learner's lines). It names itself as the offline judge in every summary.

Every quote is one of the learner's lines, cut to the field's length so that it still counts as
theirs (``llm.quotes.quotable``), and every axis gets one: the answer passes the strict check the
product applies to any judge (``conversations.feedback.report_schema``), whatever the learner said.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, ngettext

from llm.demo.reading import _MAX_DEPTH, AXES, Transcript, read_transcript
from llm.demo.rubric import with_criterion_scores
from llm.demo.verdict import CriterionMatch, Verdict, judge, match_criterion, missing_example
from llm.quotes import quotable


# --- assessment ------------------------------------------------------------------------------------
@dataclass
class Assessment:
    transcript: Transcript
    verdict: Verdict

    @property
    def scores(self) -> dict[str, int]:
        return self.verdict.scores

    @property
    def overall(self) -> int:
        return self.verdict.overall


def assess(transcript: Transcript) -> Assessment:
    """Scores 0-100 for the six axes, what went well, what to improve (see ``llm.demo.verdict``)."""
    return Assessment(transcript, judge(transcript))


def criterion_results(criteria: list[str], assessment: Assessment) -> list[CriterionMatch]:
    """The verdict on each criterion the prompt asks about (a scenario's feedback points or rubric
    criteria), each with the learner line that shows it. Rubric matching plugs in here."""
    return [match_criterion(criterion, assessment.verdict) for criterion in criteria]


# --- generic schema filling ---------------------------------------------------------------------
@dataclass
class _Fill:
    root: dict[str, Any]
    assessment: Assessment
    criteria: list[CriterionMatch] = field(default_factory=list)
    criteria_index: int = 0

    @property
    def lang(self) -> str:
        return self.assessment.transcript.lang

    @property
    def verdict(self) -> Verdict:
        return self.assessment.verdict

    def for_second(self) -> _Fill:
        """The same filling about the other speaker (a watched conversation's "partner" side)."""
        mine = self.assessment.transcript
        swap = {"learner": "partner", "partner": "learner"}
        other = Transcript(mine.partner, mine.learner, mine.lang, [], [(swap[who], text) for who, text in mine.rows])
        return _Fill(self.root, assess(other))


def fill_schema(schema: object, messages: object) -> Any:
    """A value of the JSON schema's shape, its text and scores drawn from the transcript."""
    root = schema if isinstance(schema, dict) else {}
    assessment = assess(read_transcript(messages))
    context = _Fill(root, assessment, criterion_results(assessment.transcript.points, assessment))
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
        if path and path[-1] == "axis" and all(option in AXES for option in options):
            return _axis_for(context, path, index)
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
        criterion = _criterion_at(context, path)
        return criterion.passed if criterion else context.assessment.overall >= 50
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
    speakers = not path and "first" in properties and "second" in properties  # a watched conversation
    return {
        str(name): None
        if name not in required and _nullable(sub)
        else _value(
            context.for_second() if speakers and name == "second" else context,
            sub,
            path=(*path, str(name)),
            index=index,
            line=item_line,
            depth=depth + 1,
        )
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
        if path and path[-1].lower() in _CRITERIA_PATH:
            context.criteria_index = position
        values.append(_value(context, sub, path=path, index=position, line="", depth=depth + 1))
    return values


def _wanted_items(context: _Fill, schema: dict[str, Any], path: tuple[str, ...]) -> int:
    transcript, verdict = context.assessment.transcript, context.verdict
    name = (path[-1] if path else "").lower()
    known = {
        "went_well": len(verdict.went_well),
        "to_improve": len(verdict.to_improve),
        "better_phrasings": len(verdict.phrasings),
        "top_strengths": min(len(_strong_axes(context)), 2),
        "concerns": len(verdict.concerns),
    }
    if name in known:
        wanted = known[name]
    elif len(path) >= 2 and path[-2] == "evidence" and name in AXES:
        wanted = len(verdict.evidence.get(name, []))
    elif ("point" in name or "criteri" in name) and transcript.points:
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
    criterion = _criterion_at(context, path)
    share = (
        criterion.score
        if criterion and name == "score"
        else context.assessment.scores.get(name, context.assessment.overall)
    ) / 100
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
_CRITERIA_PATH = ("point_scores", "criterion_scores", "criteria", "criterion_results")


def _polarity(path: tuple[str, ...]) -> str:
    joined = "/".join(path).lower()
    if any(word in joined for word in _NEGATIVE_PATH):
        return "negative"
    return "positive" if any(word in joined for word in _POSITIVE_PATH) else ""


def _quote_like(name: str) -> bool:
    return "quote" in name or name in ("original", "line", "utterance", "learner_line", "excerpt", "evidence")


def _criterion_at(context: _Fill, path: tuple[str, ...]) -> CriterionMatch | None:
    """The criterion being filled (``point_scores[i]``), found by the array's name in ``path``."""
    for position, part in enumerate(path):
        if part.lower() in _CRITERIA_PATH and context.criteria:
            return (
                context.criteria[context.criteria_index % len(context.criteria)] if position == len(path) - 2 else None
            )
    return None


def _strong_axes(context: _Fill) -> list[str]:
    scores = context.assessment.scores
    return [
        axis
        for axis in sorted(AXES, key=lambda a: -scores.get(a, 0))
        if scores.get(axis, 0) >= 60 and context.verdict.evidence.get(axis)
    ]


def _axis_for(context: _Fill, path: tuple[str, ...], index: int) -> str:
    strong = _strong_axes(context) or sorted(AXES, key=lambda a: -context.assessment.scores.get(a, 0))
    return strong[index % len(strong)]


def _pick_line(context: _Fill, path: tuple[str, ...], index: int) -> str:
    """The learner line an item is about: its own list's line where the verdict has one."""
    verdict, lines = context.verdict, context.assessment.transcript.learner
    if not lines:
        return ""
    owner = _owner(path)
    if owner == "went_well" and verdict.went_well:
        return verdict.went_well[index % len(verdict.went_well)][0]
    if owner == "to_improve" and verdict.to_improve:
        return verdict.to_improve[index % len(verdict.to_improve)][0]
    if owner == "better_phrasings" and verdict.phrasings:
        return verdict.phrasings[index % len(verdict.phrasings)].original
    if owner == "evidence" and len(path) >= 2:
        quotes = verdict.evidence.get(path[-1] if path[-1] in AXES else path[-2], [])
        if quotes:
            return quotes[index % len(quotes)]
    if owner == "concerns" and verdict.concerns:
        return verdict.concerns[index % len(verdict.concerns)][0]
    if owner in ("top_strengths", "did_well"):
        axis = _axis_for(context, path, index)
        return (verdict.evidence.get(axis) or lines)[0]
    if owner in _CRITERIA_PATH:
        criterion = _criterion_at(context, (*path, ""))
        if criterion and criterion.quote:
            return criterion.quote
    ranked = sorted(verdict.lines, key=lambda line: line.balance, reverse=_polarity(path) != "negative")
    return ranked[index % len(ranked)].text if ranked else lines[index % len(lines)]


def _owner(path: tuple[str, ...]) -> str:
    for part in reversed(path):
        if part in (
            "went_well",
            "to_improve",
            "better_phrasings",
            "evidence",
            "top_strengths",
            "did_well",
            "concerns",
            *_CRITERIA_PATH,
        ):
            return part
    return ""


def _string(context: _Fill, schema: dict[str, Any], path: tuple[str, ...], index: int, line: str) -> str:
    fmt = schema.get("format")
    if fmt in _FORMATS:
        return _FORMATS[str(fmt)]()
    name = path[-1].lower() if path else ""
    text = _text_for(context, name, path, index, line)
    low = _int(schema.get("minLength"), 0)
    high = _int(schema.get("maxLength"), max(len(text), low))
    if _quote_like(name) and low <= 1 and high >= 3:
        return quotable(text, high) or text[:high]  # still the learner's words when cut to fit
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


def _item_text(context: _Fill, name: str, path: tuple[str, ...], index: int) -> str | None:
    """The verdict's own words for a known item (a comment, a suggestion, a criterion)."""
    verdict, owner = context.verdict, _owner(path)
    if owner in ("went_well", "to_improve") and name == "comment":
        items = verdict.went_well if owner == "went_well" else verdict.to_improve
        return items[index % len(items)][1] if items else None
    if owner == "better_phrasings" and name in ("suggestion", "reason") and verdict.phrasings:
        phrasing = verdict.phrasings[index % len(verdict.phrasings)]
        return phrasing.suggestion if name == "suggestion" else phrasing.reason
    if owner in _CRITERIA_PATH:
        criterion = _criterion_at(context, (*path[:-1], ""))
        if criterion and name in ("point", "criterion", "name", "title"):
            return criterion.criterion
        if criterion and name in ("comment", "reason", "evidence_comment", "explanation"):
            return criterion.comment
    if owner == "concerns" and name == "reason" and verdict.concerns:
        return verdict.concerns[index % len(verdict.concerns)][1]
    if owner == "top_strengths" and name == "reason":
        return _strength_reason(context, _axis_for(context, path, index))
    if len(path) == 2 and path[0] in ("first", "second") and name == "summary":
        return _AXIS_PRAISE[context.lang][_axis_for(context, path, 0)]  # one speaker of a watched conversation
    if owner == "did_well" and name == "comment":
        return _AXIS_PRAISE[context.lang][_axis_for(context, path, index)]
    return None


def _text_for(context: _Fill, name: str, path: tuple[str, ...], index: int, line: str) -> str:
    known = _item_text(context, name, path, index)
    if known is not None:
        return known
    chosen = line or _pick_line(context, path, index)
    if _quote_like(name):
        return chosen or _phrase(context, "nothing")
    rules = (
        (
            ("suggest", "rephras", "improved", "alternative", "better", "rewrite", "example", "sample"),
            lambda: _example(context),
        ),
        (("reason", "why"), lambda: _phrase(context, "reason")),
        (("summary", "overview", "overall"), lambda: _summary(context)),
        (("hint", "advice", "tip", "next", "recommend"), lambda: _hint(context)),
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
        "negative": "次に何をいつまでにするかを添えると、話が前に進みます。",
        "neutral": "要点が伝わっています。相手の反応を確かめながら進めるとさらに良くなります。",
        "reason": "相手が受け止めやすい形で伝わるためです。",
        "hint": "相手の話を一度受け止めてから、自分の考えを一つだけ具体的に伝えてみましょう。",
        "nothing": "（学習者の発言はまだありません）",
        "label": "オフライン判定",
    },
    "en": {
        "positive": "Considerate wording that keeps the conversation moving in a good direction.",
        "negative": "Add what you will do next and by when, so the conversation moves forward.",
        "neutral": "The main point comes across; checking the other person's reaction would help further.",
        "reason": "It is easier for the other person to take in.",
        "hint": "Acknowledge what the other person said first, then share one concrete thought of your own.",
        "nothing": "(The learner has not said anything yet.)",
        "label": "Offline judge",
    },
}
_AXIS_PRAISE = {
    "ja": {
        "empathy": "相手の気持ちや立場に配慮する言葉がありました。",
        "clarity": "要点や具体的な事柄をはっきり伝えていました。",
        "active_listening": "相手の言葉を受け止め、質問で話を深めていました。",
        "adaptability": "相手の反応に合わせて、言い方や提案を変えていました。",
        "positivity": "次の一手を示し、会話を前向きに進めていました。",
        "professionalism": "立場に合った丁寧な言葉づかいでした。",
    },
    "en": {
        "empathy": "Showed consideration for the other person's feelings and position.",
        "clarity": "Stated the point and the specifics clearly.",
        "active_listening": "Took up the other person's words and asked questions that built on them.",
        "adaptability": "Adjusted wording and proposals to the other person's reactions.",
        "positivity": "Offered next steps and kept the conversation moving forward.",
        "professionalism": "Used a register suited to the relationship.",
    },
}
_STRENGTH_REASONS = {
    "ja": "この発言に{axis}がよく表れています。",
    "en": "This line shows {axis} well.",
}
_AXIS_WORDS = {
    "ja": {"empathy": "共感力", "clarity": "明確な伝達力", "active_listening": "傾聴力", "adaptability": "適応力",
           "positivity": "前向きさ", "professionalism": "プロフェッショナリズム"},
    "en": {"empathy": "empathy", "clarity": "clarity", "active_listening": "active listening",
           "adaptability": "adaptability", "positivity": "positivity", "professionalism": "professionalism"},
}  # fmt: skip


def _hint(context: _Fill) -> str:
    """What to do next: what the learner's lines most lack (the verdict's first point to improve)."""
    improve = context.verdict.to_improve
    return improve[0][1] if improve else _phrase(context, "hint")


def _example(context: _Fill) -> str:
    """One example line: the verdict's first better phrasing, or a model sentence for what is missing."""
    verdict = context.verdict
    first = verdict.to_improve[0][0] if verdict.to_improve else ""
    matching = [p for p in verdict.phrasings if p.original == first] or verdict.phrasings
    if matching:
        return matching[0].suggestion
    return missing_example(context.lang, [comment for _, comment in context.verdict.to_improve])


def _strength_reason(context: _Fill, axis: str) -> str:
    return _STRENGTH_REASONS[context.lang].format(axis=_AXIS_WORDS[context.lang][axis])


def _phrase(context: _Fill, key: str) -> str:
    return _PHRASES[context.lang].get(key, _PHRASES[context.lang]["neutral"])


def _summary(context: _Fill) -> str:
    """The offline judge's label, the counts in the judge's language (each noun agreeing with its
    number) and the overall score."""
    lines = context.assessment.transcript.learner
    readings = [line.reading for line in context.verdict.lines]
    n, q = len(lines), sum(1 for reading in readings if reading.questions)
    p = sum(1 for reading in readings if reading.register == "polite" or (not reading.japanese and reading.polite))
    with translation.override(context.lang):
        counts = gettext("Reviewed %(lines)s: %(questions)s and %(polite)s. Overall score: %(overall)s.") % {
            "lines": ngettext("%(n)s learner line", "%(n)s learner lines", n) % {"n": n},
            "questions": ngettext("%(n)s question", "%(n)s questions", q) % {"n": q},
            "polite": ngettext("%(n)s polite expression", "%(n)s polite expressions", p) % {"n": p},
            "overall": context.assessment.overall,
        }
    separator = "：" if context.lang == "ja" else ": "
    return f"{_phrase(context, 'label')}{separator}{counts}"


def _point(context: _Fill, index: int) -> str:
    points = context.assessment.transcript.points
    return points[index % len(points)] if points else AXES[index % len(AXES)]


def json_answer(messages: object, response_format: object) -> str:
    """The JSON text answering a structured request (``response_format`` as OpenAI sends it)."""
    schema = _as_dict(_as_dict(_as_dict(response_format).get("json_schema")).get("schema"))
    if not schema:
        assessment = assess(read_transcript(messages))
        return json.dumps({"summary": _summary(_Fill({}, assessment)), "scores": assessment.scores}, ensure_ascii=False)
    answer = with_criterion_scores(fill_schema(schema, messages), messages)
    return json.dumps(_quotes_fitted(answer, schema), ensure_ascii=False)


def _quotes_fitted(answer: Any, schema: dict[str, Any]) -> Any:
    """``answer`` with each rubric criterion's quoted lines cut to the length the schema allows."""
    if not (isinstance(answer, dict) and isinstance(answer.get("criterion_scores"), list)):
        return answer
    limit = _evidence_limit(schema)
    for item in answer["criterion_scores"]:
        if isinstance(item, dict) and isinstance(item.get("evidence"), list):
            item["evidence"] = [quotable(str(quote), limit) for quote in item["evidence"]]
    return answer


def _evidence_limit(schema: dict[str, Any]) -> int:
    context = _Fill(schema, assess(read_transcript([])))
    scores = _resolve(context, _as_dict(_as_dict(schema.get("properties")).get("criterion_scores")), 0)
    item = _resolve(context, _as_dict(scores.get("items")), 0)
    quote = _resolve(context, _as_dict(_as_dict(_as_dict(item.get("properties")).get("evidence")).get("items")), 0)
    return max(_int(quote.get("maxLength"), 400), 3)
