"""A request id on every log line: HTTP requests, socket connections and frames, Celery tasks.

- HTTP: ``RequestIdMiddleware`` takes a valid incoming ``X-Request-ID`` (a proxy's) or makes one,
  binds it (and the signed-in user's id) to structlog's context variables and returns it in the
  ``X-Request-ID`` response header. API calls authenticated by JWT bind the user id in
  ``LoggedJWTAuthentication``.
- Sockets: ``SocketLogContextMixin`` (put it first in a consumer's bases) binds ``connection_id``
  and ``user_id`` on connect and a fresh ``request_id`` for every frame received.
- Celery: ``core.celery_signals`` binds ``task_id`` for the duration of each task.

Why not django-structlog's ``RequestMiddleware`` (checked against 11.0.0): it does not return
``X-Request-ID`` in the response; it takes an incoming ``X-Request-ID`` as it comes (trusted
whole or not at all), so an id with a newline or of any length would land in every line; and
it clears the log context when it returns, so Django's own ``django.request`` line for a 4xx
or 5xx, which the handler writes after the middleware chain, would lose ``request_id`` and
``user_id``. It also writes ``request_started``/``request_finished`` lines of its own
(the ``django_http_*`` metrics already count requests) and knows nothing of sockets, so the
mixin below would stay in any case.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from core.languages import language_of

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> str | None:
    """An incoming id is kept only if it is short and plain (it lands in every log line)."""
    return value if value and _VALID.match(value) else None


def bind_user(user: Any) -> None:
    if user is not None and getattr(user, "is_authenticated", False):
        structlog.contextvars.bind_contextvars(user_id=str(user.pk))


class RequestIdMiddleware:
    """Binds ``request_id`` for the whole request; lines logged after the response keep it too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = valid_request_id(request.headers.get(HEADER)) or new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        """Session authentication has run by now: bind who is asking."""
        bind_user(getattr(request, "user", None))


class LoggedJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication that also binds the caller's ``user_id`` to the log context and
    answers in the caller's profile language (as pages do for a signed-in browser)."""

    def authenticate(self, request: Request) -> Any:
        result = super().authenticate(request)
        if result is not None:
            bind_user(result[0])
            language = language_of(result[0])
            translation.activate(language)
            request._request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        return result


class LoggedJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as the Bearer JWT it is."""

    target_class = "core.request_id.LoggedJWTAuthentication"


# --- Sockets ------------------------------------------------------------------------------


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def bind_socket_connection(scope: dict[str, Any]) -> str:
    """Bind ``connection_id`` (the handshake's ``X-Request-ID`` or a new one) and ``user_id``."""
    connection_id = valid_request_id(_header(scope, b"x-request-id")) or new_request_id()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(connection_id=connection_id, request_id=connection_id)
    bind_user(scope.get("user"))
    return connection_id


def bind_socket_frame() -> str:
    """A fresh ``request_id`` for one received frame (``connection_id`` and ``user_id`` stay)."""
    request_id = new_request_id()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    return request_id


class SocketLogContextMixin:
    """For Channels consumers: every line logged while handling a connection or frame carries its ids."""

    scope: dict[str, Any]

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        bind_socket_connection(self.scope)
        await super().websocket_connect(message)  # type: ignore[misc]

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        bind_socket_frame()
        await super().websocket_receive(message)  # type: ignore[misc]
