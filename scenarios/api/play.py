"""Playing a scenario from the mobile app: consent, start, message (JSON or event stream), hint, feedback."""

from typing import Any

from asgiref.sync import async_to_sync
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.api import serializers as cs
from conversations.api.sse import EventStreamRenderer
from conversations.api.turns import ignore_events, post_feedback, post_message, reply_not_stored
from conversations.judging import hint_generate
from conversations.models import Mode
from conversations.selectors import conversation_get
from conversations.streaming import ReplyNotStoredError, generate_reply, message_payload
from core import ratelimits
from core.api import UNAVAILABLE, StrictIntegerField
from llm import LLMError
from scenarios import selectors, services
from scenarios.play import ConsentRequiredError, rubric_payload, scenario_play_start, warning_payload


class ScenarioRefSerializer(serializers.Serializer):
    scenario_id = StrictIntegerField(min_value=1)


class HintSerializer(serializers.Serializer):
    hint = serializers.CharField()
    example = serializers.CharField(allow_blank=True)


def _scenario(request: Request) -> Any:
    body = ScenarioRefSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return selectors.scenario_get_for_learner(
        user=request.user, scenario_id=body.validated_data["scenario_id"], allow_preview=False
    )


class ScenarioConsentView(APIView):
    @extend_schema(
        request=ScenarioRefSerializer,
        responses={204: None},
        tags=["scenarios"],
        description="Record the learner's consent to a sensitive (harassment-prevention) scenario.",
    )
    def post(self, request: Request) -> Response:
        services.scenario_consent_record(user=request.user, scenario=_scenario(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScenarioStartView(APIView):
    rate_limits = (ratelimits.SCENARIO_START,)

    @extend_schema(
        request=ScenarioRefSerializer,
        responses={201: cs.ChatStartResponseSerializer, **UNAVAILABLE},
        tags=["scenarios"],
        description="Start a play; the character's opening line is the first message. 403 without consent.",
    )
    def post(self, request: Request) -> Response:
        try:
            conversation = scenario_play_start(user=request.user, scenario=_scenario(request))
        except ConsentRequiredError:
            detail = "This scenario covers harassment. Record your consent (POST scenarios/consent) before starting."
            return Response({"detail": detail, "code": "consent_required"}, status=status.HTTP_403_FORBIDDEN)
        rows = [message_payload(message) for message in conversation.messages.order_by("created_at")]
        if not rows and not conversation.metadata.get("learner_opens"):  # no scripted line: the character opens
            try:
                rows = [message_payload(async_to_sync(generate_reply)(conversation=conversation, emit=ignore_events))]
            except ReplyNotStoredError:
                return reply_not_stored()
        return Response({"conversation": cs.ConversationSerializer(conversation).data, "messages": rows}, status=201)


class ScenarioMessageView(APIView):
    renderer_classes = [JSONRenderer, EventStreamRenderer]
    rate_limits = (ratelimits.CHAT_MESSAGE,)

    @extend_schema(
        request=cs.ChatMessageSerializer,
        responses={201: cs.ChatMessageResponseSerializer, 200: cs.ChatMessageResponseSerializer, **UNAVAILABLE},
        tags=["scenarios"],
        description="Send a line; with `Accept: text/event-stream` the reply streams as chat.* events.",
    )
    def post(self, request: Request) -> Any:
        return post_message(request, mode=Mode.SCENARIO)


class ScenarioFeedbackView(APIView):
    budget_exempt = True  # feedback on what the learner said is never refused by the API budget

    @extend_schema(
        request=cs.ConversationRefSerializer,
        responses={200: cs.FeedbackResponseSerializer, **UNAVAILABLE},
        tags=["scenarios"],
        description=(
            "End the play and score the learner's lines on the scenario's rubric, feedback points and the six axes; "
            "`rubric` holds the weighted total, the threshold, `passed`, the graded message and each criterion "
            "(null when the scenario has no rubric). `feedback.concerns` lists the learner's lines that may be "
            "harassment, each quoted with a reason; `warning` is the scenario's warning message when there is "
            "such a line (empty otherwise, or when the scenario has none; also in `rubric.warning`)."
        ),
    )
    def post(self, request: Request) -> Response:
        response = post_feedback(request, mode=Mode.SCENARIO)
        if response.status_code == status.HTTP_200_OK:
            conversation_id = response.data["conversation_id"]
            response.data["rubric"] = rubric_payload(user=request.user, conversation_id=conversation_id)
            response.data["warning"] = warning_payload(user=request.user, conversation_id=conversation_id)
        return response


class ScenarioHintView(APIView):
    @extend_schema(
        request=cs.ConversationRefSerializer, responses={200: HintSerializer, **UNAVAILABLE}, tags=["scenarios"]
    )
    def post(self, request: Request) -> Response:
        body = cs.ConversationRefSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        conversation = conversation_get(
            user=request.user, conversation_id=body.validated_data["conversation_id"], mode=Mode.SCENARIO
        )  # type: ignore[arg-type]
        try:
            hint = async_to_sync(hint_generate)(conversation)
        except LLMError as error:
            return Response({"detail": error.user_message, "retryable": error.retryable}, status=503)
        return Response(hint.model_dump())
