"""WebSocket routing: origin check, then session-cookie or JWT authentication, then the apps' routes."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator

from accounts.ws_auth import JWTAuthMiddleware

websocket_urlpatterns: list = []

websocket_application = AllowedHostsOriginValidator(
    AuthMiddlewareStack(JWTAuthMiddleware(URLRouter(websocket_urlpatterns)))
)
