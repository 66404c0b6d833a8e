"""The live conversation socket: ``/ws/chat/<conversation_id>``.

Browsers authenticate with the session cookie and ask for HTML fragments (``?format=html``, for
the htmx WebSocket extension); the mobile app sends ``Authorization: Bearer`` on the handshake
and receives JSON events (auth, close codes, frame checks and rate limits: ``core.consumers``).
Generation runs in a task this consumer keeps, so Stop and disconnect cancel it while the partial
reply is still stored.
"""

import asyncio
from typing import Any

import structlog
from channels.db import database_sync_to_async
from django.db import DatabaseError
from django.utils.translation import gettext as _

from conversations import selectors, services
from conversations.models import Conversation
from conversations.personas import persona_for
from conversations.rendering import render_event_html
from conversations.streaming import (
    Prepared,
    ReplyNotStoredError,
    generate_reply,
    line_not_stored_message,
    message_payload,
    take_line,
)
from core import ratelimits
from core.consumers import PracticeSocket
from llm.prompts import Persona, UserTextError

# Frames that count against a named limit besides "default"; Stop is never refused.
log = structlog.get_logger(__name__)
FRAME_LIMITS = {"chat.message": (ratelimits.DEFAULT, ratelimits.CHAT_MESSAGE), "chat.stop": ()}


class ConversationConsumer(PracticeSocket):
    # A chat socket talks only to its own client: it joins no channel layer, so a Redis restart
    # never disturbs an open chat.
    channel_layer_alias = "chat-sockets-use-no-channel-layer"
    metric_mode = "chat"
    # Every frame's database work hands its connection back itself (the line on the event loop's
    # pool, the rest through ``db_call`` and ``database_sync_to_async``): no sweep, no thread hop
    # before the learner's line is taken.
    sweeps_old_connections = False
    frame_limits = FRAME_LIMITS
    conversation: Conversation
    persona: Persona
    task: asyncio.Task[Any] | None = None

    async def find(self, user: Any, query: dict[str, list[str]]) -> None:
        def load() -> tuple[Conversation, Persona]:
            conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
            conversation = selectors.conversation_get(user=user, conversation_id=conversation_id)
            return conversation, persona_for(conversation)

        # The partner is resolved once for the socket's life: every line's prompt is built with it.
        self.conversation, self.persona = await database_sync_to_async(load)()
        structlog.contextvars.bind_contextvars(conversation_id=str(self.conversation.id))

    async def opened(self) -> None:
        messages = await self._messages()
        await self.emit({"type": "history", "messages": messages, "conversation": self._conversation_payload()})
        opens = not (self.conversation.metadata or {}).get("learner_opens")  # else the partner waits
        if not messages and not self.conversation.is_ended and opens:
            self._start_generation()

    async def closed(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()  # the reply is stored as interrupted, with its text so far
            await asyncio.wait([self.task], timeout=5)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = str(content.get("type") or "chat.message") if isinstance(content, dict) else ""
        if not await self.within_limits(kind):
            return
        if not isinstance(content, dict):
            await self.refuse_not_json_object()
            return
        if kind == "chat.stop":
            await self._stop()
        elif kind == "chat.retry":
            await self._retry(content.get("message_id"))
        elif kind == "chat.message":
            await self._message(content.get("text"), content.get("client_id"))
        else:
            await self.refuse_unknown(kind)

    async def _message(self, text: Any, client_id: Any) -> None:
        if self._busy():
            await self._busy_error()
            return
        try:
            taken = await take_line(
                self.conversation, self.persona, text=text, client_id=str(client_id) if client_id else None
            )
        except UserTextError as error:
            await self.error("invalid_message", error.message)
            return
        except services.ConversationClosedError as closed:
            await self.error(closed.code, closed.message)
            return
        except DatabaseError as failure:
            log.error("line_not_stored", mode=self.conversation.mode, error=repr(failure))
            await self.error("database_unavailable", line_not_stored_message(), retryable=True)
            return
        await self.emit({"type": "message.new", "message": message_payload(taken.message)})
        if taken.created:
            self._start_generation(taken.prepared)

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
            await self.error("closed", _("This conversation has ended."))
        elif refusal == selectors.RETRY_NOT_LAST:
            await self.error("not_retryable", _("Only the last reply can be tried again, if it was cut off or failed."))
        else:
            self._start_generation()

    async def _busy_error(self) -> None:
        await self.error("busy", _("The partner is still replying. Wait for the reply or press Stop."))

    def _busy(self) -> bool:
        return self.task is not None and not self.task.done()

    def _start_generation(self, prepared: Prepared | None = None) -> None:
        reply = generate_reply(conversation=self.conversation, emit=self.emit, prepared=prepared)
        self.task = asyncio.create_task(reply)
        self.task.add_done_callback(_consume_result)

    async def _messages(self) -> list[dict[str, Any]]:
        def load() -> list[dict[str, Any]]:
            rows = selectors.conversation_messages(conversation=self.conversation)
            return [message_payload(message) for message in rows]

        return await database_sync_to_async(load)()

    def _conversation_payload(self) -> dict[str, Any]:
        return {"id": str(self.conversation.id), "mode": self.conversation.mode, "ended": self.conversation.is_ended}

    async def send_error(self, event: dict[str, Any]) -> None:
        await self.emit(event)

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
