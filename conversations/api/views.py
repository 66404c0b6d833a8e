"""Chat for the mobile app: start, send (JSON or ``text/event-stream``), history, feedback, delete."""

from typing import Any

from asgiref.sync import async_to_sync
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import selectors, services
from conversations.api import serializers as s
from conversations.api.sse import EventStreamRenderer
from conversations.api.turns import ignore_events, post_feedback, post_message, reply_not_stored
from conversations.models import Conversation, Mode
from conversations.streaming import ReplyNotStoredError, generate_reply, message_payload
from core import ratelimits
from core.api import UNAVAILABLE


def conversation_detail_data(conversation: Conversation) -> dict[str, Any]:
    rows = selectors.conversation_messages(conversation=conversation)
    return {
        "conversation": s.ConversationSerializer(conversation).data,
        "messages": [message_payload(message) for message in rows],
        "feedback": selectors.feedback_for(conversation=conversation),
    }


class ChatStartView(APIView):
    @extend_schema(
        request=s.ChatStartSerializer, responses={201: s.ChatStartResponseSerializer, **UNAVAILABLE}, tags=["chat"]
    )
    def post(self, request: Request) -> Response:
        body = s.ChatStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        conversation = services.chat_start(user=request.user, **body.validated_data)  # type: ignore[arg-type]
        try:
            opening = async_to_sync(generate_reply)(conversation=conversation, emit=ignore_events)
        except ReplyNotStoredError:
            return reply_not_stored()
        data = {"conversation": s.ConversationSerializer(conversation).data, "messages": [message_payload(opening)]}
        return Response(data, status=status.HTTP_201_CREATED)


class ChatMessageView(APIView):
    renderer_classes = [JSONRenderer, EventStreamRenderer]
    rate_limits = (ratelimits.CHAT_MESSAGE,)

    @extend_schema(
        request=s.ChatMessageSerializer,
        responses={201: s.ChatMessageResponseSerializer, 200: s.ChatMessageResponseSerializer, **UNAVAILABLE},
        tags=["chat"],
        description=(
            "Send a line. With `Accept: text/event-stream` (or `stream: true`) the reply streams as server-sent "
            "events: chat.message.new, chat.typing.start, chat.token, chat.typing.stop, chat.message.done."
        ),
    )
    def post(self, request: Request) -> Any:
        return post_message(request, mode=Mode.CHAT)


class ChatHistoryView(generics.ListAPIView):
    serializer_class = s.ConversationSerializer

    def get_queryset(self) -> Any:
        query = self.request.query_params.get("q", "")[:100]
        return selectors.conversations_for_user(user=self.request.user, mode=Mode.CHAT, query=query)  # type: ignore[arg-type]

    @extend_schema(parameters=[OpenApiParameter("q", str, description="Search titles and message text")], tags=["chat"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ChatFeedbackView(APIView):
    budget_exempt = True  # feedback on what the learner said is never refused by the API budget

    @extend_schema(
        request=s.ConversationRefSerializer, responses={200: s.FeedbackResponseSerializer, **UNAVAILABLE}, tags=["chat"]
    )
    def post(self, request: Request) -> Response:
        return post_feedback(request, mode=Mode.CHAT)


class ChatSessionView(APIView):
    @extend_schema(responses={200: s.ConversationDetailSerializer}, tags=["chat"])
    def get(self, request: Request, conversation_id: str) -> Response:
        conversation = selectors.conversation_get(user=request.user, conversation_id=conversation_id)  # type: ignore[arg-type]
        return Response(conversation_detail_data(conversation))

    @extend_schema(responses={204: None}, tags=["chat"])
    def delete(self, request: Request, conversation_id: str) -> Response:
        services.conversation_delete(user=request.user, conversation_id=conversation_id)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
