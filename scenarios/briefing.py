"""The two briefings of a scenario: what the learner is told and what the partner is told.

Texts written to the learner ("あなたは課長として…", "You are the section chief…") must never
reach the partner's prompt as they are: there "あなた" / "you" would address the model, which
could then take the learner's role. ``about_the_learner`` rewrites such a text in the third
person (the learner becomes 学習者 / "the learner") and drops the sentences that only tell the
learner what to do. Quoted speech (「…」, "…") is left as it is: it is what someone says.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r"「[^」]*」|『[^』]*』|\"[^\"]*\"|“[^”]*”")
_ENDS = frozenset("。！？")
_EN_ENDS = (".", "!", "?", '."', '?"', '!"', ".”", "?”")
_WRAP_WIDE = re.compile(r"(?<=[^\x00-\x7f])[ \t]*\n[ \t]*(?=[^\x00-\x7f])")
_WRAP = re.compile(r"[ \t]*\n[ \t]*")
# Sentences that only instruct the learner ("…してください", "Please …", "Talk with him …").
_INSTRUCTION_JA = re.compile(r"(てください|ましょう|なさい)[。！\s]*$")
_INSTRUCTION_EN = re.compile(r"^\s*(please\b|try to\b|make sure\b)", re.IGNORECASE)
_SECOND_PERSON_JA = re.compile(r"あなた(たち|方)?")
_SECOND_PERSON_EN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bYou are\b", "The learner is"),
        (r"\byou are\b", "the learner is"),
        (r"\bYou're\b", "The learner is"),
        (r"\byou're\b", "the learner is"),
        (r"\bYou have\b", "The learner has"),
        (r"\byou have\b", "the learner has"),
        (r"\bYou've\b", "The learner has"),
        (r"\byou've\b", "the learner has"),
        (r"\bYou were\b", "The learner was"),
        (r"\byou were\b", "the learner was"),
        (r"\bYour\b", "The learner's"),
        (r"\byour\b", "the learner's"),
        (r"\b[Yy]ours\b", "the learner's"),
        (r"\b[Yy]ourself\b", "themselves"),
        (r"\bYou\b", "The learner"),
        (r"\byou\b", "the learner"),
    )
)
_ADDRESSED_JA = re.compile(r"あなた")
_ADDRESSED_EN = re.compile(r"\b(you|your|yours|yourself|you're|you've)\b", re.IGNORECASE)


def _outside_quotes(text: str) -> list[tuple[bool, str]]:
    """``text`` as (quoted?, part) pieces, in order."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    for match in _QUOTED.finditer(text):
        if match.start() > position:
            pieces.append((False, text[position : match.start()]))
        pieces.append((True, match.group()))
        position = match.end()
    if position < len(text):
        pieces.append((False, text[position:]))
    return pieces


def _rewrite_piece(text: str) -> str:
    text = _SECOND_PERSON_JA.sub("学習者", text)
    for pattern, replacement in _SECOND_PERSON_EN:
        text = pattern.sub(replacement, text)
    return text


def _unquoted(text: str) -> str:
    return "".join(part for quoted, part in _outside_quotes(text) if not quoted)


def is_instruction(sentence: str) -> bool:
    """A sentence that only tells the learner what to do."""
    bare = _unquoted(sentence).strip()
    return bool(bare) and bool(_INSTRUCTION_JA.search(bare) or _INSTRUCTION_EN.match(bare))


def sentences(text: str) -> list[str]:
    """The sentences of a Japanese or English text; quoted speech is never split."""
    parts: list[str] = []
    current = ""
    for quoted, piece in _outside_quotes(text):
        if quoted:
            current += piece
            continue
        for char in piece:
            current += char
            if char in _ENDS or (char in " \n" and current.rstrip().endswith(_EN_ENDS)):
                parts.append(current)
                current = ""
    parts.append(current)
    return [_WRAP.sub(" ", _WRAP_WIDE.sub("", part.strip())) for part in parts if part.strip()]


def addresses_the_learner(text: str) -> bool:
    """Whether ``text`` speaks to the learner ("あなた", "you") outside quoted speech."""
    bare = _unquoted(text)
    return bool(_ADDRESSED_JA.search(bare) or _ADDRESSED_EN.search(bare))


def about_the_learner(text: str, *, drop_instructions: bool = True) -> str:
    """``text`` with the learner in the third person, for the partner (see the module docstring)."""
    if not addresses_the_learner(text) and not (drop_instructions and any(map(is_instruction, sentences(text)))):
        return text
    kept = [s for s in sentences(text) if not (drop_instructions and is_instruction(s))]
    rewritten = ["".join(part if quoted else _rewrite_piece(part) for quoted, part in _outside_quotes(s)) for s in kept]
    joiner = " " if all(sentence.isascii() for sentence in rewritten) else ""
    return joiner.join(rewritten)
