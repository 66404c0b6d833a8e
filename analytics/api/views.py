"""Analytics API for the mobile app; every answer is about the caller (or a team they train).

Figures are cached per user (strengths 5 minutes, progress 15 minutes, report 1 hour) and
forgotten as soon as a new analysis lands.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.requests import signed_in_user
from analytics import selectors
from analytics.api.serializers import (
    ExportQuerySerializer,
    PeriodQuerySerializer,
    ProgressSerializer,
    ReportSummarySerializer,
    StrengthsSerializer,
    TeamOverviewSerializer,
)
from analytics.cache import PROGRESS_TTL, REPORT_TTL, STRENGTHS_TTL, cached
from analytics.export import export_file
from core import ratelimits
from core.api import query_data

FIELD_ERRORS = OpenApiResponse(description="Invalid query parameter: `{field: [message, ...]}`.")
NOT_FOUND = OpenApiResponse(description="Not found (or not yours).")


def _query(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=query_data(request))
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class StrengthsView(APIView):
    rate_limits = (ratelimits.ANALYTICS,)

    @extend_schema(
        tags=["analytics"],
        summary="My latest strength analysis and each axis' history",
        responses={200: StrengthsSerializer},
    )
    def get(self, request: Request) -> Response:
        user = signed_in_user(request)
        return Response(
            cached(user.pk, "strengths", STRENGTHS_TTL, lambda: selectors.strengths_summary(user_id=user.pk))
        )


class ProgressView(APIView):
    rate_limits = (ratelimits.ANALYTICS,)

    @extend_schema(
        tags=["analytics"],
        summary="My progress over a period: sessions, minutes, axis averages",
        parameters=[PeriodQuerySerializer],
        responses={200: ProgressSerializer, 400: FIELD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        user, period = signed_in_user(request), _query(PeriodQuerySerializer, request)["period"]
        data = cached(
            user.pk, "progress", PROGRESS_TTL, lambda: selectors.progress_series(user_id=user.pk, period=period), period
        )
        return Response(data)


class ReportView(APIView):
    rate_limits = (ratelimits.ANALYTICS,)

    @extend_schema(
        tags=["analytics"],
        summary="A summary of a period: sessions, minutes, axis changes, suggestions",
        parameters=[PeriodQuerySerializer],
        responses={200: ReportSummarySerializer, 400: FIELD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        user, period = signed_in_user(request), _query(PeriodQuerySerializer, request)["period"]
        data = cached(
            user.pk, "report", REPORT_TTL, lambda: selectors.report_for_user(user_id=user.pk, period=period), period
        )
        return Response(data)


class IgnoreFormatNegotiation(DefaultContentNegotiation):
    """``?format=`` names the export's file format here, not a DRF renderer."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return (renderers[0], renderers[0].media_type)


class ExportView(APIView):
    rate_limits = (ratelimits.ANALYTICS,)
    content_negotiation_class = IgnoreFormatNegotiation

    @extend_schema(
        tags=["analytics"],
        summary="Download my data: conversations, messages, feedback, analyses and reports",
        description="`format=json`: one JSON document. `format=csv`: a zip of CSV files (one per kind).",
        parameters=[ExportQuerySerializer],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/zip"): OpenApiTypes.BINARY,
            400: FIELD_ERRORS,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        user, fmt = signed_in_user(request), _query(ExportQuerySerializer, request)["format"]
        content, content_type, name = export_file(user, fmt)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class TeamListView(APIView):
    rate_limits = (ratelimits.ANALYTICS,)

    @extend_schema(
        tags=["analytics"],
        summary="Aggregates of the teams I train (trainers only)",
        responses={200: TeamOverviewSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        user = signed_in_user(request)
        if not user.is_trainer:
            raise Http404("No teams.")
        return Response([selectors.team_overview(team=team) for team in selectors.teams_for_trainer(user=user)])


class TeamDetailView(APIView):
    rate_limits = (ratelimits.ANALYTICS,)

    @extend_schema(
        tags=["analytics"],
        summary="Aggregates of one team I train",
        responses={200: TeamOverviewSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get_for_trainer(user=signed_in_user(request), team_id=team_id)
        return Response(selectors.team_overview(team=team))
