from typing import Any

import factory

from accounts.tests.factories import UserFactory
from conversations.feedback import AXIS_NAMES
from conversations.models import Conversation, Message, Mode, Role, Status


def quoted_evidence(line: str) -> dict[str, list[dict[str, str]]]:
    """The judge's evidence for every axis: ``line`` (one of the learner's lines), quoted."""
    return {axis: [{"quote": line}] for axis in AXIS_NAMES}


def judge_answer(line: str, *, summary: str = "丁寧でした", score: int = 70, **fields: Any) -> dict[str, Any]:
    """A valid judge answer about a session whose learner said ``line``: every axis at ``score``, quoting it."""
    return {
        "summary": summary,
        "went_well": [],
        "to_improve": [],
        "better_phrasings": [],
        "scores": dict.fromkeys(AXIS_NAMES, score),
        "evidence": quoted_evidence(line),
        **fields,
    }


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    user = factory.SubFactory(UserFactory)
    mode = Mode.CHAT
    title = "同僚・休憩中"
    metadata = factory.LazyFunction(lambda: {"partner": "同僚", "situation": "休憩中", "language": "ja"})


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    role = Role.USER
    content = "お疲れさまです。"
    status = Status.COMPLETE
