"""What counts as quoting the learner: one rule for the judge's validation and the offline judge.

A quote is the learner's own when it is (part of) one of their lines, compared two ways:

- without width, spaces or quotation marks (「」『』"'…): a judge may quote 「はい」 for はい, or
  drop a space; a part must then keep at least two characters, so no single character of a long
  line passes for a quote of it;
- as written, with runs of spaces read as one: a part of at least two characters, or the whole line.

A whole line always quotes itself, however short (「う」, "OK") or odd (「」 alone), so every
learner line can be quoted; ``quotable`` gives the quote of a line that fits a length limit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

QUOTE_MARKS = "「」『』\"'“”‘’"
_SENTENCE_ENDS = "。！？!?."


def _plain(text: str) -> str:
    """``text`` compared without width, spaces or quotation marks."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(char for char in folded if not char.isspace() and char not in QUOTE_MARKS)


def _spaced(text: str) -> str:
    """``text`` as written, each run of spaces read as one."""
    return " ".join(text.split())


def _part_of(wanted: str, line: str) -> bool:
    return bool(wanted) and (wanted == line or (len(wanted) >= 2 and wanted in line))


def learner_said(quote: str, lines: Sequence[str]) -> bool:
    """Whether ``quote`` is (part of) one of the learner's ``lines``."""
    plain, spaced = _plain(quote), _spaced(quote)
    return any(_part_of(plain, _plain(line)) or _part_of(spaced, _spaced(line)) for line in lines)


def quotable(line: str, limit: int) -> str:
    """A quote of ``line`` at most ``limit`` characters long that ``learner_said`` accepts: the whole
    line when it fits, else its beginning, cut after a sentence where one ends late enough
    (``limit`` is at least 3)."""
    spaced = _spaced(line)
    if len(spaced) <= limit:
        return spaced
    head = spaced[:limit]
    end = max(head.rfind(mark) for mark in _SENTENCE_ENDS)
    if end >= len(head) // 3:
        head = head[: end + 1]
    return head.strip()
