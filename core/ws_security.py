"""WebSocket origin checking.

Browsers always send ``Origin``; it must match ``ALLOWED_HOSTS`` (cross-site socket hijacking is
refused). Native mobile clients send no ``Origin`` and authenticate with a bearer token instead
of a cookie, so a handshake without ``Origin`` is let through only when it carries one.
"""

from typing import Any

from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier


class OriginOrBearerValidator:
    def __init__(self, application: Any) -> None:
        self.application = application
        self.browser_application = AllowedHostsOriginValidator(application)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers") or [])
        if b"origin" in headers:
            return await self.browser_application(scope, receive, send)
        if headers.get(b"authorization", b"").lower().startswith(b"bearer "):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
