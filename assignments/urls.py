from django.urls import path

from assignments import views

app_name = "assignments"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("trainer/", views.trainer_list, name="trainer-list"),
    path("trainer/new/", views.trainer_create, name="trainer-create"),
    path("trainer/<int:assignment_id>/", views.trainer_detail, name="trainer-detail"),
    path("trainer/<int:assignment_id>/edit/", views.trainer_edit, name="trainer-edit"),
    path("trainer/<int:assignment_id>/state/", views.trainer_state, name="trainer-state"),
    path("trainer/<int:assignment_id>/progress.csv", views.trainer_csv, name="trainer-csv"),
    path("trainer/<int:assignment_id>/learners/<str:user_id>/", views.trainer_learner, name="trainer-learner"),
    path("trainer/transcripts/<str:conversation_id>/", views.trainer_transcript, name="trainer-transcript"),
]
