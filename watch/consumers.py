"""The watch socket: ``/ws/watch/<session_id>`` (``?share=<token>`` for viewers, ``?format=html`` for pages).

Browsers authenticate with the session cookie, the mobile app with ``Authorization: Bearer``.
The share token only says which session a signed-in viewer was invited to; it authenticates
no one. On connect the socket receives the session as it is now (``watch.snapshot`` with its
sequence number), then every later event: ``watch.ai.message`` (a turn starts, chunks, a turn
ends), ``watch.learner.message``, ``watch.state``, ``watch.commentary``, ``watch.user.join`` /
``watch.user.leave`` (with the viewer count). Events come from ``watch.broadcast``, never from
the channel layer. The owner sends the controls: ``watch.pause``, ``watch.resume``,
``watch.pace`` (``pace``), ``watch.stop``, ``watch.step_in`` (``seat``), ``watch.message``
(``text``, ``client_id``) and ``watch.halt`` (stop the reply being written).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import ratelimits
from core.languages import SocketLanguageMixin, language_of
from core.metrics import ActiveSession, track_active_session
from core.request_id import SocketLogContextMixin
from core.ws_frames import JsonFramesMixin
from llm.prompts import UserTextError
from watch import broadcast, selectors, services
from watch.models import WatchSession
from watch.rendering import render_frame_html

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
NO_CHANNEL_LAYER = "watch-direct"  # an alias with no layer: this consumer needs none
# Frames count against "default" (a line also against "chat_message"); Stop is never refused.
FRAME_LIMITS = {"watch.message": (ratelimits.DEFAULT, ratelimits.CHAT_MESSAGE), "watch.stop": (), "watch.halt": ()}


def _command(kind: str, content: dict[str, Any]) -> Callable[[WatchSession], Any] | None:
    commands: dict[str, Callable[[WatchSession], Any]] = {
        "watch.pause": lambda s: services.watch_pause(session=s),
        "watch.resume": lambda s: services.watch_resume(session=s),
        "watch.stop": lambda s: services.watch_stop(session=s),
        "watch.halt": lambda s: services.watch_halt(session=s),
        "watch.pace": lambda s: services.watch_set_pace(session=s, pace=str(content.get("pace", ""))),
        "watch.step_in": lambda s: services.watch_step_in(session=s, seat=_seat(content.get("seat"))),
        "watch.message": lambda s: services.watch_say(
            session=s, text=content.get("text"), client_id=str(content.get("client_id") or "")[:64] or None
        ),
    }
    return commands.get(kind)


def _open(user: Any, session_id: str, share_token: str) -> selectors.Access:
    """Who may watch (404 otherwise); a session with work but no runner gets one."""
    access = selectors.watch_get(user=user, session_id=session_id, share_token=share_token)
    services.watch_recover(session=access.session)
    return access


def _seat(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400 is read as infinity
        return -1


class WatchConsumer(SocketLogContextMixin, SocketLanguageMixin, JsonFramesMixin, AsyncJsonWebsocketConsumer):
    channel_layer_alias = NO_CHANNEL_LAYER
    subscription: broadcast.Subscription | None = None
    active_session: ActiveSession | None = None
    access: selectors.Access
    html: bool = False
    language: str = "ja"

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        try:
            self.access = await database_sync_to_async(_open)(user, session_id, query.get("share", [""])[0])
        except Http404:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.html = query.get("format", [""])[0] == "html"
        self.language = language_of(user)
        await self.accept()
        self.active_session = track_active_session("watch").open()
        session_id = str(self.access.session.id)
        self.subscription = await broadcast.subscribe(session_id, self, owner=self.access.owner, name=user.name)
        await self.deliver(self.subscription.snapshot)

    async def disconnect(self, code: int) -> None:
        if self.active_session is not None:
            self.active_session.close()
        if self.subscription is not None:
            subscription, self.subscription = self.subscription, None
            await broadcast.unsubscribe(subscription)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self._error("bad_request", _("Send a JSON object."))
            return
        kind = str(content.get("type", ""))[:40]
        limits = FRAME_LIMITS.get(kind, (ratelimits.DEFAULT,))
        if limits and (retry_after := await ratelimits.check(limits, self.scope["user"])):
            await self._rate_limited(retry_after)
            return
        command = _command(kind, content)
        if command is None:
            await self._error("bad_request", _("Unknown message type: %(type)s") % {"type": kind})
        elif not self.access.owner:
            await self._error("forbidden", _("Only the owner can control this session."))
        else:
            await self._run(command)

    async def frame_refused(self, message: str) -> None:
        await self._error("bad_frame", message)

    async def _run(self, command: Callable[[WatchSession], Any]) -> None:
        def run() -> None:
            session = WatchSession.objects.get(pk=self.access.session.pk)
            with translation.override(self.language):
                command(session)

        try:
            await database_sync_to_async(run)()
        except (services.WatchStateError, services.WatchInputError, UserTextError) as error:
            await self._error("invalid", str(error.message))

    async def _error(self, code: str, message: str, **extra: Any) -> None:
        await self.deliver(broadcast.Frame({"type": "watch.error", "code": code, "message": message, **extra}))

    async def _rate_limited(self, retry_after: int) -> None:
        """The frame is dropped (nothing changes); the socket stays open."""
        with translation.override(self.language):
            message = ngettext(
                "You are going a little fast. Please wait %(seconds)s second and try again.",
                "You are going a little fast. Please wait %(seconds)s seconds and try again.",
                retry_after,
            ) % {"seconds": retry_after}
        await self._error("rate_limited", message, retry_after=retry_after)

    async def deliver(self, frame: broadcast.Frame) -> None:
        """One frame to this socket: HTML fragments for the page, JSON for the app (encoded once
        per frame for every viewer, and handed straight to the server's send)."""
        if self.html:
            owner = self.access.owner
            text = frame.encoded(("html", owner, self.language), lambda f: render_frame_html(f, owner, self.language))
        else:
            text = frame.json()
        if text:
            await self.base_send({"type": "websocket.send", "text": text})

    async def revoke(self) -> None:
        """The share link was disabled: the viewer is told so, then the stream ends."""
        with translation.override(self.language):
            message = _("The owner disabled the share link: this session can no longer be watched.")
        await self.deliver(broadcast.Frame({"type": broadcast.REVOKED, "code": "share_disabled", "message": message}))
        await self.close(code=CLOSE_NOT_FOUND)
