"""Named rate limits for the API, the pages and the sockets, counted in the shared cache (Redis).

``settings.RATE_LIMITS`` names each limit and its rates, e.g. ``{"default": ["200/h", "50/m"],
"chat_message": "30/m"}``. Each channel has a budget for every request: ``default`` for API
calls, ``page`` for page and htmx requests, ``socket`` for socket frames (the last two are far
above what a person clicking and typing reaches); some actions also count against a named limit
of their own:

- DRF views: ``RateLimitThrottle`` is the default throttle class; a view adds its own limits with
  ``rate_limits = ("chat_message",)``. Over the limit: 429, ``Retry-After``, ``{"detail": ...}``.
- Pages: ``RateLimitMiddleware`` counts every page request against ``page``;
  ``@rate_limit("scenario_start")`` adds a named limit to one view, ``@page_budget_exempt`` takes
  one out of the page budget (asking for feedback). Over the limit: a 429 page (or an htmx
  fragment) saying how long to wait, with ``Retry-After``.
- Sockets: ``await check(("default", "chat_message"), user)`` returns ``None`` or the seconds to
  wait; there ``default`` is the socket budget, ``socket``.

Counters are fixed windows (django-ratelimit) keyed by the signed-in user, or by the client
address (``core.net.client_ip``: the trusted proxy header only) when nobody is signed in.
The check runs before the view or handler, so a refused request stores nothing. If the cache
cannot be reached, requests are let through and a warning is logged; socket frames and the
requests counted on the event loop (``check``) are still counted in the process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import django_ratelimit.core as ratelimit_core
import structlog
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from django_ratelimit import ALL
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate, get_usage
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from core.net import client_ip

log = structlog.get_logger(__name__)

DEFAULT = "default"
PAGE = "page"
SOCKET = "socket"
CHAT_MESSAGE = "chat_message"
SCENARIO_START = "scenario_start"
WATCH_START = "watch_start"
ANALYTICS = "analytics"
REPORT_REQUEST = "report_request"

View = Callable[..., HttpResponse]


def rates_for(name: str) -> list[str]:
    """The rates of one named limit (``"30/m"``, ``["200/h", "50/m"]`` or ``"200/h,50/m"``)."""
    value = settings.RATE_LIMITS.get(name, [])
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


def subject_of(user_or_ip: Any) -> str:
    """The counter's owner: ``user:<pk>`` for a signed-in user, ``ip:<address>`` otherwise."""
    if isinstance(user_or_ip, str):
        return f"ip:{user_or_ip}"
    if getattr(user_or_ip, "is_authenticated", False):
        return f"user:{user_or_ip.pk}"
    raise TypeError("Pass a signed-in user or a client address")


def _wait_for(name: str, rate: str, subject: str) -> int | None:
    usage = get_usage(None, group=f"rl:{name}", key=lambda _group, _request: subject, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage["time_left"]))


def hit(names: Iterable[str], subject: str) -> int | None:
    """Count one request against each named limit; the seconds to wait if any is exceeded.

    On Redis every window of every limit is counted in one round trip (the keys and counts are
    django-ratelimit's, so both ways of counting share one counter); another cache counts them one
    by one through django-ratelimit."""
    waits: list[int] = []
    try:
        cache = caches[settings.RATELIMIT_USE_CACHE]
        if hasattr(cache, "count_hits"):
            waits = _hit_at_once(cache.count_hits, names, subject)
        else:
            for name in names:
                waits.extend(wait for rate in rates_for(name) if (wait := _wait_for(name, rate, subject)) is not None)
    except Exception as error:  # noqa: BLE001 - an unreachable cache must not take the product down
        log.warning("rate_limit_unavailable", error=type(error).__name__)
        return None
    return max(waits) if waits else None


Window = tuple[str, int, int, int]  # (cache key, limit, period, end of the window)


def _windows(names: Iterable[str], subject: str) -> list[Window]:
    windows: list[Window] = []
    for name in names:
        for rate in rates_for(name):
            limit, period = _split_rate(rate)
            window = _get_window(subject, period)
            windows.append((_make_cache_key(f"rl:{name}", window, rate, subject, ALL), limit, period, window))
    return windows


def _waits(windows: list[Window], counts: list[int]) -> list[int]:
    now = int(ratelimit_core.time.time())  # django-ratelimit's clock (tests hold it still)
    return [max(1, end - now) for (_, limit, _, end), count in zip(windows, counts, strict=True) if count > limit]


def _hit_at_once(count: Callable[[list[tuple[str, int]]], list[int]], names: Iterable[str], subject: str) -> list[int]:
    """Every window of every limit counted by one ``count`` call (``(key, seconds)`` in, counts out)."""
    windows = _windows(names, subject)
    return _waits(windows, count([(key, period + EXPIRATION_FUDGE) for key, _, period, _ in windows]))


async def check(scope_key: str | Sequence[str], user_or_ip: Any, *, budget: str = SOCKET) -> int | None:
    """From async code: count one frame (or request) against the named limit(s); ``None`` or the
    seconds to wait.

    ``default`` stands for the channel's ``budget``: the socket budget (``socket``) for a frame,
    which is not an API call; ``default`` itself for an API request answered on the event loop
    (``core.lanes``). On Redis the count is made at once against what this process knows and
    Redis is told right after (``ResilientRedisCache.count_hits_here``): nothing waits for a round
    trip. Another cache counts on a worker thread."""
    names = (scope_key,) if isinstance(scope_key, str) else tuple(scope_key)
    names = tuple(budget if name == DEFAULT else name for name in names)
    subject = subject_of(user_or_ip)
    cache = caches[settings.RATELIMIT_USE_CACHE]
    if not hasattr(cache, "count_hits_here"):
        return await sync_to_async(hit, thread_sensitive=False)(names, subject)
    waits = _hit_at_once(cache.count_hits_here, names, subject)
    return max(waits) if waits else None


async def settle() -> None:
    """Tell Redis what this event loop has counted, now: for a request the loop declined and a
    thread will count again (``core.lanes``), so the thread sees every count."""
    cache = caches[settings.RATELIMIT_USE_CACHE]
    if hasattr(cache, "send_hits_now"):
        await cache.send_hits_now()


def wait_message(retry_after: int) -> str:
    """How long to wait, in the active language: seconds under a minute, whole minutes beyond."""
    if retry_after < 60:
        return ngettext(
            "You are going a little fast. Please wait %(seconds)s second and try again.",
            "You are going a little fast. Please wait %(seconds)s seconds and try again.",
            retry_after,
        ) % {"seconds": retry_after}
    minutes = -(-retry_after // 60)
    return ngettext(
        "You are going a little fast. Please wait %(minutes)s minute and try again.",
        "You are going a little fast. Please wait %(minutes)s minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


def request_subject(request: HttpRequest | Request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return subject_of(user)
    return subject_of(client_ip(request))  # type: ignore[arg-type]


# --- API ----------------------------------------------------------------------------------


class RateLimitThrottle(BaseThrottle):
    """Counts each API call against ``default`` and the view's own ``rate_limits``; a view with
    ``budget_exempt = True`` (asking for feedback) counts only against its own."""

    retry_after: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        budget = () if getattr(view, "budget_exempt", False) else (DEFAULT,)
        names = (*budget, *getattr(view, "rate_limits", ()))
        self.retry_after = hit(names, request_subject(request))
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after


# --- Pages --------------------------------------------------------------------------------


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 with ``Retry-After``: the whole page, or only the message for an htmx request."""
    template = "partials/rate_limited.html" if getattr(request, "htmx", False) else "rate_limited.html"
    context = {"retry_after": retry_after, "wait_message": wait_message(retry_after)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limit(*names: str, methods: Sequence[str] = ("POST",)) -> Callable[[View], View]:
    """Count requests of ``methods`` to a page view against the named limits (``default`` is the middleware's)."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods and (retry_after := hit(names, request_subject(request))):
                return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def page_budget_exempt(view: View) -> View:
    """Take a page view out of the page budget (its own named limits still apply)."""
    view.page_budget_exempt = True  # type: ignore[attr-defined]
    return view


class RateLimitMiddleware:
    """Counts every page request against ``page`` (the API counts in ``RateLimitThrottle``)."""

    def __init__(self, get_response: View) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: View, args: Any, kwargs: Any) -> HttpResponse | None:
        exempt = tuple(settings.RATE_LIMIT_EXEMPT_PATHS)
        if request.path.startswith(exempt) or getattr(view, "page_budget_exempt", False):
            return None
        if retry_after := hit((PAGE,), request_subject(request)):
            return too_many_requests(request, retry_after)
        return None
