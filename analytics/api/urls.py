"""Analytics API routes, mounted at ``/api/v1/``."""

from django.urls import URLPattern, path

from analytics.api import views

urlpatterns: list[URLPattern] = [
    path("analytics/strengths", views.StrengthsView.as_view(), name="api-analytics-strengths"),
    path("analytics/progress", views.ProgressView.as_view(), name="api-analytics-progress"),
    path("analytics/report", views.ReportView.as_view(), name="api-analytics-report"),
    path("analytics/export", views.ExportView.as_view(), name="api-analytics-export"),
    path("analytics/teams", views.TeamListView.as_view(), name="api-analytics-teams"),
    path("analytics/teams/<int:team_id>", views.TeamDetailView.as_view(), name="api-analytics-team"),
]
