"""Who the partner is in a conversation: one resolver per mode.

``conversations`` resolves chat partners itself; higher apps (scenarios, watch) register a
resolver for their mode in their ``AppConfig.ready`` so this app never imports them.
"""

from collections.abc import Callable
from typing import Any

from conversations.models import Conversation, Mode
from conversations.partners import PARTNERS, SITUATIONS, find_preset
from core.db import db_call
from llm import Purpose
from llm.prompts import Persona

PersonaResolver = Callable[[Conversation], Persona]
# (feedback points to score, context for the judge) of a conversation
FeedbackBriefResolver = Callable[[Conversation], tuple[list[str], str]]

# the rubric a conversation is scored against: criteria with "name" and their anchors ("good", "fair",
# "poor", each with "<anchor>_example"; see ``conversations.judging.rubric_line``)
RubricResolver = Callable[[Conversation], list[dict[str, str]]]

# what a mode adds to the feedback panel: {"template": ..., **its context}, or {} for nothing
FeedbackExtraResolver = Callable[[Conversation, Any], dict[str, Any]]

_resolvers: dict[str, PersonaResolver] = {}
_extras: dict[str, FeedbackExtraResolver] = {}
_rubrics: dict[str, RubricResolver] = {}
_briefs: dict[str, FeedbackBriefResolver] = {}
PURPOSE_BY_MODE: dict[str, Purpose] = {
    Mode.CHAT: Purpose.CHAT_PARTNER,
    Mode.SCENARIO: Purpose.SCENARIO_PARTNER,
}


def register_persona_resolver(mode: str, resolver: PersonaResolver) -> None:
    _resolvers[mode] = resolver


def register_feedback_brief(mode: str, resolver: FeedbackBriefResolver) -> None:
    _briefs[mode] = resolver


def register_rubric(mode: str, resolver: RubricResolver) -> None:
    _rubrics[mode] = resolver


def register_feedback_extra(mode: str, resolver: FeedbackExtraResolver) -> None:
    _extras[mode] = resolver


def feedback_extra_for(conversation: Conversation, feedback: Any) -> dict[str, Any]:
    """What the conversation's mode adds to its stored feedback's panel (e.g. a scenario's rubric verdict)."""
    resolver = _extras.get(conversation.mode)
    return resolver(conversation, feedback) if resolver and feedback is not None else {}


def rubric_for(conversation: Conversation) -> list[dict[str, str]]:
    """The criteria the judge scores with quoted evidence (a scenario's rubric); empty for other modes."""
    resolver = _rubrics.get(conversation.mode)
    return resolver(conversation) if resolver else []


def feedback_brief_for(conversation: Conversation) -> tuple[list[str], str]:
    """What the judge scores besides the six axes (e.g. a scenario's own feedback points)."""
    resolver = _briefs.get(conversation.mode)
    return resolver(conversation) if resolver else ([], "")


def persona_for(conversation: Conversation) -> Persona:
    resolver = _resolvers.get(conversation.mode, chat_persona)
    return resolver(conversation)


def persona_reads_database(mode: str) -> bool:
    """A mode's partner may be read from the database (a registered resolver); a chat's never is."""
    return mode in _resolvers


async def persona_for_async(conversation: Conversation) -> Persona:
    """``persona_for`` from async code: a chat's partner is built from the conversation alone; a
    mode's registered resolver may read the database, so it runs on the database thread."""
    if not persona_reads_database(conversation.mode):
        return chat_persona(conversation)
    return await db_call(persona_for)(conversation)


def chat_persona(conversation: Conversation) -> Persona:
    """Built from the partner and situation the learner chose (custom text is data, not instructions)."""
    meta = conversation.metadata or {}
    language = "en" if meta.get("language") == "en" else "ja"
    partner = find_preset(PARTNERS, meta.get("partner", ""))
    situation = find_preset(SITUATIONS, meta.get("situation", ""))
    default_role = "同僚" if language == "ja" else "a colleague"
    role = partner.label(language) if partner else str(meta.get("custom_partner") or default_role)[:200]
    place = situation.describe(language) if situation else str(meta.get("custom_situation", ""))[:200]
    return Persona(
        role=role,
        learner_role="職場の同僚（学習者）" if language == "ja" else "a colleague (the learner)",
        personality=partner.describe(language) if partner else "",
        speaking_style=partner.style(language) if partner else "",
        situation=place,
        language=language,
        instructions=(
            "職場での自然な雑談をしてください。返答は2〜3文の短さで、相手にも話す機会を与えてください。"
            if language == "ja"
            else "Make natural small talk at work. Keep replies short and leave room for the other person."
        ),
    )
