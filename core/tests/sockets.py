"""Test support for every practice socket: the app's bearer handshake and reading up to an event."""

from typing import Any

from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken


def bearer_headers(user: Any) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {AccessToken.for_user(user)}".encode())]


async def receive_until(communicator: WebsocketCommunicator, kind: str, timeout: float = 10) -> list[dict[str, Any]]:
    """Every JSON event up to and including the first of type ``kind``."""
    events = []
    while True:
        event = await communicator.receive_json_from(timeout=timeout)
        events.append(event)
        if event["type"] == kind:
            return events
