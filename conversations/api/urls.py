from django.urls import path

from conversations.api import views

urlpatterns = [
    path("chat/start", views.ChatStartView.as_view(), name="api-chat-start"),
    path("chat/message", views.ChatMessageView.as_view(), name="api-chat-message"),
    path("chat/history", views.ChatHistoryView.as_view(), name="api-chat-history"),
    path("chat/feedback", views.ChatFeedbackView.as_view(), name="api-chat-feedback"),
    path("chat/session/<str:conversation_id>", views.ChatSessionView.as_view(), name="api-chat-session"),
]
