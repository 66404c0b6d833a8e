"""The client's network address, for rate limits and lockouts.

Without a proxy the address is ``REMOTE_ADDR``. Behind a reverse proxy, set
``TRUSTED_CLIENT_IP_HEADER`` to the ``request.META`` key the proxy fills in (for example
``HTTP_X_FORWARDED_FOR`` or ``HTTP_X_REAL_IP``). When that header holds a list, the last
address is used: it is the one the trusted proxy appended itself, while earlier entries may
have been sent by the client.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN_CLIENT_IP = "unknown"


def _valid_ip(value: str) -> str | None:
    candidate = value.strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as a normalised string (``"unknown"`` when there is none)."""
    header = getattr(settings, "TRUSTED_CLIENT_IP_HEADER", "")
    if header:
        forwarded = str(request.META.get(header, ""))
        entries = [entry for entry in forwarded.split(",") if entry.strip()]
        if entries and (address := _valid_ip(entries[-1])):
            return address
    return _valid_ip(str(request.META.get("REMOTE_ADDR", ""))) or UNKNOWN_CLIENT_IP
