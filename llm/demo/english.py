"""Is it an English sentence? The check of equal standing to the Japanese one
(``analysis.sentence_problems``, a SudachiPy parse), for everything the offline partner and judge
say in English: each sentence is tagged with TextBlob's English part-of-speech tagger (the Brill
tagger and lexicon of Pattern, shipped inside the wheel; no corpus to download) and checked for

- a capital first letter and a closing mark (. ! ? …), no unfilled slot (``{date}``) and no
  Japanese character;
- unknown words (in neither the tagger's lexicon nor its spelling list), a word said twice in a row;
- agreement: a singular subject (he, she, it, this, that) with a plural verb form (「she have」)
  and a plural subject (I, you, we, they) with ``-s`` (「I needs」), ``am``/``is``/``are``/``was``/``were``
  against their subject;
- forms: a modal or ``to`` followed by an inflected verb (「can goes」「to went」), an article
  before a verb, a pronoun or punctuation (「the will」), ``a`` before a vowel sound or ``an``
  before a consonant (「a apology」「an report」).

The tagger (about 1 MB of lexicon) is loaded on first use, like the Japanese analyser.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")  # 「Well… it may be」 stays one sentence
_SLOT = re.compile(r"\{[^}]*\}|\{|\}")
_LOCK = threading.Lock()
_CONTRACTIONS = {"can't": ("ca", "n't"), "won't": ("wo", "n't"), "shan't": ("sha", "n't")}
_CLITICS = ("n't", "'ll", "'re", "'ve", "'s", "'d", "'m")
_END_MARKS = (".", "!", "?", "…")
_OPENERS = "…\"'“‘("

_SINGULAR = frozenset({"he", "she", "it", "this", "that"})
_PLURAL = frozenset({"i", "you", "we", "they"})
_BE = {"i": ("am", "was", "'m"), "you": ("are", "were", "'re"), "we": ("are", "were", "'re"),
       "they": ("are", "were", "'re"), "he": ("is", "was", "'s"), "she": ("is", "was", "'s"),
       "it": ("is", "was", "'s"), "this": ("is", "was", "'s"), "that": ("is", "was", "'s")}  # fmt: skip
_BE_FORMS = frozenset({"am", "is", "are", "was", "were", "'m", "'re"})
_CLAUSE_START = frozenset({"", ",", ";", ":", "and", "but", "so", "because", "if", "when", "that", "as", "or",
                           "since", "until", "while", "though", "although", "—", "–"})  # fmt: skip
_NOT_AFTER_TO = frozenset({"by", "on", "at", "of", "for", "with", "from", "to", "the."})  # 「hold you to by Friday」
_AFTER_MODAL_OK = frozenset({"VB", "RB", "RBR", "RBS", "PRP", "DT", "CC"})  # 「could we」「will not」「can I」
_VOWEL_SOUND_CONSONANT = ("hour", "honest", "honour", "honor", "heir")  # an hour
_CONSONANT_SOUND_VOWEL = ("uni", "use", "usu", "one", "once", "eu", "ewe", "ubiq", "ur")  # a unit, a one-off


@lru_cache(maxsize=1)
def _tagger() -> tuple[Any, frozenset[str]]:
    # Loaded on first use: a process that never asks the offline partner or judge in English never pays for it.
    from textblob import en

    spelling = Path(en.__file__).with_name("en-spelling.txt")
    words = {line.split()[0].lower() for line in spelling.read_text(encoding="utf-8").splitlines() if line.strip()}
    return en.parser, frozenset(words)


_PREFIXES = ("over", "under", "out", "re", "un", "off", "up")


def _in_lists(word: str) -> bool:
    parser, spelling = _tagger()
    return word in parser.lexicon or word in spelling


def _known(word: str) -> bool:
    """In the lexicon or the spelling list, as written, with a British spelling (-ise, -our), an
    ending (-s, -ed, -ity, -ness, ...) or a prefix (over-, un-, ...) of a listed word."""
    lowered = word.lower()
    if word.isdigit() or lowered in _CLITICS or _in_lists(word) or _in_lists(lowered):
        return True
    american = lowered.replace("ising", "izing").replace("ise", "ize").replace("our", "or")
    if _in_lists(american):
        return True
    for end in ("s", "ed", "ing", "ly", "ity", "ness", "ment", "ful", "less"):
        stem = lowered[: -len(end)]
        if lowered.endswith(end) and len(stem) >= 3 and (_in_lists(stem) or _in_lists(stem + "e")):
            return True
    return any(lowered.startswith(p) and len(lowered) - len(p) >= 2 and _in_lists(lowered[len(p) :]) for p in _PREFIXES)


def tokens(sentence: str) -> list[str]:
    """The sentence's words and marks, contractions split as the tagger reads them ("I'll" -> I 'll)."""
    found: list[str] = []
    for chunk in sentence.replace("’", "'").replace("‘", "'").split():
        lead = re.match(r"^[^\w{]*", chunk).group(0)  # type: ignore[union-attr]
        trail = re.search(r"[^\w}]*$", chunk[len(lead) :]).group(0)  # type: ignore[union-attr]
        core = chunk[len(lead) : len(chunk) - len(trail)]
        found += list(lead)
        if core:
            found += _split_word(core)
        found += [mark for mark in re.findall(r"…|\.\.\.|[^\w\s]", trail)]
    return found


def _split_word(word: str) -> list[str]:
    lowered = word.lower()
    if lowered in _CONTRACTIONS:
        first, second = _CONTRACTIONS[lowered]
        return [word[: len(first)], second]
    for clitic in _CLITICS:
        if lowered.endswith(clitic) and len(word) > len(clitic):
            return [word[: -len(clitic)], word[-len(clitic) :].lower()]
    return [word]


def tagged(sentence: str) -> list[tuple[str, str]]:
    """(word, Penn Treebank tag) for each token of the sentence."""
    words = tokens(sentence)
    if not words:
        return []
    with _LOCK:
        parser, _ = _tagger()
        return [(str(word), str(tag)) for word, tag in parser.find_tags(words)]


def english_sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE.split(text.strip()) if part.strip()]


def english_problems(text: str) -> list[str]:
    """What the tagger and the rules above find wrong with ``text`` as English (empty when it reads well)."""
    problems: list[str] = []
    if _JAPANESE.search(text):
        problems.append("Japanese character")
    if _SLOT.search(text):
        problems.append("unfilled slot")
    for sentence in english_sentences(text):
        problems += _sentence_problems(sentence)
    return problems


def _sentence_problems(sentence: str) -> list[str]:
    problems = []
    first = sentence.lstrip(_OPENERS)
    if first and first[0].isalpha() and not first[0].isupper():
        problems.append(f"no capital: {sentence!r}")
    if not sentence.rstrip("\"'”’)").endswith(_END_MARKS):
        problems.append(f"no closing mark: {sentence!r}")
    words = tagged(sentence)
    problems += [f"unknown word {w!r}" for w, tag in words if re.search(r"[A-Za-z]", w) and not _known_word(w)]
    problems += _doubled(words) + _agreement(words) + _forms(words)
    return problems


def _known_word(word: str) -> bool:
    return all(_known(part) for part in word.split("-") if part)


def _doubled(words: list[tuple[str, str]]) -> list[str]:
    pairs = zip(words, words[1:], strict=False)
    return [f"doubled word {a!r}" for (a, _), (b, _) in pairs if a.lower() == b.lower() and re.search(r"\w", a)]


def _agreement(words: list[tuple[str, str]]) -> list[str]:
    problems = []
    for index, ((word, _), (verb, tag)) in enumerate(zip(words, words[1:], strict=False)):
        subject, before = word.lower(), words[index - 1][0].lower() if index else ""
        if before not in _CLAUSE_START or (subject in ("that", "this") and tag not in ("VBZ", "VBP")):
            continue
        base_form = tag == "VB" and subject in ("he", "she", "it")  # 「he go」
        if subject in _SINGULAR and (
            tag == "VBP" and verb.lower() not in _BE_FORMS or verb.lower() in ("are", "am") or base_form
        ):
            problems.append(f"agreement: {word} {verb}")
        elif subject in _PLURAL and tag == "VBZ" and verb.lower() not in ("'s",):
            problems.append(f"agreement: {word} {verb}")
        elif (
            subject in _BE
            and verb.lower() in _BE_FORMS
            and verb.lower() not in _BE[subject] + ("were",) * (subject != "i")
        ):
            problems.append(f"agreement: {word} {verb}")
    return problems


def _forms(words: list[tuple[str, str]]) -> list[str]:
    problems = []
    for (word, tag), (after, after_tag) in zip(words, words[1:], strict=False):
        lowered = word.lower()
        if tag == "MD" and after_tag in ("VBZ", "VBD", "VBG") and after.lower() not in ("'s",):
            problems.append(f"form after a modal: {word} {after}")
        if tag == "TO" and (after_tag in ("VBZ", "VBD") or after.lower() in _NOT_AFTER_TO):
            problems.append(f"form after to: {word} {after}")
        if lowered in ("a", "an", "the") and (
            after_tag in ("MD", "PRP", "TO", "VBZ", "VBD", "VBP") or not after[:1].isalnum()
        ):
            problems.append(f"article before {after!r}")
        if lowered in ("a", "an") and after[:1].isalpha():
            problems += _article(word, after)
    return problems


def _article(article: str, word: str) -> list[str]:
    lowered = word.lower()
    vowel = lowered[0] in "aeiou" and not lowered.startswith(_CONSONANT_SOUND_VOWEL)
    vowel = vowel or lowered.startswith(_VOWEL_SOUND_CONSONANT)
    if article.lower() == "a" and vowel:
        return [f"'a' before a vowel sound: a {word}"]
    if article.lower() == "an" and not vowel:
        return [f"'an' before a consonant sound: an {word}"]
    return []
