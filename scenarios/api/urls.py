from django.urls import path

from scenarios.api import play, views

urlpatterns = [
    path("scenarios/start", play.ScenarioStartView.as_view(), name="api-scenario-start"),
    path("scenarios/message", play.ScenarioMessageView.as_view(), name="api-scenario-message"),
    path("scenarios/feedback", play.ScenarioFeedbackView.as_view(), name="api-scenario-feedback"),
    path("scenarios/hint", play.ScenarioHintView.as_view(), name="api-scenario-hint"),
    path("scenarios/consent", play.ScenarioConsentView.as_view(), name="api-scenario-consent"),
    path("scenarios", views.ScenarioListView.as_view(), name="api-scenario-list"),
    path("scenarios/<int:pk>", views.ScenarioDetailView.as_view(), name="api-scenario-detail"),
]
