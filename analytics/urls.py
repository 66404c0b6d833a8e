from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.progress, name="progress"),
    path("journal/", views.journal, name="journal"),
    path("journal/<str:kind>/<str:session_id>/", views.journal_row, name="journal-row"),
    path("journal/<str:kind>/<str:session_id>/analyse/", views.journal_analyse, name="journal-analyse"),
    path("reports/", views.reports, name="reports"),
    path("reports/make/", views.report_make, name="report-make"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
    path("reports/<int:report_id>/download/", views.report_download, name="report-download"),
    path("export/", views.export, name="export"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/", views.team_detail, name="team"),
]
