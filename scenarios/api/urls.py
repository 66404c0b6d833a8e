from django.urls import path

from scenarios.api import views

urlpatterns = [
    path("scenarios", views.ScenarioListView.as_view(), name="api-scenario-list"),
    path("scenarios/<int:pk>", views.ScenarioDetailView.as_view(), name="api-scenario-detail"),
]
