from django.urls import path

from conversations import views

app_name = "conversations"

urlpatterns = [
    path("", views.chat_home, name="chat"),
    path("journal/", views.journal, name="journal"),
    path("<str:conversation_id>/", views.detail, name="detail"),
    path("<str:conversation_id>/feedback/", views.feedback, name="feedback"),
    path("<str:conversation_id>/delete/", views.delete, name="delete"),
    path("<str:conversation_id>/share-with-trainer/", views.share_with_trainer, name="share-with-trainer"),
]
