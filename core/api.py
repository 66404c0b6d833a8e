"""The project's API: one error shape for every endpoint."""

from typing import IO, Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext, gettext_lazy
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from core import inputs


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with field errors kept as they are and other errors under ``detail``."""
    # rest_framework.views reads DEFAULT_PARSER_CLASSES, which names this module, as it is
    # imported: loaded here, on first use, so that this module can be the first one loaded.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data = too_many_requests_body(int(getattr(exc, "wait", None) or 1))
    if response is not None:
        # Messages may quote the input (a choice that is not on the list): keep them encodable.
        response.data = inputs.clean_value(response.data)
    return response


def too_many_requests_body(retry_after: int) -> dict[str, Any]:
    """Every 429 of the API: the message and, as in ``Retry-After``, the seconds to wait."""
    return {"detail": gettext("Too many requests. Please wait and try again."), "retry_after": max(1, retry_after)}


class TextField(serializers.CharField):
    """A CharField that refuses numbers, booleans, lists and objects instead of turning them into
    text, and holds ``max_length`` to what was sent (the schema's ``maxLength``), before blank
    characters at either end are trimmed."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """``true`` or ``false`` only: no ``0``, ``1`` or ``"yes"`` standing in for them."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: no ``"5"`` or ``5.0`` standing in for it."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "request_too_large"


class SizeLimitedJSONParser(JSONParser):
    """JSON bodies of at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes; larger ones get a 413.

    Django enforces that limit only when ``request.body`` is read, while DRF parses from the
    stream, so the limit is applied here, whatever the declared ``Content-Length``. The body is
    then parsed by ``inputs.loads_json``: a body that is not UTF-8, nests deeper than
    ``inputs.MAX_JSON_DEPTH`` or holds a NUL character or a lone surrogate gets a 400 that
    names the reason (and never quotes the body).
    """

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise RequestBodyTooLarge()
        try:
            return inputs.loads_json(body)
        except inputs.InputError as error:
            raise ParseError(error.message, code=error.code) from error


def _json_not_found() -> JsonResponse:
    body = {"detail": gettext("Not found.")}
    return JsonResponse(body, status=status.HTTP_404_NOT_FOUND, json_dumps_params={"ensure_ascii": False})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 as JSON under ``/api/``, as the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return _json_not_found()
    return defaults.page_not_found(request, exception)


@csrf_exempt
def no_such_endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The last API route: an address no endpoint has is a JSON 404 (with ``DEBUG`` on too)."""
    return _json_not_found()


class StrictPagination(PageNumberPagination):
    """Page numbers (and sizes, where a view allows them) must be whole numbers: 400 otherwise."""

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        return _positive_number(self.page_query_param, raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters

    def get_page_size(self, request: Any) -> int | None:
        name = self.page_size_query_param
        raw = request.query_params.get(name) if name else None
        if name is None or raw is None:
            return self.page_size
        size = _positive_number(name, raw)
        return min(size, self.max_page_size) if self.max_page_size else size


def _positive_number(name: str, raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
        raise serializers.ValidationError({name: [gettext("A whole number of at least 1 is expected.")]})
    return int(raw)


class StrictContentNegotiation(DefaultContentNegotiation):
    """``?format=`` with no value names no format: a 404, as an unknown format is."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: str | None = None) -> Any:
        name = self.settings.URL_FORMAT_OVERRIDE
        if name and request.query_params.get(name) == "" and not format_suffix:
            raise Http404()
        return super().select_renderer(request, renderers, format_suffix)


def query_data(request: Any) -> dict[str, str]:
    """Query parameters for a query serializer, with an empty value kept as given (not as "omitted")."""
    return dict(request.query_params.items())


# --- The schema documents the errors every endpoint can answer --------------------------------

_ERRORS: dict[str, tuple[str, str]] = {
    "400": ("FieldErrors", "Invalid input: `{field: [message, ...]}`."),
    "401": ("ErrorDetail", "Missing, invalid or expired token."),
    "403": ("ErrorDetail", "Signed in, but not allowed to do this."),
    "404": ("ErrorDetail", "Not found, or not yours."),
    "413": ("ErrorDetail", "The request body is too large."),
    "429": ("RateLimited", "Too many requests: wait as many seconds as `retry_after` (and `Retry-After`) say."),
    "503": (
        "Unavailable",
        "The AI could not answer, or its answer could not be stored: try again later when `retryable` is true.",
    ),
}
# An operation that asks the model lists this among its responses; the shared body is filled in.
UNAVAILABLE: dict[int, None] = {503: None}
_ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "ErrorDetail": {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
    "RateLimited": {
        "type": "object",
        "properties": {"detail": {"type": "string"}, "retry_after": {"type": "integer", "minimum": 1}},
        "required": ["detail", "retry_after"],
    },
    "Unavailable": {
        "type": "object",
        "properties": {"detail": {"type": "string"}, "retryable": {"type": "boolean"}},
        "required": ["detail", "retryable"],
    },
    "ServerSentEvent": {
        "type": "object",
        "description": "One server-sent event: its name, its data (JSON text) and, where it can be resumed, its id.",
        "properties": {"event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}},
        "required": ["data"],
    },
    "FieldErrors": {
        "type": "object",
        "additionalProperties": True,
        "description": "Each invalid field (or `non_field_errors`) with its messages.",
    },
}


def _requires_login(operation: dict[str, Any]) -> bool:
    security = operation.get("security")
    return security is None or (bool(security) and {} not in security)


def _error_codes(operation: dict[str, Any]) -> list[str]:
    codes = ["429"]
    if _requires_login(operation):
        codes += ["401", "403"]
    if operation.get("parameters") or "requestBody" in operation:
        codes += ["400", "404"]
    if "requestBody" in operation:
        codes.append("413")
    return codes


SSE = "text/event-stream"
_SSE_ERROR = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["error"]},
        "data": {"type": "string", "description": "The error as JSON."},
    },
    "required": ["event", "data"],
}


def _streams(operation: dict[str, Any]) -> bool:
    """Can it answer ``text/event-stream`` (documented, or chosen with ``?format=sse``)?"""
    for code, response in operation.get("responses", {}).items():
        if str(code).startswith("2") and SSE in response.get("content", {}):
            return True
    formats = [p for p in operation.get("parameters", []) if p.get("in") == "query" and p.get("name") == "format"]
    return any("sse" in p.get("schema", {}).get("enum", []) for p in formats)


def _error_response(code: str, streams: bool) -> dict[str, Any]:
    """JSON errors; a streaming endpoint also sends them as one ``error`` event."""
    component, description = _ERRORS[code]
    content: dict[str, Any] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}
    if streams:
        content[SSE] = {"schema": _SSE_ERROR}
    response: dict[str, Any] = {"description": description, "content": content}
    if code == "429":
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
    return response


def _document_errors(operation: dict[str, Any]) -> None:
    """The shared error answers, where the operation documents none (or only lists the code)."""
    responses = operation.setdefault("responses", {})
    streams = _streams(operation)
    shared_codes = _error_codes(operation)
    listed = [code for code in responses if code in _ERRORS and code not in shared_codes]
    for code in [*shared_codes, *listed]:
        shared = _error_response(code, streams)
        documented = responses.setdefault(code, shared)
        if "content" not in documented:
            documented["content"] = shared["content"]
            if documented.get("description") in (None, "", "No response body"):  # listed as ``code: None``
                documented["description"] = shared["description"]
            documented.setdefault("headers", shared.get("headers", {}))


def _document_event_streams(operation: dict[str, Any]) -> None:
    """A ``text/event-stream`` answer is a series of events, not the JSON shape it is listed with."""
    for code, response in operation.get("responses", {}).items():
        stream = response.get("content", {}).get(SSE)
        if str(code).startswith("2") and stream is not None:
            stream["schema"] = {"$ref": "#/components/schemas/ServerSentEvent"}


INPUT_RULES = (
    "\n\nText never contains a NUL character or an unpaired surrogate, JSON bodies nest at most "
    f"{inputs.MAX_JSON_DEPTH} levels and each query parameter is given once: otherwise the answer is 400."
)


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: add the shared error answers an operation does not document itself."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _ERROR_SCHEMAS.items():
        schemas.setdefault(name, schema)
    info = result.setdefault("info", {})
    info["description"] = info.get("description", "") + INPUT_RULES
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            _document_errors(operation)
            _document_event_streams(operation)
    return result
