"""Reading a client's socket frame before a consumer acts on it.

Every frame must be JSON text of at most ``MAX_FRAME_BYTES``, nested at most ``MAX_JSON_DEPTH``
deep, with no NUL and no lone surrogate in any string (PostgreSQL and UTF-8 refuse both). A frame
that breaks a rule is answered with an error frame and the socket stays open; one over the size
limit closes the socket with 1009 ("message too big"), as daphne does before the frame is read.
"""

import json
import re
from typing import Any

import structlog
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MAX_FRAME_BYTES = 64 * 1024
MAX_JSON_DEPTH = 16
CLOSE_MESSAGE_TOO_BIG = 1009

# A JSON string (to its closing quote, or to the end of an unterminated one), or a bracket.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.?)*+(?:"|\Z)|[\[\]{}]', re.DOTALL)
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
logger = structlog.get_logger(__name__)


class FrameTooLarge(Exception):
    """The frame is over ``MAX_FRAME_BYTES``."""


class FrameRefused(ValueError):
    """The frame cannot be read; ``message`` says why, for the learner."""

    def __init__(self, reason: str, message: Promise) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


def decode_frame(text_data: str | None, bytes_data: bytes | None = None) -> Any:
    """The frame's JSON value; raises ``FrameTooLarge`` or ``FrameRefused``."""
    if text_data is None:
        raise FrameRefused("binary", _("Send each message as JSON text (UTF-8)."))
    if len(text_data) > MAX_FRAME_BYTES:
        raise FrameTooLarge
    if _FORBIDDEN.search(text_data):  # a raw lone surrogate: undecodable bytes
        raise FrameRefused("characters", _("The message contains characters that cannot be sent."))
    if json_depth(text_data) > MAX_JSON_DEPTH:
        raise FrameRefused("depth", _("The message is nested too deeply."))
    try:
        value = json.loads(text_data, parse_constant=_refuse_constant)
    except ValueError:  # also NaN, Infinity and numbers too long to convert
        raise FrameRefused("json", _("The message is not valid JSON.")) from None
    if _has_forbidden_text(value):
        raise FrameRefused("characters", _("The message contains characters that cannot be sent."))
    return value


def json_depth(text: str) -> int:
    """How deeply ``text`` nests arrays and objects (brackets inside strings do not count),
    found without recursion; stops counting once past ``MAX_JSON_DEPTH``."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        piece = match.group()
        if piece in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                break
        elif piece in ("]", "}"):
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _has_forbidden_text(value: Any) -> bool:
    if isinstance(value, str):
        return _FORBIDDEN.search(value) is not None
    if isinstance(value, dict):
        return any(_has_forbidden_text(key) or _has_forbidden_text(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_forbidden_text(item) for item in value)
    return False


class JsonFramesMixin:
    """For ``AsyncJsonWebsocketConsumer``: frames are read with ``decode_frame``. A refused frame
    goes to ``frame_refused`` with its message in the user's language; an oversized one closes."""

    scope: dict[str, Any]

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        try:
            content = decode_frame(text_data, bytes_data)
        except FrameTooLarge:
            logger.info("socket.frame_too_large", chars=len(text_data or ""))
            await self.close(code=CLOSE_MESSAGE_TOO_BIG)  # type: ignore[attr-defined]
            return
        except FrameRefused as refused:
            logger.info("socket.frame_refused", reason=refused.reason)
            with translation.override(getattr(self.scope.get("user"), "language", None)):
                message = str(refused.message)
            await self.frame_refused(message)
            return
        await self.receive_json(content, **kwargs)  # type: ignore[attr-defined]

    async def frame_refused(self, message: str) -> None:
        raise NotImplementedError
