"""The two briefings of a scenario: what the learner is told and what the partner is told.

Texts written to the learner ("あなたは課長として…", "You are the section chief…") must never
reach the partner's prompt as they are: there "あなた" / "you" would address the model, which
could then take the learner's role. ``about_the_learner`` rewrites such a text in the third
person (the learner becomes 学習者 / "they", "them", "their") and drops the sentences that only tell the
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
# English "you" becomes "they" (the subject: every verb agrees with it) or "them" (the object).
_YOU = re.compile(r"\b([Yy])ou('re|'ve|'ll|'d)?\b(\s*)(\w*)")
_YOUR = re.compile(r"\b([Yy])our(s|self|selves)?\b")
_OBJECT_FOLLOWERS = frozenset(
    "to with about for from at in on of and or but as if when that than so a an the this these its".split()
)
_OBJECT_BEFORE = re.compile(
    r"(\b(to|with|about|for|from|at|on|of|by|tell|tells|told|ask|asks|asked|give|gives|help|helps|let|lets|"
    r"make|makes|press|presses|blame|blames|call|calls|see|sees|meet|meets|thank|thanks|want|wants|need|needs|"
    r"invite|invites|like|likes|show|shows|send|sends|expect|expects|trust|trusts)\s*)$",
    re.IGNORECASE,
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


def _you(match: re.Match[str], text: str) -> str:
    capital, contraction, gap, following = match.group(1), match.group(2) or "", match.group(3), match.group(4)
    is_object = not contraction and (
        bool(_OBJECT_BEFORE.search(text[: match.start()])) or not following or following.lower() in _OBJECT_FOLLOWERS
    )
    word = ("them" if is_object else "they") + contraction
    return (word.capitalize() if capital == "Y" else word) + gap + following


def _your(match: re.Match[str]) -> str:
    ending = {"": "their", "s": "theirs", "self": "themselves", "selves": "themselves"}[match.group(2) or ""]
    return ending.capitalize() if match.group(1) == "Y" else ending


def _rewrite_piece(text: str) -> str:
    text = _SECOND_PERSON_JA.sub("学習者", text)
    text = _YOUR.sub(_your, text)
    return _YOU.sub(lambda match: _you(match, text), text)


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
    kept = _name_the_learner(kept)
    rewritten = ["".join(part if quoted else _rewrite_piece(part) for quoted, part in _outside_quotes(s)) for s in kept]
    joiner = " " if all(sentence.isascii() for sentence in rewritten) else ""
    return joiner.join(rewritten)


_FIRST_YOU = re.compile(r"\b([Yy]our|[Yy]ou)\b(\s+(\w+))?(\s+(\w+))?")
_MODALS = frozenset("can could will would should must may might cannot".split())
_IRREGULAR = {"have": "has", "are": "is", "were": "was", "do": "does", "go": "goes", "am": "is"}
_PAST = frozenset(
    "sent told said made had did saw went got took gave came found thought knew heard left met felt kept brought "
    "bought wrote ran began put set let read spent lost paid sat stood understood forgot chose".split()
)
_BASE_IN_ED = frozenset("need feed proceed succeed exceed speed bleed".split())
_ADVERBS = frozenset("just also still already only never often now then first really".split())


def _third_person(verb: str) -> str:
    """``verb`` agreeing with "the learner" ("see" → "sees")."""
    lower = verb.lower()
    past = lower.endswith("ed") and lower not in _BASE_IN_ED
    if lower in _MODALS or lower in _PAST or past or lower.endswith("s"):
        return verb
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if lower.endswith(("sh", "ch", "x", "z", "o")):
        return verb + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _named(match: re.Match[str]) -> str:
    """The first "you"/"your" of a text as "the learner" / "the learner's" (the verb made to agree)."""
    word, first, second = match.group(1), match.group(3), match.group(5)
    the = "The" if word[0] == "Y" else "the"
    if word.lower() == "your":
        return f"{the} learner's" + match.group(0)[len(word) :]
    if first is None or _OBJECT_BEFORE.search(match.string[: match.start()]) or first.lower() in _OBJECT_FOLLOWERS:
        return match.group(0)  # an object ("with you"): left to "them"
    if (first.lower() in _ADVERBS or first.lower().endswith("ly")) and second is not None:
        return f"{the} learner {first} {_third_person(second)}"
    return f"{the} learner {_third_person(first)}" + (match.group(4) or "")


def _name_the_learner(kept: list[str]) -> list[str]:
    """The first English "you"/"your" says who is meant ("the learner"): "they" alone could mean anyone."""
    for index, sentence in enumerate(kept):
        pieces = _outside_quotes(sentence)
        for position, (quoted, part) in enumerate(pieces):
            first = None if quoted else _FIRST_YOU.search(part)
            if first is None:
                continue
            pieces[position] = (False, part[: first.start()] + _named(first) + part[first.end() :])
            return [*kept[:index], "".join(piece for _, piece in pieces), *kept[index + 1 :]]
    return kept
