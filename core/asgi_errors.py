"""An HTTP application that never raises once its response has started.

daphne answers an application's exception with a 500, which it cannot do once the response has
started: its ``handle_exception`` then raises inside the server's periodic application checker,
which stops for good, and from then on no failing request gets any answer. A failure after the
start (a streamed response whose iterator raised) is therefore logged here and the response is
ended as it stands; a failure before the start is left to the server, which answers 500.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import structlog

log = structlog.get_logger(__name__)
Scope = dict[str, Any]


class StartedResponseGuard:
    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.application(scope, receive, send)
            return
        progress = {"started": False, "ended": False}

        async def tracked_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                progress["started"] = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                progress["ended"] = True
            await send(message)

        try:
            await self.application(scope, receive, tracked_send)
        except Exception as error:
            if not progress["started"]:
                raise
            log.error("response_failed_after_start", path=scope.get("path", ""), error=repr(error), exc_info=error)
            if not progress["ended"]:
                with suppress(Exception):  # the client may be gone already
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
