"""A mail connection for the benchmarks: every message is built to its wire bytes, as SMTP would
send it, then dropped (counted and measured)."""

from __future__ import annotations

from typing import Any


class SerializingBackend:
    """Turns every message into its wire bytes (as SMTP would) over one 'connection', then drops it."""

    def __init__(self) -> None:
        self.sent = 0
        self.bytes = 0

    def __enter__(self) -> SerializingBackend:
        return self

    def __exit__(self, *args: Any) -> None:
        return None

    def send_messages(self, messages: list[Any]) -> int:
        for message in messages:
            self.bytes += len(message.message().as_bytes())
        self.sent += len(messages)
        return len(messages)
