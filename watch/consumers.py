"""The watch socket: ``/ws/watch/<session_id>`` (``?share=<token>`` for viewers, ``?format=html`` for pages).

Browsers authenticate with the session cookie, the mobile app with ``Authorization: Bearer``.
The share token only says which session a signed-in viewer was invited to; it authenticates
no one. On connect the socket receives the session as it is now (``watch.snapshot`` with its
sequence number), then every later event: ``watch.ai.message`` (a turn starts, chunks, a turn
ends), ``watch.learner.message``, ``watch.state``, ``watch.commentary``, ``watch.user.join`` /
``watch.user.leave`` (with the viewer count). Events come from ``watch.broadcast``, never from
the channel layer. The owner sends the controls: ``watch.pause``, ``watch.resume``,
``watch.pace`` (``pace``), ``watch.stop``, ``watch.step_in`` (``seat``), ``watch.message``
(``text``, ``client_id``) and ``watch.halt`` (stop the reply being written). Auth, close codes,
frame checks and rate limits are those of every practice socket (``core.consumers``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from django.utils import translation
from django.utils.translation import gettext as _

from core import ratelimits
from core.consumers import CLOSE_NOT_FOUND, PracticeSocket
from core.languages import language_of
from llm.prompts import UserTextError
from watch import broadcast, selectors, services
from watch.models import WatchSession
from watch.rendering import render_frame_html

CLOSE_CONSENT_REQUIRED = 4403
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


class WatchConsumer(PracticeSocket):
    channel_layer_alias = NO_CHANNEL_LAYER
    metric_mode = "watch"
    frame_limits = FRAME_LIMITS
    subscription: broadcast.Subscription | None = None
    access: selectors.Access
    language: str = "ja"
    consent_needed: int | None = None

    async def find(self, user: Any, query: dict[str, list[str]]) -> None:
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.access = await database_sync_to_async(_open)(user, session_id, query.get("share", [""])[0])
        self.language = language_of(user)
        missing = await database_sync_to_async(selectors.consent_missing)(user=user, session=self.access.session)
        self.consent_needed = missing.pk if missing is not None else None

    async def opened(self) -> None:
        if self.consent_needed is not None:  # a sensitive theme: nothing is shown before consent
            with translation.override(self.language):
                message = _("This scenario covers harassment. Confirm on its page before you watch it.")
            await self.error("consent_required", message, scenario_id=self.consent_needed)
            await self.close(code=CLOSE_CONSENT_REQUIRED)
            return
        session_id = str(self.access.session.id)
        name = self.scope["user"].name
        self.subscription = await broadcast.subscribe(session_id, self, owner=self.access.owner, name=name)
        await self.deliver(self.subscription.snapshot)

    async def closed(self) -> None:
        if self.subscription is not None:
            subscription, self.subscription = self.subscription, None
            await broadcast.unsubscribe(subscription)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.refuse_not_json_object()
            return
        kind = str(content.get("type", ""))[:40]
        if not await self.within_limits(kind):
            return
        command = _command(kind, content)
        if command is None:
            await self.refuse_unknown(kind)
        elif not self.access.owner:
            await self.error("forbidden", _("Only the owner can control this session."))
        else:
            await self._run(command)

    async def _run(self, command: Callable[[WatchSession], Any]) -> None:
        def run() -> None:
            session = WatchSession.objects.get(pk=self.access.session.pk)
            with translation.override(self.language):
                command(session)

        try:
            await database_sync_to_async(run)()
        except (services.WatchStateError, services.WatchInputError, UserTextError) as error:
            await self.error("invalid", str(error.message))

    async def send_error(self, event: dict[str, Any]) -> None:
        await self.deliver(broadcast.Frame({**event, "type": "watch.error"}))

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
