"""Lanes: the few hot API requests answered on the event loop; every other request goes to Django.

A learner's line sent to the API (JSON or an event stream) used to cross Django's whole stack on a
thread of its own: about twenty middleware, DRF's authentication, throttle and parsing, and three
ORM queries, some 7 ms of interpreter time a line, so a burst of lines queued behind each other
(``bench/burst.py``). A lane is an async function given Django's own request object
(``ASGIRequest``) that answers the request, or returns None to decline it. It serves only the
plain case it can vouch for; anything else (another way of signing in, an invalid body, an error
to explain, a limit reached) is declined and Django serves the request exactly as before, its
body handed over again. So every refusal keeps one implementation, Django's.

What Django's middleware would add to a lane's answer is added here from the same middleware
(``_HEADERS``: security headers, the content security policy, the language, frame options) and the
request id (``core.request_id``); the request metrics (``django_prometheus``, ``_COUNTING``) count
a request a lane answered, under its view's URL name, once it is answered (a declined request is
counted by Django). As in Django, a client that goes away cancels the answer: a
reply being streamed is then stored as interrupted.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, Mapping
from timeit import default_timer
from typing import Any

import structlog
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.http import HttpRequest, HttpResponseBase
from django.urls import ResolverMatch, resolve
from django.utils.module_loading import import_string

from core.request_id import HEADER, new_request_id, valid_request_id

Lane = Callable[[HttpRequest], Awaitable[HttpResponseBase | None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

# The middleware of settings.MIDDLEWARE whose work on a request and its answer a lane needs too.
_HEADERS = (
    "django.middleware.security.SecurityMiddleware",
    "core.security.ContentSecurityPolicyMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)
# The metrics middleware: asked only for a request a lane answers, its clock set to the request's arrival.
_COUNTING = (
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
)
_CLOCKS = ("prometheus_before_middleware_event", "prometheus_after_middleware_event")
log = structlog.get_logger(__name__)


def _no_response(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError("header middleware is only asked to process requests and answers")


class LaneRouter:
    """ASGI: ``lanes`` maps ``(method, path)`` to a lane; Django (``django``) serves the rest."""

    def __init__(self, django: ASGIHandler, lanes: dict[tuple[str, str], Lane]) -> None:
        self.django, self.lanes = django, lanes
        names = [name for name in settings.MIDDLEWARE if name in _HEADERS or name in _COUNTING]
        self.middleware = [import_string(name)(_no_response) for name in names]
        self.counting = [m for name, m in zip(names, self.middleware, strict=True) if name in _COUNTING]
        # Each lane's view, resolved once: the metrics count an answered request under its name.
        self.views = {path: resolve(path) for _method, path in lanes}

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        lane = self.lanes.get((scope.get("method", ""), scope.get("path", ""))) if scope["type"] == "http" else None
        if lane is None:
            await self.django(scope, receive, send)
            return
        messages = await _read(receive)
        if messages is None:
            return  # the client went away before its request was complete
        again = _replay(messages, receive)
        body = b"".join(message.get("body", b"") for message in messages)
        if len(body) > settings.MAX_REQUEST_BODY_BYTES:
            await self.django(scope, again, send)
            return
        served = asyncio.ensure_future(self._serve(lane, scope, body, send))
        listening = asyncio.ensure_future(_listen_for_disconnect(receive))
        await asyncio.wait([served, listening], return_when=asyncio.FIRST_COMPLETED)
        if not served.done():  # the client went away: the answer is cancelled (a streamed reply kept as interrupted)
            served.cancel()
            await asyncio.wait([served])
            return
        listening.cancel()
        if not served.cancelled() and not served.result():
            await self.django(scope, again, send)

    async def _serve(self, lane: Lane, scope: dict[str, Any], body: bytes, send: Send) -> bool:
        """Answer with ``lane``; False when it declined (nothing was sent)."""
        try:
            request = ASGIRequest(scope, io.BytesIO(body))
        except Exception:  # noqa: BLE001 - a request Django refuses itself (bad encoding, too many fields)
            return False
        request_id = valid_request_id(request.headers.get(HEADER)) or new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        arrived = default_timer()
        for middleware in self.middleware:
            if middleware in self.counting:
                continue
            if getattr(middleware, "process_request", None) and middleware.process_request(request) is not None:
                return False  # e.g. the HTTPS redirect: Django answers it
        response = await lane(request)
        if response is None:
            return False
        self._count(request, self.views[scope["path"]], arrived)
        for middleware in reversed(self.middleware):
            response = middleware.process_response(request, response)
        response[HEADER] = request_id
        try:
            await self.django.send_response(response, send)
        finally:
            response.close()
        return True

    def _count(self, request: HttpRequest, match: ResolverMatch, arrived: float) -> None:
        """Count the answered request as Django's metrics middleware counts a view's."""
        request.resolver_match = match
        for middleware in self.counting:
            middleware.process_request(request)
            if hasattr(middleware, "process_view"):
                middleware.process_view(request, match.func, match.args, match.kwargs)
        for clock in _CLOCKS:
            if hasattr(request, clock):
                setattr(request, clock, arrived)


async def _read(receive: Receive) -> list[dict[str, Any]] | None:
    """The request's body messages, as received (None if the client went away first)."""
    messages: list[dict[str, Any]] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        messages.append(message)
        size += len(message.get("body", b""))
        if not message.get("more_body", False) or size > settings.MAX_REQUEST_BODY_BYTES:
            return messages


def _replay(messages: list[dict[str, Any]], receive: Receive) -> Receive:
    """A ``receive`` giving ``messages`` again, then what the client sends next."""
    pending = list(messages)

    async def again() -> dict[str, Any]:
        return pending.pop(0) if pending else await receive()

    return again


async def _listen_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
