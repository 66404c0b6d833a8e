"""The client's network address, for rate limits and lockouts.

Without a proxy the address is ``REMOTE_ADDR``. Behind a reverse proxy, set
``TRUSTED_CLIENT_IP_HEADER`` to the ``request.META`` key the proxy fills in (for example
``HTTP_X_FORWARDED_FOR`` or ``HTTP_X_REAL_IP``). When that header holds a list, the last
address is used: it is the one the trusted proxy appended itself, while earlier entries may
have been sent by the client.
"""

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest

UNKNOWN_CLIENT_IP = "unknown"


def _valid_ip(value: str) -> str | None:
    candidate = value.strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def _trusted_address(forwarded: str) -> str | None:
    entries = [entry for entry in forwarded.split(",") if entry.strip()]
    return _valid_ip(entries[-1]) if entries else None


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as a normalised string (``"unknown"`` when there is none)."""
    header = getattr(settings, "TRUSTED_CLIENT_IP_HEADER", "")
    if header and (address := _trusted_address(str(request.META.get(header, "")))):
        return address
    return _valid_ip(str(request.META.get("REMOTE_ADDR", ""))) or UNKNOWN_CLIENT_IP


def socket_client_ip(scope: dict[str, Any]) -> str:
    """:func:`client_ip` for a Channels (ASGI) scope: the same trusted header, else the peer address."""
    header = getattr(settings, "TRUSTED_CLIENT_IP_HEADER", "")
    if header.startswith("HTTP_"):
        name = header[5:].lower().replace("_", "-").encode("latin-1")
        values = [value for key, value in scope.get("headers") or [] if key.lower() == name]
        if values and (address := _trusted_address(values[-1].decode("latin-1"))):
            return address
    peer = scope.get("client") or ("",)
    return _valid_ip(str(peer[0])) or UNKNOWN_CLIENT_IP
