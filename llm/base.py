"""The gateway's vocabulary: purposes, call statistics, results and the one error type."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

from django.utils.translation import gettext

T = TypeVar("T")


class Purpose(str, enum.Enum):
    """What a call is for; each purpose has its own models and parameters in ``settings.LLM``."""

    CHAT_PARTNER = "chat_partner"
    SCENARIO_PARTNER = "scenario_partner"
    WATCH_PERSONA = "watch_persona"
    JUDGE = "judge"

    @classmethod
    def parse(cls, value: Purpose | str) -> Purpose:
        try:
            return cls(value)
        except ValueError:
            raise LLMError("config", detail=f"unknown purpose {value!r}") from None


@dataclass
class CallStats:
    """What one call cost and how it ended; stored with the message it produced."""

    model: str
    provider: str
    tokens_in: int
    tokens_out: int
    ttft_ms: float | None
    latency_ms: float
    status: str  # "complete" | "interrupted" | "failed"
    demo: bool
    error_kind: str | None = None

    def as_metadata(self) -> dict[str, Any]:
        data = asdict(self)
        data["latency_ms"] = round(self.latency_ms, 1)
        data["ttft_ms"] = None if self.ttft_ms is None else round(self.ttft_ms, 1)
        return data


@dataclass
class JsonResult(Generic[T]):
    value: T
    stats: CallStats


def gettext_noop(message: str) -> str:
    """Marks a message for translation without touching settings: the settings import this package."""
    return message


# kind -> (can a retry help?, message a user may see)
_KINDS: dict[str, tuple[bool, str]] = {
    "timeout": (True, gettext_noop("The conversation partner took too long to answer. Please try again.")),
    "rate_limited": (True, gettext_noop("The AI service is busy right now. Please wait a moment and try again.")),
    "unavailable": (True, gettext_noop("The AI service cannot be reached right now. Please try again shortly.")),
    "interrupted": (True, gettext_noop("The reply was cut off. Please try again.")),
    "bad_output": (False, gettext_noop("The AI answered in a form that could not be used. Please try again later.")),
    "rejected": (False, gettext_noop("The AI could not answer this message. Please rephrase it and try again.")),
    "config": (False, gettext_noop("The AI service is not set up correctly. Please contact an administrator.")),
}


class LLMError(Exception):
    """The only error the gateway raises. ``retryable`` says whether trying again can help;
    ``user_message`` is short, safe to show, in the active language (Japanese by default)."""

    def __init__(
        self,
        kind: str,
        *,
        retryable: bool | None = None,
        user_message: str | None = None,
        stats: CallStats | None = None,
        detail: str = "",
    ) -> None:
        default_retryable, message = _KINDS.get(kind, _KINDS["unavailable"])
        self.kind = kind
        self.retryable = default_retryable if retryable is None else retryable
        self.user_message = user_message if user_message is not None else gettext(message)
        self.stats = stats
        self.detail = detail
        super().__init__(f"{kind}: {detail}" if detail else kind)
