"""The request handlers every mode built on the chat engine shares (chat, scenarios): a learner's
line with its reply, and feedback on the conversation. Each mode's view calls them with its mode."""

from typing import Any

from asgiref.sync import async_to_sync
from django.db import DatabaseError, connection
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from conversations import selectors, services
from conversations.api import serializers as s
from conversations.api.sse import reply_stream_response, wants_event_stream
from conversations.judging import NoLearnerLinesError, feedback_generate
from conversations.models import Conversation
from conversations.personas import persona_for
from conversations.streaming import (
    ReplyNotStoredError,
    generate_reply,
    line_not_stored_message,
    message_payload,
    store_failed_message,
    take_line,
)
from core.db import release_connection
from llm import LLMError
from llm.prompts import UserTextError


async def ignore_events(event: dict[str, Any]) -> None:
    return None


def _valid_request(
    request: Request, serializer: type[serializers.Serializer], mode: str
) -> tuple[dict[str, Any], Conversation]:
    """The request's validated body and the caller's own conversation it names, in ``mode`` (404 otherwise)."""
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    conversation = selectors.conversation_get(
        user=request.user,
        conversation_id=body.validated_data["conversation_id"],
        mode=mode,  # type: ignore[arg-type]
    )
    return body.validated_data, conversation


def post_message(request: Request, *, mode: str) -> Any:
    """Store the learner's line, then answer with the reply as JSON or as a live event stream."""
    data, conversation = _valid_request(request, s.ChatMessageSerializer, mode)
    persona = persona_for(conversation)
    # The request's connection goes back to the pool before the reply streams (a burst would
    # otherwise hold every connection for seconds); the line is stored on the event loop, or on
    # this connection when it is inside a transaction.
    in_transaction = connection.in_atomic_block
    release_connection()
    try:
        taken = async_to_sync(take_line)(
            conversation, persona, text=data["text"], client_id=data.get("client_id"), in_transaction=in_transaction
        )
    except UserTextError as error:
        raise serializers.ValidationError({"text": [error.message]}) from error
    except services.ConversationClosedError as error:
        raise serializers.ValidationError({"conversation_id": [error.message]}, code=error.code) from error
    except DatabaseError:
        return line_not_stored()
    message, created = taken.message, taken.created
    if created and wants_event_stream(request, stream=data["stream"]):
        streamed = reply_stream_response(conversation, message, taken.prepared)
        streamed.status_code = status.HTTP_201_CREATED  # the line was stored, as in JSON
        return streamed
    try:
        reply = (
            async_to_sync(generate_reply)(conversation=conversation, emit=ignore_events, prepared=taken.prepared)
            if created
            else None
        )
    except ReplyNotStoredError:
        return reply_not_stored()
    answer = {
        "message": message_payload(message),
        "reply": message_payload(reply) if reply else None,
        "duplicate": not created,
    }
    return Response(answer, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def line_not_stored() -> Response:
    """The database failed before the learner's line was stored: nothing was kept; send it again."""
    body = {"detail": line_not_stored_message(), "retryable": True}
    return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"})


def reply_not_stored() -> Response:
    """The database failed during the reply (the learner's line is stored): try again shortly."""
    body = {"detail": store_failed_message(), "retryable": True}
    return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"})


def post_feedback(request: Request, *, mode: str, points: list[str] | None = None, context: str = "") -> Response:
    _data, conversation = _valid_request(request, s.ConversationRefSerializer, mode)
    try:
        feedback = async_to_sync(feedback_generate)(conversation, points=points, context=context)
    except NoLearnerLinesError as error:
        raise serializers.ValidationError(
            {"conversation_id": [_("Say at least one thing before asking for feedback.")]}
        ) from error
    except LLMError as error:
        return Response(
            {"detail": error.user_message, "retryable": error.retryable}, status=status.HTTP_503_SERVICE_UNAVAILABLE
        )
    return Response({"conversation_id": str(conversation.id), "feedback": feedback.content})
