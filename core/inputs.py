"""Text and JSON from outside (HTTP requests, socket frames), checked before anything stores it.

PostgreSQL text cannot hold NUL (U+0000) and UTF-8 cannot encode a lone surrogate
(U+D800–U+DFFF): a string with either would fail in the database, in a JSON answer or in an
error message that quotes it. Deeply nested JSON exhausts the parser's recursion. So:

- ``find_unstorable(text)`` / ``check_text(text)`` / ``clean_text(text)``: find, refuse or strip
  those characters in one string;
- ``check_value(value)`` / ``clean_value(value)``: the same for every key and string of a parsed
  JSON value (walked without recursion);
- ``json_too_deep(text)``: whether a JSON text nests deeper than ``MAX_JSON_DEPTH``, found by
  scanning it, before any parser recurses;
- ``loads_json(text)``: ``json.loads`` with all of the above; raises ``InputError`` only.

``InputError.message`` is translated and never quotes the input, so it is always safe to show.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from django.utils.translation import gettext

MAX_JSON_DEPTH = 32

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A JSON string; an unterminated one runs to the end, so the scan stays linear.
_JSON_STRINGS = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class InputError(ValueError):
    """Input the product refuses. ``message`` is translated and safe to show; ``code`` names the reason."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def unstorable_text_error() -> InputError:
    return InputError(
        gettext("The text contains characters that cannot be stored (a NUL character or an unpaired surrogate)."),
        code="unstorable_characters",
    )


def find_unstorable(text: str) -> bool:
    """Does ``text`` hold a NUL character or a lone surrogate?"""
    return _UNSTORABLE.search(text) is not None


def check_text(text: str) -> str:
    """``text`` unchanged, or ``InputError`` when it holds a NUL character or a lone surrogate."""
    if find_unstorable(text):
        raise unstorable_text_error()
    return text


def clean_text(text: str) -> str:
    """``text`` without its NUL characters and lone surrogates."""
    return _UNSTORABLE.sub("", text)


def _strings_of(value: Any) -> Any:
    """Every string (keys included) of a JSON-shaped value, depth first, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def check_value(value: Any) -> Any:
    """``value`` unchanged, or ``InputError`` when any of its keys or strings cannot be stored."""
    if any(find_unstorable(text) for text in _strings_of(value)):
        raise unstorable_text_error()
    return value


def clean_value(value: Any) -> Any:
    """A copy of a JSON-shaped value with every key and string cleaned (``clean_text``)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(key): clean_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(item) for item in value]
    return value


def json_too_deep(text: str, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Does the JSON ``text`` open more than ``max_depth`` arrays or objects inside each other?

    Brackets inside strings do not count. Invalid JSON is scanned as far as it goes (the parser
    reports it afterwards).
    """
    if text.count("[") + text.count("{") <= max_depth:
        return False
    brackets = _NOT_BRACKETS.sub("", _JSON_STRINGS.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > max_depth


def too_deep_error(max_depth: int = MAX_JSON_DEPTH) -> InputError:
    return InputError(
        gettext("The JSON is nested too deeply (at most %(limit)s levels).") % {"limit": max_depth},
        code="too_deep",
    )


def decode_utf8(data: bytes | str) -> str:
    """Bytes as UTF-8 text; ``InputError`` when they are not UTF-8."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(gettext("The text is not valid UTF-8."), code="invalid_utf8") from error


def loads_json(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON from outside: UTF-8, at most ``max_depth`` levels, strict numbers, storable text.

    ``NaN``, ``Infinity`` and numbers too large for a float are refused. Raises ``InputError`` only.
    """
    text = decode_utf8(data)
    if json_too_deep(text, max_depth):
        raise too_deep_error(max_depth)
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as error:
        raise InputError(gettext("The body is not valid JSON."), code="invalid_json") from error
    return check_value(value)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("The number is too large")
    return number
