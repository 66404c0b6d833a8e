from django.urls import path

from watch import views

app_name = "watch"

urlpatterns = [
    path("", views.home, name="home"),
    path("<str:session_id>/", views.detail, name="detail"),
    path("<str:session_id>/share/", views.share, name="share"),
    path("<str:session_id>/feedback/", views.feedback, name="feedback"),
    path("<str:session_id>/commentary/", views.commentary, name="commentary"),
    path("<str:session_id>/transcript.<str:fmt>", views.download, name="download"),
]
