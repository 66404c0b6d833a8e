"""The offline demo judge's rubric scores: each criterion gets the learner's lines that share the
most words with it (its name, what good looks like and its example line); a criterion no line
matches scores 0.

The criteria are read from the judge's task, one line each, as ``conversations.judging`` writes
them: ``* name｜~20: …｜~50: … (e.g. "…")｜~80: … (e.g. "…")`` (``約20: …（例「…」）`` in Japanese),
anchors without an example line and criteria without a middle anchor included.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from llm.demo.reading import _system, read_transcript

MAX_EVIDENCE = 3
_LINE = re.compile(r"^\* (?P<name>[^｜]+)｜(?P<anchors>.+)$")
_ANCHOR = re.compile(
    r"^(?:約|~)(?P<score>\d{1,3})\s*[:：]\s*(?P<looks>.*?)"
    r"(?:\s*(?:（例「(?P<example_ja>.*)」）|\(e\.g\. \"(?P<example_en>.*)\"\)))?$"
)
_WORD = re.compile(r"[a-z0-9]{3,}")
_STOP = frozenset({"the", "and", "for", "with", "that", "this", "you", "your", "line", "clearly", "shows", "did"})
_KANA_ONLY = re.compile(r"^[\u3040-\u309f、。・ー]+$")


@dataclass(frozen=True)
class Anchor:
    score: int
    looks: str
    example: str = ""


@dataclass(frozen=True)
class Criterion:
    name: str
    anchors: tuple[Anchor, ...] = field(default_factory=tuple)

    @property
    def top(self) -> Anchor:
        """The highest anchor (what good looks like)."""
        return max(self.anchors, key=lambda anchor: anchor.score)


def _anchor(text: str) -> Anchor | None:
    match = _ANCHOR.match(text.strip())
    if match is None:
        return None
    example = match["example_ja"] or match["example_en"] or ""
    return Anchor(int(match["score"]), match["looks"].strip(), example.strip())


def read_rubric(messages: object) -> list[Criterion]:
    """The criteria listed in the judge's task (the system prompt)."""
    criteria = []
    for line in _system(messages).splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        anchors = tuple(anchor for part in match["anchors"].split("｜") if (anchor := _anchor(part)))
        if anchors:
            criteria.append(Criterion(match["name"].strip(), anchors))
    return criteria


def _keys(text: str) -> set[str]:
    """Words of English text and two-character pieces of Japanese text (kana-only pieces left out)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    words = {word for word in _WORD.findall(folded) if word not in _STOP}
    wide = re.sub(r"[\x00-\x7f「」『』（）()、。！？・\s]", " ", folded)
    pieces = {chunk[i : i + 2] for chunk in wide.split() for i in range(len(chunk) - 1)}
    return words | {piece for piece in pieces if not _KANA_ONLY.match(piece)}


def _overlap(criterion: Criterion, line: str) -> int:
    top = criterion.top
    return len(_keys(f"{criterion.name} {top.looks} {top.example}") & _keys(line))


def criterion_scores(messages: object) -> list[dict[str, Any]]:
    """A score, quoted evidence and a comment for every criterion of the task's rubric."""
    transcript = read_transcript(messages)
    scores = []
    for criterion in read_rubric(messages):
        ranked = sorted(((_overlap(criterion, line), line) for line in transcript.learner), reverse=True)
        evidence = [line for overlap, line in ranked if overlap > 0][:MAX_EVIDENCE]
        best = ranked[0][0] if ranked else 0
        score = min(95, 50 + 12 * best) if evidence else 0
        comment = _comment(transcript.lang, bool(evidence))
        scores.append({"criterion": criterion.name, "score": score, "evidence": evidence, "comment": comment})
    return scores


def _comment(lang: str, shown: bool) -> str:
    if lang == "en":
        return "Your own words show this." if shown else "None of your lines showed this yet."
    return "ご自身の発言に表れています。" if shown else "この点を示す発言はまだありませんでした。"


def with_criterion_scores(answer: Any, messages: object) -> Any:
    """``answer`` with its ``criterion_scores`` (when the schema asks for them) from the rubric."""
    if isinstance(answer, dict) and "criterion_scores" in answer:
        answer["criterion_scores"] = criterion_scores(messages)
    return answer
