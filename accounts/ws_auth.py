"""WebSocket authentication for the mobile app: a JWT in the ``Authorization`` header.

Browsers authenticate with the session cookie (AuthMiddlewareStack); mobile clients send
``Authorization: Bearer <access token>`` on the handshake, so the token never sits in a URL.
"""

from typing import Any

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError


@database_sync_to_async
def _user_for_token(raw_token: bytes) -> Any:
    auth = JWTAuthentication()
    try:
        validated = auth.get_validated_token(raw_token)
        return auth.get_user(validated)
    except (InvalidToken, TokenError, Exception):  # noqa: BLE001 - any bad token is anonymous
        return AnonymousUser()


class JWTAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers") or [])
        header = headers.get(b"authorization", b"")
        if header.lower().startswith(b"bearer "):
            scope["user"] = await _user_for_token(header[7:].strip())
        return await super().__call__(scope, receive, send)
