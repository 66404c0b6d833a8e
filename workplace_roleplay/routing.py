"""WebSocket routing: origin check, then session-cookie or JWT authentication, then the apps' routes."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter

from accounts.ws_auth import JWTAuthMiddleware
from conversations.routing import websocket_urlpatterns as conversation_routes
from core.ws_security import OriginOrBearerValidator
from watch.routing import websocket_urlpatterns as watch_routes

websocket_urlpatterns: list = [*conversation_routes, *watch_routes]

websocket_application = OriginOrBearerValidator(
    AuthMiddlewareStack(JWTAuthMiddleware(URLRouter(websocket_urlpatterns)))
)
