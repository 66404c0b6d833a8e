from django.urls import path

from watch.api import views

urlpatterns = [
    path("watch/start", views.WatchStartView.as_view(), name="api-watch-start"),
    path("watch/sessions", views.WatchSessionsView.as_view(), name="api-watch-sessions"),
    path("watch/session/<str:session_id>", views.WatchSessionView.as_view(), name="api-watch-session"),
    path("watch/stream/<str:session_id>", views.WatchStreamView.as_view(), name="api-watch-stream"),
    path("watch/join/<str:session_id>", views.WatchJoinView.as_view(), name="api-watch-join"),
    path("watch/stop/<str:session_id>", views.WatchStopView.as_view(), name="api-watch-stop"),
    path("watch/pause/<str:session_id>", views.WatchPauseView.as_view(), name="api-watch-pause"),
    path("watch/resume/<str:session_id>", views.WatchResumeView.as_view(), name="api-watch-resume"),
    path("watch/pace/<str:session_id>", views.WatchPaceView.as_view(), name="api-watch-pace"),
    path("watch/step-in/<str:session_id>", views.WatchStepInView.as_view(), name="api-watch-step-in"),
    path("watch/halt/<str:session_id>", views.WatchHaltView.as_view(), name="api-watch-halt"),
    path("watch/message/<str:session_id>", views.WatchMessageView.as_view(), name="api-watch-message"),
    path("watch/feedback/<str:session_id>", views.WatchFeedbackView.as_view(), name="api-watch-feedback"),
    path("watch/share/<str:session_id>", views.WatchShareView.as_view(), name="api-watch-share"),
    path("watch/commentary/<str:session_id>", views.WatchCommentaryRetryView.as_view(), name="api-watch-commentary"),
    path("watch/transcript/<str:session_id>", views.WatchTranscriptView.as_view(), name="api-watch-transcript"),
]
