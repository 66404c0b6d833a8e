"""Reads of conversations and messages, always scoped to the user who owns them."""

from typing import Any
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import User
from conversations import turns
from conversations.models import Conversation, Feedback, Message, Role, Status


def conversation_get(
    *, user: User | AnonymousUser, conversation_id: UUID | str, mode: str | None = None
) -> Conversation:
    """The user's own conversation, or Http404 (also for another user's id or a malformed id)."""
    if not isinstance(user, User):
        raise Http404("No such conversation")
    try:
        queryset = Conversation.objects.filter(user=user, id=conversation_id)
        if mode:
            queryset = queryset.filter(mode=mode)
        return queryset.get()
    except (Conversation.DoesNotExist, ValidationError, ValueError, TypeError) as error:
        raise Http404("No such conversation") from error


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.order_by("created_at", "id")


def conversation_history(*, conversation_id: UUID | str) -> list[dict[str, str]]:
    """The turns a prompt is built from, read from the database (one indexed query).

    Failed replies and empty turns are left out; an interrupted reply keeps its partial text. Not
    cached: the live path reads it right after writing a turn, and the judge once per session, so
    a cache would only add a round trip to Redis on every line stored.
    """
    rows = turns.spoken(Message.objects.filter(conversation_id=conversation_id)).order_by("created_at", "id")
    return turns.prompt_history(rows.only("role", "content"), role_of=lambda message: message.role)


def conversations_for_user(*, user: User, mode: str | None = None, query: str = "") -> QuerySet[Conversation]:
    """The user's journal, newest first; ``query`` matches titles and message text (Japanese too)."""
    queryset = Conversation.objects.filter(user=user)
    if mode:
        queryset = queryset.filter(mode=mode)
    query = query.strip()
    if query:
        matching = Message.objects.filter(conversation__user=user, content__icontains=query).values("conversation_id")
        queryset = queryset.filter(Q(title__icontains=query) | Q(id__in=matching))
    return queryset.annotate(message_count=Count("messages")).order_by("-started_at")


def learner_lines(*, conversation: Conversation) -> list[str]:
    return list(conversation.messages.filter(role=Role.USER).order_by("created_at").values_list("content", flat=True))


def feedback_get(*, conversation_id: UUID | str) -> Feedback | None:
    """The stored feedback of a conversation (read afresh, not from a cached relation)."""
    return Feedback.objects.filter(conversation_id=conversation_id).first()


def feedback_for(*, conversation: Conversation) -> dict[str, Any] | None:
    feedback = getattr(conversation, "feedback", None)
    return feedback.content if feedback is not None else None


RETRY_CLOSED, RETRY_NOT_LAST = "closed", "not_last"


def retry_refusal(*, conversation_id: UUID | str, message_id: str | None = None) -> str | None:
    """Why the partner's reply may not be asked for again, or None when it may.

    Only the conversation's last message may be retried, while it is the last, when it is a reply
    that was cut off or failed and the conversation is still open; ``message_id`` (the reply the
    learner pressed Retry on) must name that message.
    """
    if Conversation.objects.filter(id=conversation_id, ended_at__isnull=False).exists():
        return RETRY_CLOSED
    last = Message.objects.filter(conversation_id=conversation_id).order_by("-created_at", "-id").first()
    retryable = last is not None and last.role == Role.ASSISTANT and last.status in (Status.INTERRUPTED, Status.FAILED)
    if not retryable or (message_id is not None and str(last.id) != message_id):  # type: ignore[union-attr]
        return RETRY_NOT_LAST
    return None
