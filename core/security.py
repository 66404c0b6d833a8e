"""HTTP hardening that Django's settings alone do not give.

- ``ContentSecurityPolicyMiddleware``: django-csp's policy (``CONTENT_SECURITY_POLICY``: no inline
  scripts or styles) with the site's own ``ws://``/``wss://`` address added to ``connect-src``,
  so the chat socket works in every browser.
- ``RequestBodyLimitMiddleware``: a request announcing a body over ``MAX_REQUEST_BODY_BYTES`` is
  refused with 413 before anything reads it (uploads included, which Django would spool to disk).
- ``InputGuardMiddleware``: a NUL character or a lone surrogate in the path, a query parameter
  or a form field is refused with 400 before any view, form or serializer sees it (JSON bodies
  are checked by the API's parser, ``core.api.SizeLimitedJSONParser``); so is an
  API query parameter given more than once (each takes one value).
"""

from collections.abc import Callable
from typing import Any

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.translation import gettext

from core import inputs


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        sockets = {"connect-src": [f"ws://{host}", f"wss://{host}"]}
        parts.update = {**sockets, **(parts.update or {})}
        return parts


def allow_inline_styles(view: Callable[..., Any]) -> Callable[..., Any]:
    """For the API docs page only: Swagger UI styles its widgets inline (it shows no user content)."""
    return csp_update({"style-src": [UNSAFE_INLINE]})(view)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _declared_length(request) > settings.MAX_REQUEST_BODY_BYTES:
            message = gettext("The request body is too large.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413, json_dumps_params={"ensure_ascii": False})
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """An error before any view ran: JSON under ``/api/``, plain text for pages (never quoting the input)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_unstorable_text(request: HttpRequest) -> bool:
    fields = [request.GET]
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        fields.append(request.POST)
    texts = [request.path_info]
    for data in fields:
        for key, values in data.lists():
            texts.append(key)
            texts.extend(values)
    return any(inputs.find_unstorable(text) for text in texts)


def _repeated_api_parameter(request: HttpRequest) -> str | None:
    """Every query parameter of the API takes one value: the name of one given twice, if any."""
    if not request.path.startswith("/api/"):
        return None
    return next((name for name, values in request.GET.lists() if len(values) > 1), None)


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_unstorable_text(request):
            return refusal(request, inputs.unstorable_text_error().message, 400)
        if (name := _repeated_api_parameter(request)) is not None:
            body = {name: [gettext("Give this parameter only once.")]}
            return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
        return self.get_response(request)
