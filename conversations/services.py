"""Writes to conversations and messages (the prompt history is read from the database, never cached)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from accounts.models import User
from conversations import turns
from conversations.feedback import FeedbackReport
from conversations.models import Conversation, Feedback, Message, Mode, Role, Status
from conversations.partners import CUSTOM, PARTNERS, SITUATIONS, find_preset
from conversations.selectors import conversation_get
from conversations.signals import feedback_stored, practice_ended
from core.metrics import count_conversation
from llm import Purpose, demo_mode, model_label
from llm.prompts import clean_user_text

TITLE_SEPARATOR = {"ja": "・", "en": " · "}  # between the partner and the situation in a chat's title


class ConversationClosedError(Exception):
    """The conversation has ended: it takes no more messages."""

    code = "closed"

    @property
    def message(self) -> str:
        return gettext("This conversation has ended.")


class OutOfTimeError(ConversationClosedError):
    """The practice's time limit ran out: it takes no more messages (``conversations.time_limits``)."""

    code = "time_up"

    @property
    def message(self) -> str:
        return gettext("Time is up: this practice has ended. Ask for your feedback to see how it went.")


def conversation_start(*, user: User, mode: str = Mode.CHAT, title: str = "", metadata: dict[str, Any]) -> Conversation:
    conversation = Conversation.objects.create(user=user, mode=mode, title=title[:200], metadata=metadata)
    transaction.on_commit(lambda: count_conversation(mode=str(mode), status="started"))
    return conversation


def _out_of_time(conversation: Conversation) -> bool:
    """A practice with a time limit (``metadata["ends_at"]``, ISO 8601) takes no line after it."""
    ends_at = parse_datetime(str((conversation.metadata or {}).get("ends_at") or ""))
    return ends_at is not None and timezone.now() >= ends_at


def line_accepted(*, conversation: Conversation, text: object) -> str:
    """The learner's line, cleaned, if the conversation takes it: raises ``UserTextError`` for empty,
    over-long or non-text input, ``ConversationClosedError`` once it has ended or its time is up."""
    content = clean_user_text(text)
    if conversation.is_ended:
        raise ConversationClosedError
    if _out_of_time(conversation):
        raise OutOfTimeError
    return content


def message_append_user(
    *, conversation: Conversation, text: object, client_id: str | None = None
) -> tuple[Message, bool]:
    """Store the learner's line before any model is called.

    Sending again with the same ``client_id`` returns the stored message (``created`` False)
    instead of storing it twice. Raises ``UserTextError`` for empty, over-long or non-text input.
    """
    content = line_accepted(conversation=conversation, text=text)

    def create(key: str | None) -> Message:
        return Message.objects.create(conversation=conversation, role=Role.USER, content=content, client_id=key)

    message, created = turns.turn_append_once(  # one insert: no transaction needed
        conversation.messages.all(), client_id=client_id, create=create, atomic=False
    )
    return message, created


def message_append_assistant(
    *, conversation: Conversation, text: str, metadata: dict[str, Any] | None = None
) -> Message:
    """A partner line known in advance (e.g. a scenario's scripted opening line)."""
    message = Message.objects.create(
        conversation=conversation, role=Role.ASSISTANT, content=text, metadata=metadata or {}, status=Status.COMPLETE
    )
    return message


def reply_begin(*, conversation: Conversation) -> Message:
    """The row the model's reply streams into; stored before the first token arrives (a streaming
    row is no part of a prompt's history)."""
    return turns.reply_begin(Message, conversation=conversation, role=Role.ASSISTANT)


def reply_finish(*, message: Message, text: str, status: str, metadata: dict[str, Any]) -> Message:
    turns.reply_finish(turn=message, text=text, status=status, metadata=metadata)
    return message


def replies_interrupt_stale(*, before: datetime) -> int:
    """Replies begun before ``before`` and still streaming (their writer died): kept as interrupted."""
    return len(turns.replies_interrupt_stale(Message.objects.all(), before=before, finish=_finish_turn))


def _finish_turn(*, turn: Message, **result: Any) -> Message:
    return reply_finish(message=turn, **result)


def conversation_end(*, conversation: Conversation, announce: bool = True) -> Conversation:
    """End the conversation once; listeners of ``practice_ended`` hear of it after the commit.

    With ``announce=False`` the caller announces it later (``conversation_announce_end``), e.g.
    once the feedback asked at the end is stored.
    """
    if conversation.ended_at is None:
        conversation.ended_at = timezone.now()
        conversation.save(update_fields=["ended_at"])
        if announce:
            conversation_announce_end(conversation=conversation)
    return conversation


def conversation_announce_end(*, conversation: Conversation) -> None:
    transaction.on_commit(lambda: _announce_end(conversation))


def _announce_end(conversation: Conversation) -> None:
    count_conversation(mode=conversation.mode, status="ended")
    practice_ended.send(sender=Conversation, user=conversation.user, session_id=conversation.id, mode=conversation.mode)


def conversation_delete(*, user: User, conversation_id: UUID | str) -> None:
    conversation = conversation_get(user=user, conversation_id=conversation_id)
    conversation.delete()


def conversation_share_with_trainer(*, user: User, conversation_id: UUID | str, shared: bool) -> Conversation:
    """Let the learner's trainers read this conversation (``shared``), or make it private again at once."""
    conversation = conversation_get(user=user, conversation_id=conversation_id)
    conversation.shared_with_trainer_at = timezone.now() if shared else None
    conversation.save(update_fields=["shared_with_trainer_at"])
    return conversation


def feedback_store(*, conversation: Conversation, report: FeedbackReport, metadata: dict[str, Any]) -> Feedback:
    """Store validated feedback and end the conversation.

    The first feedback stored for a conversation is kept and returned: when the judge was asked
    twice at once (the analysis of a conversation ended without asking, and the learner asking),
    the learner and My progress still see the same one.
    """
    with transaction.atomic():
        feedback, created = Feedback.objects.get_or_create(
            conversation=conversation, defaults={"content": report.model_dump(mode="json"), "metadata": metadata}
        )
        conversation_end(conversation=conversation)
        if created:
            transaction.on_commit(
                lambda: feedback_stored.send(sender=Feedback, conversation=conversation, feedback=feedback)
            )
    return feedback


def chat_start(
    *, user: User, partner: str, situation: str, custom_partner: str = "", custom_situation: str = ""
) -> Conversation:
    """A small-talk conversation with the partner and situation the learner chose."""
    partner_preset = find_preset(PARTNERS, partner)
    situation_preset = find_preset(SITUATIONS, situation)
    language = user.language
    partner_label = partner_preset.label(language) if partner_preset else custom_partner.strip()
    situation_label = situation_preset.label(language) if situation_preset else custom_situation.strip()
    metadata = {
        "partner": partner if partner != CUSTOM else "",
        "situation": situation if situation != CUSTOM else "",
        "custom_partner": custom_partner.strip() if partner == CUSTOM else "",
        "custom_situation": custom_situation.strip() if situation == CUSTOM else "",
        "language": user.language,
        "model": model_label(Purpose.CHAT_PARTNER),
        "demo": demo_mode(),
    }
    title = f"{partner_label}{TITLE_SEPARATOR.get(language, '・')}{situation_label}"
    return conversation_start(user=user, mode=Mode.CHAT, title=title, metadata=metadata)
