"""``GET /api/v1/scenarios`` (cached, filtered, paginated) and ``GET /api/v1/scenarios/{id}``."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import query_data
from scenarios import selectors
from scenarios.api.serializers import (
    ScenarioDetailSerializer,
    ScenarioListQuerySerializer,
    ScenarioSerializer,
    with_learner_fields,
)
from scenarios.cache import CATALOG_TTL_SECONDS, catalog_version
from scenarios.models import Scenario


def _list_cache_key(request: Request, query: dict[str, Any]) -> str:
    shape = repr((request.get_host(), request.path, sorted(query.items())))
    digest = hashlib.sha256(shape.encode()).hexdigest()[:32]
    return f"scenarios:api:list:{catalog_version()}:{translation.get_language()}:{digest}"


def _reader_language(request: Request) -> str | None:
    """The signed-in reader's own language (as on pages), else the request's."""
    language = getattr(request.user, "language", None) if request.user.is_authenticated else None
    return str(language) if language else translation.get_language()


class ScenarioListView(generics.ListAPIView):
    """Published scenarios: filter by difficulty, category, tag; ``search`` matches title, description and tags."""

    serializer_class = ScenarioSerializer

    def _query(self) -> dict[str, Any]:
        query = ScenarioListQuerySerializer(data=query_data(self.request))
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)

    def get_queryset(self) -> QuerySet[Scenario]:
        return selectors.published_scenarios(selectors.CatalogFilters.from_data(self._query()))

    @extend_schema(parameters=[ScenarioListQuerySerializer], summary="List published scenarios")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with translation.override(_reader_language(request)):
            return self._list(request)

    def _list(self, request: Request) -> Response:
        key = _list_cache_key(request, self._query())
        data = cache.get(key)
        if data is None:
            page = self.paginate_queryset(self.get_queryset())
            data = self.get_paginated_response(self.get_serializer(page, many=True).data).data
            cache.set(key, data, CATALOG_TTL_SECONDS)
        ids = [item["id"] for item in data["results"]]
        with_learner_fields(
            data["results"],
            counts=selectors.scenario_practised_counts(user=request.user, scenario_ids=ids),
            consented=selectors.scenario_consented_ids(user=request.user, scenario_ids=ids),
        )
        return Response(data)


class ScenarioDetailView(generics.RetrieveAPIView):
    """One published scenario with its roles, situation and feedback points (drafts are 404)."""

    serializer_class = ScenarioDetailSerializer

    def get_object(self) -> Scenario:
        return selectors.scenario_get_for_learner(
            user=self.request.user, scenario_id=int(self.kwargs["pk"]), allow_preview=False
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if "pk" in self.kwargs:
            ids = [int(self.kwargs["pk"])]
            context["practised_counts"] = selectors.scenario_practised_counts(user=self.request.user, scenario_ids=ids)
            context["consented_ids"] = selectors.scenario_consented_ids(user=self.request.user, scenario_ids=ids)
        return context

    @extend_schema(summary="One published scenario")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with translation.override(_reader_language(request)):
            return super().get(request, *args, **kwargs)
