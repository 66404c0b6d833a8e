"""The offline demo judge's rubric scores: each learner line reads like the anchor of a criterion
(about 80, 50 or 20: its description and example line) whose words it shares most, or like none;
a criterion scores as its best line reads, with that line as evidence, and 0 when no line reads
like any anchor. A line the criterion's name says it is about (a date, a question, an apology:
``llm.demo.verdict.match_criterion``) counts as good when it reads like no lower anchor.

The criteria are read from the judge's task, one line each, as ``conversations.judging`` writes
them: ``* name｜~20: …｜~50: … (e.g. "…")｜~80: … (e.g. "…")`` (``約20: …（例「…」）`` in Japanese),
anchors without an example line and criteria without a middle anchor included.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from llm.demo.reading import Transcript, _system, read_transcript
from llm.demo.verdict import Verdict, judge, match_criterion

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


def _anchor_keys(criterion: Criterion, anchor: Anchor) -> set[str]:
    """What a line shares with an anchor: its description and example line (the top one also the name)."""
    named = f" {criterion.name}" if anchor is criterion.top else ""
    return _keys(f"{anchor.looks} {anchor.example}{named}")


@dataclass(frozen=True)
class _Reading:
    """How one learner line reads against a criterion: the anchor it is closest to and by how much."""

    line: str
    level: int  # the anchor's score (20, 50, 80), 0 when the line shares nothing with any anchor
    overlap: int
    flawed: bool = False


def _read(criterion: Criterion, line: str, verdict: Verdict) -> _Reading:
    """The anchor whose words the line shares most (a tie goes to the lower one); a line the
    criterion's features show (``match_criterion``) that is closest to no anchor reads as its middle."""
    keys = _keys(line)
    best = max(
        ((len(_anchor_keys(criterion, anchor) & keys), -anchor.score) for anchor in criterion.anchors),
        default=(0, 0),
    )
    overlap, level = best[0], -best[1] if best[0] > 0 else 0
    flawed = any(seen.text == line and seen.flaws for seen in verdict.lines)
    return _Reading(line, level, overlap, flawed)


def _score(reading: _Reading) -> int:
    """About the anchor's score, a little higher the more the line shares with it."""
    if reading.level == 0:
        return 0
    bonus = {80: 15, 50: 10}.get(reading.level, 5)
    return reading.level + min(bonus, 4 * (reading.overlap - 1))


def _featured(criterion: Criterion, verdict: Verdict) -> str:
    """The line the criterion's name says it is about (a date, a question, an apology, ...), if any."""
    match = match_criterion(criterion.name, verdict)
    return match.quote if match.passed else ""


def _criterion_score(criterion: Criterion, transcript: Transcript, verdict: Verdict) -> dict[str, Any]:
    readings = [_read(criterion, line, verdict) for line in transcript.learner]
    featured = _featured(criterion, verdict)
    readings = [
        _Reading(r.line, 80, 1) if r.line == featured and r.level in (0, 80) and not r.flawed else r for r in readings
    ]
    ranked = sorted((r for r in readings if r.level), key=lambda r: (r.level, r.overlap), reverse=True)
    best = ranked[0] if ranked else None
    evidence = [r.line for r in ranked if best is not None and r.level == best.level][:MAX_EVIDENCE]
    score = _score(best) if best is not None else 0
    comment = _comment(transcript.lang, best.level if best is not None else 0)
    return {"criterion": criterion.name, "score": score, "evidence": evidence, "comment": comment}


def criterion_scores(messages: object) -> list[dict[str, Any]]:
    """A score, quoted evidence and a comment for every criterion of the task's rubric: each
    criterion as the anchor the learner's closest line reads like (about 80, 50 or 20), 0 when no
    line reads like any of them."""
    transcript = read_transcript(messages)
    verdict = judge(transcript)
    return [_criterion_score(criterion, transcript, verdict) for criterion in read_rubric(messages)]


def _comment(lang: str, level: int) -> str:
    if lang == "en":
        said = {80: "Your own words show this.", 50: "Your words show this in part.", 20: "Your words fall short here."}
        return said.get(level, "None of your lines showed this yet.")
    said = {80: "ご自身の発言に表れています。", 50: "発言に一部表れています。", 20: "発言がまだ目安に届いていません。"}
    return said.get(level, "この点を示す発言はまだありませんでした。")


def with_criterion_scores(answer: Any, messages: object) -> Any:
    """``answer`` with its ``criterion_scores`` (when the schema asks for them) from the rubric."""
    if isinstance(answer, dict) and "criterion_scores" in answer:
        answer["criterion_scores"] = criterion_scores(messages)
    return answer
