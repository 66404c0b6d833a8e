from django.urls import path

from watch.consumers import WatchConsumer

websocket_urlpatterns = [
    path("ws/watch/<str:session_id>", WatchConsumer.as_asgi()),
]
