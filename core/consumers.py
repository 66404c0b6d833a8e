"""What every practice socket does the same way, whatever it carries (chat, scenario, watch).

A handshake reaches a consumer only past ``core.ws_security.OriginOrBearerValidator`` (a browser's
``Origin`` must be an allowed host; an app without one sends a bearer token). Then
``PracticeSocket``:

- closes with 4401 when no one is signed in, and 4404 when ``find`` finds nothing the user may see;
- reads ``?format=html`` (the page's htmx socket wants HTML fragments, the app JSON events);
- counts the open socket in the active-session metric of its mode until it closes;
- reads every frame with ``core.ws_frames`` (a refused frame gets a ``bad_frame`` error frame);
- answers a frame over its rate limits with a ``rate_limited`` error frame (``retry_after``) and
  drops it, the socket staying open;
- runs every handler in the user's profile language (``core.languages``);
- does its database work on one of the process's database lanes (``core.db.database_lane``);
- sweeps old database connections before every frame, as Channels does, unless the mode says
  its frames need no sweep (``sweeps_old_connections``: a thread hop for every frame).

Each mode says how its error frames look (``send_error``), what to look up (``find``) and what
the socket receives once open (``opened``).
"""

from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import ThreadSensitiveContext
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404
from django.utils.translation import gettext as _

from core import ratelimits
from core.db import database_lane
from core.languages import SocketLanguageMixin
from core.metrics import ActiveSession, track_active_session
from core.request_id import SocketLogContextMixin
from core.ws_frames import JsonFramesMixin

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


class SweepOptional:
    """Channels' ``dispatch``, its sweep of old database connections left out where a consumer
    sets ``sweeps_old_connections = False``: one whose every database call hands its connection
    back itself (``core.db.db_call``, Channels' ``database_sync_to_async``) or runs on the event
    loop's own pool (``core.adb``), so that it never holds one between frames."""

    sweeps_old_connections = True

    async def dispatch(self, message: dict[str, Any]) -> None:
        if self.sweeps_old_connections:
            await super().dispatch(message)  # type: ignore[misc]
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


class PracticeSocket(
    SocketLogContextMixin, SocketLanguageMixin, JsonFramesMixin, SweepOptional, AsyncJsonWebsocketConsumer
):
    # The name the active-session metric counts this socket under ("chat", "watch").
    metric_mode: str = ""
    # Frames that count against named limits; any other frame counts against "default" alone.
    frame_limits: dict[str, tuple[str, ...]] = {}
    html: bool = False
    active_session: ActiveSession | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        lane = database_lane()
        if lane is None:
            await super().__call__(scope, receive, send)
            return
        async with ThreadSensitiveContext(executor=lane):
            await super().__call__(scope, receive, send)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            await self.find(user, query)
        except Http404:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.html = query.get("format", [""])[0] == "html"
        await self.accept()
        self.active_session = track_active_session(self.metric_mode).open()
        await self.opened()

    async def disconnect(self, code: int) -> None:
        if self.active_session is not None:
            self.active_session.close()
            self.active_session = None
        await self.closed()

    async def find(self, user: Any, query: dict[str, list[str]]) -> None:
        """Look up what the socket is about (raise ``Http404`` when the user may not see it)."""
        raise NotImplementedError

    async def opened(self) -> None:
        """The socket is accepted: send what a client sees first."""

    async def closed(self) -> None:
        """The socket closed: stop what it started."""

    async def send_error(self, event: dict[str, Any]) -> None:
        """One ``{"type": "error", "code", "message", ...}`` event, drawn as the mode draws it."""
        raise NotImplementedError

    async def error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_error({"type": "error", "code": code, "message": message, **extra})

    async def frame_refused(self, message: str) -> None:
        await self.error("bad_frame", message)

    async def refuse_not_json_object(self) -> None:
        await self.error("bad_request", _("Send a JSON object."))

    async def refuse_unknown(self, kind: str) -> None:
        await self.error("bad_request", _("Unknown message type: %(type)s") % {"type": kind[:40]})

    async def within_limits(self, kind: str) -> bool:
        """Count the frame against its limits; over one, the client is told when to try again."""
        limits = self.frame_limits.get(kind, (ratelimits.DEFAULT,))
        if limits and (retry_after := await ratelimits.check(limits, self.scope["user"])):
            await self.rate_limited(retry_after)
            return False
        return True

    async def rate_limited(self, retry_after: int) -> None:
        """The frame is dropped (nothing stored or changed); the socket stays open."""
        await self.error("rate_limited", ratelimits.wait_message(retry_after), retry_after=retry_after)
