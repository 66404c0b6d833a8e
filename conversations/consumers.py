"""The live conversation socket: ``/ws/chat/<conversation_id>``.

Browsers authenticate with the session cookie and ask for HTML fragments (``?format=html``, for
the htmx WebSocket extension); the mobile app sends ``Authorization: Bearer`` on the handshake
and receives JSON events. Generation runs in a task this consumer keeps, so Stop and disconnect
cancel it while the partial reply is still stored.
"""

import asyncio
from typing import Any
from urllib.parse import parse_qs

import structlog
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conversations import selectors, services
from conversations.models import Conversation
from conversations.rendering import render_event_html
from conversations.streaming import ReplyNotStoredError, generate_reply, message_payload
from core import ratelimits
from core.languages import SocketLanguageMixin
from core.metrics import ActiveSession, track_active_session
from core.request_id import SocketLogContextMixin
from core.ws_frames import JsonFramesMixin
from llm.prompts import UserTextError

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
# Frames that count against a named limit besides "default"; Stop is never refused.
FRAME_LIMITS = {"chat.message": (ratelimits.DEFAULT, ratelimits.CHAT_MESSAGE), "chat.stop": ()}


class ConversationConsumer(SocketLogContextMixin, SocketLanguageMixin, JsonFramesMixin, AsyncJsonWebsocketConsumer):
    # A chat socket talks only to its own client: it joins no channel layer, so a Redis restart
    # never disturbs an open chat.
    channel_layer_alias = "chat-sockets-use-no-channel-layer"
    conversation: Conversation
    html: bool = False
    task: asyncio.Task[Any] | None = None
    active_session: ActiveSession | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            self.conversation = await database_sync_to_async(selectors.conversation_get)(
                user=user, conversation_id=self.scope["url_route"]["kwargs"]["conversation_id"]
            )
        except Http404:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        structlog.contextvars.bind_contextvars(conversation_id=str(self.conversation.id))
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.html = query.get("format", [""])[0] == "html"
        await self.accept()
        self.active_session = track_active_session("chat").open()
        messages = await self._messages()
        await self.emit({"type": "history", "messages": messages, "conversation": self._conversation_payload()})
        if not messages and not self.conversation.is_ended:
            self._start_generation()

    async def disconnect(self, code: int) -> None:
        if self.active_session is not None:
            self.active_session.close()
        if self.task is not None and not self.task.done():
            self.task.cancel()  # the reply is stored as interrupted, with its text so far
            await asyncio.wait([self.task], timeout=5)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = str(content.get("type") or "chat.message") if isinstance(content, dict) else ""
        limits = FRAME_LIMITS.get(kind, (ratelimits.DEFAULT,))
        if limits and (retry_after := await ratelimits.check(limits, self.scope["user"])):
            await self._rate_limited(retry_after)
            return
        if not isinstance(content, dict):
            await self._error("bad_request", _("Send a JSON object."))
            return
        if kind == "chat.stop":
            await self._stop()
        elif kind == "chat.retry":
            await self._retry(content.get("message_id"))
        elif kind == "chat.message":
            await self._message(content.get("text"), content.get("client_id"))
        else:
            await self._error("bad_request", _("Unknown message type: %(type)s") % {"type": kind[:40]})

    async def frame_refused(self, message: str) -> None:
        await self._error("bad_frame", message)

    async def _message(self, text: Any, client_id: Any) -> None:
        if self._busy():
            await self._busy_error()
            return
        try:
            message, created = await database_sync_to_async(services.message_append_user)(
                conversation=self.conversation, text=text, client_id=str(client_id) if client_id else None
            )
        except UserTextError as error:
            await self._error("invalid_message", error.message)
            return
        except services.ConversationClosedError:
            await self._error("closed", _("This conversation has ended."))
            return
        await self.emit({"type": "message.new", "message": message_payload(message)})
        if created:
            self._start_generation()

    async def _stop(self) -> None:
        if self._busy() and self.task is not None:
            self.task.cancel()
            await asyncio.wait([self.task])

    async def _retry(self, message_id: Any) -> None:
        """Ask again for the partner's last reply, only while it is the last and was cut off or failed."""
        if self._busy():
            await self._busy_error()
            return
        refusal = await database_sync_to_async(selectors.retry_refusal)(
            conversation_id=self.conversation.id, message_id=str(message_id) if message_id else None
        )
        if refusal == selectors.RETRY_CLOSED:
            await self._error("closed", _("This conversation has ended."))
        elif refusal == selectors.RETRY_NOT_LAST:
            await self._error(
                "not_retryable", _("Only the last reply can be tried again, if it was cut off or failed.")
            )
        else:
            self._start_generation()

    async def _busy_error(self) -> None:
        await self._error("busy", _("The partner is still replying. Wait for the reply or press Stop."))

    def _busy(self) -> bool:
        return self.task is not None and not self.task.done()

    def _start_generation(self) -> None:
        self.task = asyncio.create_task(generate_reply(conversation=self.conversation, emit=self.emit))
        self.task.add_done_callback(_consume_result)

    async def _messages(self) -> list[dict[str, Any]]:
        def load() -> list[dict[str, Any]]:
            rows = selectors.conversation_messages(conversation=self.conversation)
            return [message_payload(message) for message in rows]

        return await database_sync_to_async(load)()

    def _conversation_payload(self) -> dict[str, Any]:
        return {"id": str(self.conversation.id), "mode": self.conversation.mode, "ended": self.conversation.is_ended}

    async def _error(self, code: str, message: str, **extra: Any) -> None:
        await self.emit({"type": "error", "code": code, "message": message, **extra})

    async def _rate_limited(self, retry_after: int) -> None:
        """The frame is dropped (nothing stored); the socket stays open."""
        with translation.override(getattr(self.scope["user"], "language", None)):
            message = ngettext(
                "You are going a little fast. Please wait %(seconds)s second and try again.",
                "You are going a little fast. Please wait %(seconds)s seconds and try again.",
                retry_after,
            ) % {"seconds": retry_after}
        await self._error("rate_limited", message, retry_after=retry_after)

    async def emit(self, event: dict[str, Any]) -> None:
        """Send one event: an HTML fragment for the browser page, JSON ``chat.*`` for the app."""
        if self.html:
            fragment = render_event_html(event)
            if fragment:
                await self.send(text_data=fragment)
        else:
            await self.send_json({**event, "type": f"chat.{event['type']}"})


def _consume_result(task: asyncio.Task[Any]) -> None:
    """Retrieve a finished generation's outcome so a failure is never left unobserved (a reply the
    database did not take was logged, and the socket told, where it failed)."""
    if task.cancelled():
        return
    failure = task.exception()
    if failure is not None and not isinstance(failure, ReplyNotStoredError):
        structlog.get_logger(__name__).error("reply_failed", error=repr(failure), exc_info=failure)
