"""Assignment API for the mobile app: a learner's own assignments; a trainer's assignments,
their progress table and its CSV. A trainer endpoint answers 404 to anyone who is not a trainer,
and for an assignment the trainer does not manage."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.requests import signed_in_user
from accounts.models import User
from assignments import selectors, services
from assignments.api.serializers import (
    AssignmentPatchSerializer,
    AssignmentProgressSerializer,
    AssignmentSerializer,
    AssignmentWriteSerializer,
    MyAssignmentSerializer,
    ProgressQuerySerializer,
)
from assignments.exports import rows_csv
from assignments.models import Assignment
from assignments.rounds import round_at
from core.api import query_data

FIELD_ERRORS = OpenApiResponse(description="Invalid input: `{field: [message, ...]}`; nothing is stored.")
NOT_FOUND = OpenApiResponse(description="Not found (or not yours; every trainer endpoint for a non-trainer).")


def _trainer(request: Request) -> User:
    user = signed_in_user(request)
    if not user.is_trainer:
        raise Http404("Not a trainer.")
    return user


def _field_errors(error: ValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(
        {name: [str(m) for e in errs for m in e.messages] for name, errs in error.error_dict.items()}
    )


class MyAssignmentListView(APIView):
    @extend_schema(
        tags=["assignments"],
        summary="My assignments with their status, newest due first",
        responses={200: MyAssignmentSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        mine = selectors.my_assignments(user=signed_in_user(request))
        return Response([item.as_dict() for item in mine])


class MyAssignmentDetailView(APIView):
    @extend_schema(
        tags=["assignments"],
        summary="One of my assignments with its status",
        responses={200: MyAssignmentSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, assignment_id: int) -> Response:
        return Response(
            selectors.my_assignment_get(user=signed_in_user(request), assignment_id=assignment_id).as_dict()
        )


def _prefetched(queryset: Any) -> Any:
    return queryset.select_related("created_by").prefetch_related("steps", "teams", "learners")


class TrainerAssignmentListView(APIView):
    @extend_schema(
        tags=["assignments"],
        summary="The assignments I manage (trainers)",
        responses={200: AssignmentSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        assignments = _prefetched(selectors.assignments_for_trainer(user=_trainer(request))).order_by("-due_at", "-pk")
        return Response(AssignmentSerializer(assignments, many=True).data)

    @extend_schema(
        tags=["assignments"],
        summary="Assign a scenario or a learning path to teams and learners (trainers)",
        description="`steps` in order: one scenario, or several for a learning path (no scenario twice, "
        "published ones only). Teams must be ones you train and learners members of them (a superuser: "
        "anyone). `due_at` after `starts_at` (within one period for a recurring one). `title` defaults to "
        "the first scenario's.",
        request=AssignmentWriteSerializer,
        responses={201: AssignmentSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def post(self, request: Request) -> Response:
        trainer = _trainer(request)
        serializer = AssignmentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            assignment = services.assignment_create(trainer=trainer, spec=serializer.spec())
        except ValidationError as error:
            raise _field_errors(error) from error
        return Response(AssignmentSerializer(_prefetched(Assignment.objects).get(pk=assignment.pk)).data, status=201)


class TrainerAssignmentDetailView(APIView):
    @extend_schema(
        tags=["assignments"],
        summary="One assignment I manage (trainers)",
        responses={200: AssignmentSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, assignment_id: int) -> Response:
        assignment = selectors.assignment_get_for_trainer(user=_trainer(request), assignment_id=assignment_id)
        return Response(AssignmentSerializer(_prefetched(Assignment.objects).get(pk=assignment.pk)).data)

    @extend_schema(
        tags=["assignments"],
        summary="Change an assignment, or pause, resume or close it (`state`) (trainers)",
        request=AssignmentPatchSerializer,
        responses={200: AssignmentSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def patch(self, request: Request, assignment_id: int) -> Response:
        trainer = _trainer(request)
        assignment = selectors.assignment_get_for_trainer(user=trainer, assignment_id=assignment_id)
        serializer = AssignmentPatchSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        state = serializer.validated_data.pop("state", None)
        try:
            with transaction.atomic():
                if serializer.validated_data:
                    base = services.assignment_spec(assignment)
                    services.assignment_update(trainer=trainer, assignment=assignment, spec=serializer.spec(base))
                if state is not None:
                    services.assignment_state_set(trainer=trainer, assignment=assignment, state=state)
        except ValidationError as error:
            raise _field_errors(error) from error
        return Response(AssignmentSerializer(_prefetched(Assignment.objects).get(pk=assignment.pk)).data)


def _rows(request: Request, trainer: User, assignment: Assignment) -> tuple[list[Any], list[Any]]:
    query = ProgressQuerySerializer(data=query_data(request))
    query.is_valid(raise_exception=True)
    filters = query.validated_data
    all_rows = selectors.learner_rows(assignment=assignment, viewer=trainer)
    rows = selectors.filter_rows(
        all_rows,
        status=filters.get("status", ""),
        team=filters.get("team", ""),
        sort=filters.get("sort", "status"),
        descending=filters.get("desc", False),
    )
    return all_rows, rows


class TrainerProgressView(APIView):
    @extend_schema(
        tags=["assignments"],
        summary="Every assigned learner's status and results, team averages and completion (trainers)",
        parameters=[ProgressQuerySerializer],
        responses={200: AssignmentProgressSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def get(self, request: Request, assignment_id: int) -> Response:
        trainer = _trainer(request)
        assignment = selectors.assignment_get_for_trainer(user=trainer, assignment_id=assignment_id)
        all_rows, rows = _rows(request, trainer, assignment)
        round_ = round_at(assignment, timezone.now())
        return Response(
            {
                "assignment": AssignmentSerializer(_prefetched(Assignment.objects).get(pk=assignment.pk)).data,
                "round": {"index": round_.index, "starts_at": round_.starts_at, "due_at": round_.due_at},
                "counts": selectors.status_counts(all_rows),
                "learners": [row.as_dict() for row in rows],
                "criteria": selectors.criteria_by_team(assignment=assignment, viewer=trainer),
                "completion": selectors.completion_over_time(assignment=assignment, viewer=trainer, rows=all_rows),
            }
        )


class CsvNegotiation(DefaultContentNegotiation):
    """The answer is always the CSV file (errors are JSON)."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return (renderers[0], renderers[0].media_type)


class TrainerProgressCsvView(APIView):
    content_negotiation_class = CsvNegotiation

    @extend_schema(
        tags=["assignments"],
        summary="The progress table as CSV (UTF-8 with a BOM), same filters and order (trainers)",
        parameters=[ProgressQuerySerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def get(self, request: Request, assignment_id: int) -> HttpResponse:
        trainer = _trainer(request)
        assignment = selectors.assignment_get_for_trainer(user=trainer, assignment_id=assignment_id)
        _all, rows = _rows(request, trainer, assignment)
        response = HttpResponse(rows_csv(rows), content_type="text/csv; charset=utf-8", status=status.HTTP_200_OK)
        response["Content-Disposition"] = f'attachment; filename="assignment-{assignment.pk}.csv"'
        return response
