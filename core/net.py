"""The client's network address, for rate limits and lockouts (read with django-ipware).

Without a proxy the address is ``REMOTE_ADDR``. Behind a reverse proxy, set
``TRUSTED_CLIENT_IP_HEADER`` to the ``request.META`` key the proxy fills in (for example
``HTTP_X_FORWARDED_FOR`` or ``HTTP_X_REAL_IP``). Only that header is read, never the other
forwarding headers ipware knows, and when it holds a list the last address is used: it is the
one the trusted proxy appended itself, while earlier entries may have been sent by the client.
When the header is missing or holds no address, ``REMOTE_ADDR`` is used. Sockets read the same
header from the ASGI scope, and the scope's peer address otherwise.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

UNKNOWN_CLIENT_IP = "unknown"


def _address_from(request: HttpRequest, key: str) -> str | None:
    """The last address in ``request.META[key]`` (ipware: no proxies after it, so the last hop)."""
    address, _routable = get_client_ip(
        request, proxy_order="left-most", proxy_count=0, request_header_order=[key], strict=False
    )
    return address


def _resolve(request: HttpRequest) -> str:
    header = getattr(settings, "TRUSTED_CLIENT_IP_HEADER", "")
    if header and (address := _address_from(request, header)):
        return address
    return _address_from(request, "REMOTE_ADDR") or UNKNOWN_CLIENT_IP


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as a normalised string (``"unknown"`` when there is none).

    Worked out once per request (metrics and rate limits both ask; ipware takes some 80 µs).
    """
    cached: str | None = getattr(request, "_client_ip", None)
    if cached is None:
        cached = _resolve(request)
        request._client_ip = cached  # type: ignore[attr-defined]
    return cached


def _scope_meta(scope: dict[str, Any]) -> dict[str, str]:
    """A ``request.META``-like view of an ASGI scope: ``HTTP_*`` headers and ``REMOTE_ADDR``."""
    meta: dict[str, str] = {}
    for key, value in scope.get("headers") or []:
        name = "HTTP_" + key.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        meta[name] = f"{meta[name]},{text}" if name in meta else text  # a repeated header: one list
    peer = scope.get("client") or ("",)
    meta["REMOTE_ADDR"] = str(peer[0])
    return meta


def socket_client_ip(scope: dict[str, Any]) -> str:
    """:func:`client_ip` for a Channels (ASGI) scope: the same trusted header, else the peer address."""
    request = HttpRequest()
    request.META = _scope_meta(scope)
    return _resolve(request)
