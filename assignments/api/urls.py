"""Assignment API routes, mounted at ``/api/v1/``."""

from django.urls import URLPattern, path

from assignments.api import views

urlpatterns: list[URLPattern] = [
    path("assignments", views.MyAssignmentListView.as_view(), name="api-assignments"),
    path("assignments/<int:assignment_id>", views.MyAssignmentDetailView.as_view(), name="api-assignment"),
    path("trainer/assignments", views.TrainerAssignmentListView.as_view(), name="api-trainer-assignments"),
    path(
        "trainer/assignments/<int:assignment_id>",
        views.TrainerAssignmentDetailView.as_view(),
        name="api-trainer-assignment",
    ),
    path(
        "trainer/assignments/<int:assignment_id>/progress",
        views.TrainerProgressView.as_view(),
        name="api-trainer-assignment-progress",
    ),
    path(
        "trainer/assignments/<int:assignment_id>/progress.csv",
        views.TrainerProgressCsvView.as_view(),
        name="api-trainer-assignment-csv",
    ),
]
