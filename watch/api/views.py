"""Watch mode for the mobile app: start, watch live (SSE), join by share link, control, step in,
feedback, share link, transcript download."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.api.sse import EventStreamRenderer, wants_event_stream
from conversations.judging import NoLearnerLinesError
from core import ratelimits
from core.api import UNAVAILABLE
from core.languages import language_of
from core.sse import stream_position
from llm import LLMError
from llm.prompts import UserTextError
from watch import broadcast, selectors, services
from watch.api import serializers as s
from watch.api.sse import event_stream_response, reply_frames, sse_frame, watch_events
from watch.feedback import feedback_ask
from watch.models import WatchSession
from watch.transcripts import FORMATS, transcript_read

SHARE = OpenApiParameter("share", str, description="The share token (viewers who are not the owner)")
TAGS = ["watch"]


def _detail(request: Request, access: selectors.Access) -> dict[str, Any]:
    session = access.session
    share = f"?share={session.share_token}" if not access.owner and session.share_token else ""
    return {
        "session": selectors.session_payload(session),
        "messages": selectors.message_payloads(session=session),
        "viewers": broadcast.viewer_count(str(session.id)),
        "owner": access.owner,
        "feedback": session.feedback if access.owner else None,
        "share_url": request.build_absolute_uri(f"/watch/{session.id}/?share={session.share_token}")
        if access.owner and session.share_enabled
        else "",
        "stream_url": request.build_absolute_uri(f"/api/v1/watch/stream/{session.id}{share}"),
    }


def _consent_required(scenario: Any) -> dict[str, Any]:
    detail = _("This scenario covers harassment. Record your consent (POST scenarios/consent) before starting.")
    return {"detail": detail, "code": "consent_required", "scenario_id": scenario.pk}


def _without_consent(request: Request, access: selectors.Access) -> Response | None:
    """403 ``consent_required`` for someone who has not consented to the session's sensitive scenario."""
    scenario = selectors.consent_missing(user=request.user, session=access.session)
    return None if scenario is None else Response(_consent_required(scenario), status=status.HTTP_403_FORBIDDEN)


def _owned(request: Request, session_id: str) -> WatchSession:
    return selectors.watch_get_owned(user=request.user, session_id=session_id)


def _conflict(error: services.WatchStateError) -> Response:
    return Response({"detail": error.message}, status=status.HTTP_409_CONFLICT)


def _control(request: Request, session_id: str, change: Callable[[WatchSession], WatchSession]) -> Response:
    try:
        session = change(_owned(request, session_id))
    except services.WatchStateError as error:
        return _conflict(error)
    except services.WatchInputError as error:
        raise serializers.ValidationError({error.field: [error.message]}) from error
    return Response(_detail(request, selectors.Access(session, owner=True)))


class WatchStartView(APIView):
    rate_limits = (ratelimits.WATCH_START,)

    @extend_schema(
        request=s.WatchStartSerializer,
        responses={201: s.WatchDetailSerializer, 429: OpenApiResponse(description="Too many sessions (Retry-After)")},
        tags=TAGS,
        description="Start two personas talking. At most 2 sessions in progress and 5 starts a minute per user.",
    )
    def post(self, request: Request) -> Response:
        body = s.WatchStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            session = services.watch_start(user=request.user, **body.validated_data)  # type: ignore[arg-type]
        except services.StartLimitError as error:
            limited = {"detail": error.message, "retry_after": error.retry_after}
            response = Response(limited, status=status.HTTP_429_TOO_MANY_REQUESTS)
            response["Retry-After"] = str(error.retry_after)
            return response
        except services.WatchInputError as error:
            raise serializers.ValidationError({error.field: [error.message]}) from error
        except services.ConsentRequiredError as needed:
            return Response(_consent_required(needed.scenario), status=status.HTTP_403_FORBIDDEN)
        return Response(_detail(request, selectors.Access(session, owner=True)), status=status.HTTP_201_CREATED)


class WatchSessionsView(APIView):
    @extend_schema(responses={200: s.WatchSessionSerializer(many=True)}, tags=TAGS)
    def get(self, request: Request) -> Response:
        rows = selectors.watch_sessions_for_user(user=request.user)[:50]  # type: ignore[arg-type]
        return Response([selectors.session_payload(row) for row in rows])


class WatchSessionView(APIView):
    @extend_schema(parameters=[SHARE], responses={200: s.WatchDetailSerializer}, tags=TAGS)
    def get(self, request: Request, session_id: str) -> Response:
        access = selectors.watch_get(user=request.user, session_id=session_id, share_token=request.GET.get("share"))
        if (refused := _without_consent(request, access)) is not None:
            return refused
        return Response(_detail(request, access))


class WatchJoinView(APIView):
    @extend_schema(request=s.ShareTokenSerializer, responses={200: s.WatchDetailSerializer}, tags=TAGS)
    def post(self, request: Request, session_id: str) -> Response:
        body = s.ShareTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = body.validated_data["share_token"]
        access = selectors.watch_get(user=request.user, session_id=session_id, share_token=token)
        if (refused := _without_consent(request, access)) is not None:
            return refused
        services.watch_recover(session=access.session)
        return Response(_detail(request, access))


def _last_event_id(request: Request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    try:
        return stream_position(raw)
    except ValueError as error:
        raise serializers.ValidationError({"Last-Event-ID": ["A sequence number (digits) is expected."]}) from error


class WatchStreamView(APIView):
    renderer_classes = [JSONRenderer, EventStreamRenderer]

    @extend_schema(
        parameters=[
            SHARE,
            OpenApiParameter("Last-Event-ID", int, location=OpenApiParameter.HEADER, description="Resume after it"),
        ],
        responses={(200, "text/event-stream"): OpenApiResponse(description="watch.* events, each with its id")},
        tags=TAGS,
        description=(
            "Live events as server-sent events: watch.snapshot (or, with Last-Event-ID, the events after it), then "
            "watch.ai.message, watch.learner.message, watch.state, watch.commentary, watch.user.join/leave; "
            "watch.revoked (with a message) when the share link is disabled, just before the stream ends."
        ),
    )
    def get(self, request: Request, session_id: str) -> Any:
        access = selectors.watch_get(user=request.user, session_id=session_id, share_token=request.GET.get("share"))
        if (refused := _without_consent(request, access)) is not None:
            return refused
        last = _last_event_id(request)
        services.watch_recover(session=access.session)
        events = watch_events(
            str(access.session.id),
            owner=access.owner,
            name=request.user.name,  # type: ignore[union-attr]
            last_event_id=last,
            language=language_of(request.user),
        )
        return event_stream_response(events)


class WatchStopView(APIView):
    @extend_schema(request=None, responses={200: s.WatchDetailSerializer}, tags=TAGS)
    def post(self, request: Request, session_id: str) -> Response:
        return _control(request, session_id, lambda session: services.watch_stop(session=session))


class WatchPauseView(APIView):
    @extend_schema(request=None, responses={200: s.WatchDetailSerializer, 409: None}, tags=TAGS)
    def post(self, request: Request, session_id: str) -> Response:
        return _control(request, session_id, lambda session: services.watch_pause(session=session))


class WatchResumeView(APIView):
    @extend_schema(request=None, responses={200: s.WatchDetailSerializer, 409: None}, tags=TAGS)
    def post(self, request: Request, session_id: str) -> Response:
        return _control(request, session_id, lambda session: services.watch_resume(session=session))


class WatchPaceView(APIView):
    @extend_schema(request=s.PaceSerializer, responses={200: s.WatchDetailSerializer}, tags=TAGS)
    def post(self, request: Request, session_id: str) -> Response:
        body = s.PaceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pace = body.validated_data["pace"]
        return _control(request, session_id, lambda session: services.watch_set_pace(session=session, pace=pace))


class WatchStepInView(APIView):
    @extend_schema(request=s.StepInSerializer, responses={200: s.WatchDetailSerializer, 409: None}, tags=TAGS)
    def post(self, request: Request, session_id: str) -> Response:
        body = s.StepInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        seat = int(body.validated_data["seat"])
        return _control(request, session_id, lambda session: services.watch_step_in(session=session, seat=seat))


class WatchHaltView(APIView):
    @extend_schema(request=None, responses={200: s.WatchDetailSerializer, 409: None}, tags=TAGS)
    def post(self, request: Request, session_id: str) -> Response:
        return _control(request, session_id, lambda session: services.watch_halt(session=session))


class WatchShareView(APIView):
    @extend_schema(request=s.ShareSerializer, responses={200: s.WatchDetailSerializer}, tags=TAGS)
    def post(self, request: Request, session_id: str) -> Response:
        body = s.ShareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        enabled = body.validated_data["enabled"]
        return _control(request, session_id, lambda session: services.watch_share(session=session, enabled=enabled))


async def _wait_reply(session_id: str, learner_seq: int, name: str) -> dict[str, Any] | None:
    async def first_done() -> dict[str, Any] | None:
        async for frame in reply_frames(session_id, learner_seq=learner_seq, name=name):
            if frame.data.get("kind") == "done":
                return dict(frame.data["message"])
        return None

    try:
        async with asyncio.timeout(float(settings.LLM.get("TOTAL_TIMEOUT", 90)) + 15):
            return await first_done()
    except TimeoutError:
        return None


async def _line_events(session_id: str, learner: dict[str, Any], name: str) -> Any:
    yield sse_frame(broadcast.Frame({"type": broadcast.LEARNER_MESSAGE, "message": learner}))
    async for frame in reply_frames(session_id, learner_seq=learner["seq"], name=name):
        yield sse_frame(frame)


class WatchMessageView(APIView):
    renderer_classes = [JSONRenderer, EventStreamRenderer]
    rate_limits = (ratelimits.CHAT_MESSAGE,)

    @extend_schema(
        request=s.WatchLineSerializer,
        responses={201: s.WatchLineResponseSerializer, 200: s.WatchLineResponseSerializer, 409: None},
        tags=TAGS,
        description=(
            "After step-in: say the learner's line. With `Accept: text/event-stream` (or `stream: true`) the other "
            "persona's reply streams as server-sent events (watch.learner.message, then watch.ai.message)."
        ),
    )
    def post(self, request: Request, session_id: str) -> Any:
        body = s.WatchLineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        session = _owned(request, session_id)
        try:
            message, created = services.watch_say(
                session=session,
                text=body.validated_data["text"],
                client_id=body.validated_data.get("client_id") or None,
            )
        except UserTextError as error:
            raise serializers.ValidationError({"text": [error.message]}) from error
        except services.WatchStateError as error:
            return _conflict(error)
        learner = selectors.message_payload(message, session)
        name = request.user.name  # type: ignore[union-attr]
        if created and wants_event_stream(request, stream=body.validated_data["stream"]):
            streamed = event_stream_response(_line_events(str(session.id), learner, name))
            streamed.status_code = status.HTTP_201_CREATED  # the line was stored, as in JSON
            return streamed
        reply = async_to_sync(_wait_reply)(str(session.id), message.seq, name) if created else None
        data = {"message": learner, "reply": reply, "duplicate": not created}
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class WatchFeedbackView(APIView):
    budget_exempt = True  # feedback on what the learner said is never refused by the API budget

    @extend_schema(request=None, responses={200: s.WatchFeedbackResponseSerializer, **UNAVAILABLE}, tags=TAGS)
    def post(self, request: Request, session_id: str) -> Response:
        session = _owned(request, session_id)
        try:
            session = async_to_sync(feedback_ask)(session)
        except services.WatchStateError as error:
            return _conflict(error)
        except NoLearnerLinesError as error:
            message = "Say at least one thing after stepping in before asking for feedback."
            raise serializers.ValidationError({"session_id": [message]}) from error
        except LLMError as error:
            body = {"detail": error.user_message, "retryable": error.retryable}
            return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"session_id": str(session.id), "feedback": session.feedback})


class WatchCommentaryRetryView(APIView):
    @extend_schema(request=None, responses={202: None}, tags=TAGS, description="Ask for the commentary again")
    def post(self, request: Request, session_id: str) -> Response:
        services.commentary_retry(session=_owned(request, session_id))
        return Response(status=status.HTTP_202_ACCEPTED)


class WatchTranscriptView(APIView):
    @extend_schema(
        parameters=[SHARE, OpenApiParameter("type", str, enum=list(FORMATS), description="md (default) or json")],
        responses={(200, "text/markdown"): bytes, (200, "application/json"): bytes, 409: None},
        tags=TAGS,
    )
    def get(self, request: Request, session_id: str) -> Any:
        access = selectors.watch_get(user=request.user, session_id=session_id, share_token=request.GET.get("share"))
        fmt = request.GET.get("type", "md")
        if fmt not in FORMATS:
            raise serializers.ValidationError({"type": ["Use md or json."]})
        if not access.session.is_ended:
            return Response({"detail": "The transcript is ready once the session has ended."}, status=409)
        response = HttpResponse(transcript_read(access.session, fmt), content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="watch-{access.session.id}.{fmt}"'
        return response
