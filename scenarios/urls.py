from django.urls import path

from scenarios import views

app_name = "scenarios"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/consent/", views.consent, name="consent"),
    path("play/<str:conversation_id>/", views.play_page, name="play"),
    path("play/<str:conversation_id>/hint/", views.hint, name="hint"),
]
