"""Streaming a model reply into a stored message: the machinery every mode shares.

``stream_into`` stores an empty reply row (through a ``ReplyStore``), streams the model's tokens to ``emit`` (coalesced
into a frame every tenth of a second), and stores the reply whatever happens: complete,
interrupted (Stop, disconnect or a broken stream — the partial text is kept) or failed (with the
message the learner sees). Consumers, the SSE API and background tasks all drive it; only the
``emit`` callback differs. ``generate_reply`` is the same for a conversation's ``Message`` rows;
``take_line`` is what comes before it for a learner's line (on PostgreSQL one statement on the
event loop, ``conversations.live``; a row written there is ended there too).

A database that fails while a reply is stored (e.g. PostgreSQL restarting) never leaves the
listener waiting: the final write is tried once more on a fresh connection, with the reply kept
as interrupted (its text) or failed; the listener gets an ``error`` event (``retryable``) and the
failure is logged. When no write goes through, ``ReplyNotStoredError`` is raised after the event
(the row left "streaming" is marked interrupted by the stale-reply sweep).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from django.db import Error as DatabaseError
from django.utils.translation import gettext

from conversations import live, services
from conversations.models import Conversation, Message, Status
from conversations.personas import PURPOSE_BY_MODE, persona_for
from conversations.selectors import conversation_history
from conversations.turns import client_id_clean, turn_payload
from core.db import db_call
from llm import LLMError, Purpose, ReplyStream, stream_reply
from llm.prompts import Persona, opening_messages, partner_messages

Emit = Callable[[dict[str, Any]], Awaitable[None]]
# Asked after every chunk: True ends the reply there (kept as interrupted), e.g. a Stop sent from elsewhere.
Interrupt = Callable[[], Awaitable[bool]]
# Frames carry the tokens of 0.1 s at most (a reader sees ten updates a second, as in watch mode;
# the first token is sent at once): at 30 tokens/s that is a third of the frames one a token would take.
COALESCE_SECONDS = 0.1
# Before the final write is tried again on a fresh connection (the pool waits for one besides).
STORE_RETRY_SECONDS = 0.5
log = structlog.get_logger(__name__)


class ReplyNotStoredError(Exception):
    """The database took no reply (or not its end): the listener was already sent an error event."""


def store_failed_event(message_id: str | None) -> dict[str, Any]:
    """What the listener is told when the database failed during a reply: it may try again."""
    return {
        "type": "error",
        "code": "database_unavailable",
        "message": store_failed_message(),
        "retryable": True,
        "message_id": message_id,
    }


def store_failed_message() -> str:
    return gettext("The reply could not be saved because of a problem on our side. Press Retry to try again.")


def line_not_stored_message() -> str:
    return gettext("Your line could not be saved because of a problem on our side. Send it again in a moment.")


def message_payload(message: Message) -> dict[str, Any]:
    return {
        **turn_payload(message),
        "conversation_id": str(message.conversation_id),
        "role": message.role,
        "client_id": message.client_id,
        "demo": bool((message.metadata or {}).get("demo")),
    }


async def _safe_emit(emit: Emit, event: dict[str, Any]) -> None:
    """A listener that went away must not stop the reply from being stored."""
    try:
        await emit(event)
    except Exception as error:  # noqa: BLE001 - closed sockets raise many kinds of error
        log.info("emit_failed", event_type=event.get("type"), error=type(error).__name__)


def _prompt_for(conversation: Conversation, persona: Persona | None = None) -> list[dict[str, str]]:
    partner = persona if persona is not None else persona_for(conversation)
    return prompt_of(partner, conversation_history(conversation_id=conversation.id))


def prompt_of(persona: Persona, history: list[dict[str, str]]) -> list[dict[str, str]]:
    """The partner's prompt: its opening line when nothing was said yet, else its next turn."""
    if not history:
        return opening_messages(persona)
    return partner_messages(persona, history)


# The prompt a reply is asked with and the row it streams into.
Prepared = tuple[list[dict[str, str]], Message]


def reply_prepare(
    conversation: Conversation, prompt: list[dict[str, str]] | None = None, *, persona: Persona | None = None
) -> Prepared:
    """The prompt (unless given; with ``persona`` when the caller has resolved it) and the reply's
    row: what comes between a learner's line and the model."""
    messages = prompt if prompt is not None else _prompt_for(conversation, persona)
    return messages, services.reply_begin(conversation=conversation)


# From async code, in one database call: one connection taken from the pool, one thread hop.
_reply_prepare = db_call(reply_prepare)


@dataclass(frozen=True)
class LineTaken:
    """A learner's line as stored, whether it is new, and (for a new one) the prompt and the reply's row."""

    message: Message
    created: bool
    prepared: Prepared | None = None


def line_take(
    conversation: Conversation, *, text: object, client_id: str | None, persona: Persona | None = None
) -> LineTaken:
    """Store the learner's line and, when it is new, build the prompt and open the reply's row,
    through the ORM (``take_line`` does the same from async code, in one statement on PostgreSQL).
    Raises as ``message_append_user`` does; a failure after the line is stored leaves the reply to
    ``generate_reply``, which tells the listener."""
    message, created = services.message_append_user(conversation=conversation, text=text, client_id=client_id)
    if not created:
        return LineTaken(message, created=False)
    try:
        prepared = reply_prepare(conversation, persona=persona)
    except DatabaseError as failure:
        log.warning("reply_prepare_failed", mode=conversation.mode, error=repr(failure))
        return LineTaken(message, created=True)
    return LineTaken(message, created=True, prepared=prepared)


_line_take = db_call(line_take)


async def take_line(
    conversation: Conversation, persona: Persona, *, text: object, client_id: str | None, in_transaction: bool = False
) -> LineTaken:
    """``line_take`` from async code: on PostgreSQL the line, the reply's row and the history are one
    statement run on the event loop (``conversations.live``), the prompt built here with ``persona``
    (the conversation's, resolved once by the caller); elsewhere, or for a caller ``in_transaction``
    (whose rows only its own connection sees), ``line_take`` on the database thread.
    Raises ``UserTextError``, ``ConversationClosedError`` or ``DatabaseError`` (nothing stored)."""
    if not live.available() or in_transaction:
        return await _line_take(conversation, text=text, client_id=client_id, persona=persona)
    content = services.line_accepted(conversation=conversation, text=text)
    try:
        stored = await live.line_store(conversation, content=content, client_id=client_id_clean(client_id))
    except live.ConversationEndedError:
        raise services.ConversationClosedError from None
    if not stored.created or stored.reply is None:
        return LineTaken(stored.message, created=False)
    return LineTaken(stored.message, created=True, prepared=(prompt_of(persona, stored.history or []), stored.reply))


class _Coalescer:
    """Joins token chunks into frames sent at most every ``interval`` seconds."""

    def __init__(self, emit: Emit, message_id: str, interval: float) -> None:
        self.emit, self.message_id, self.interval = emit, message_id, interval
        self.buffer, self.last = "", 0.0

    async def add(self, chunk: str) -> None:
        self.buffer += chunk
        now = time.monotonic()
        if now - self.last >= self.interval:
            await self.flush(now)

    async def flush(self, now: float | None = None) -> None:
        if self.buffer:
            text, self.buffer = self.buffer, ""
            self.last = now if now is not None else time.monotonic()
            await _safe_emit(self.emit, {"type": "token", "message_id": self.message_id, "text": text})


class ReplyStore(Protocol):
    """Where a streamed reply is kept: a row stored before the first token, finished whatever happens."""

    async def begin(self) -> str:
        """Store the empty reply; return its id."""
        ...

    async def finish(self, *, text: str, status: str, metadata: dict[str, Any]) -> dict[str, Any]:
        """Store the final text and status; return the stored message as a payload."""
        ...


class ConversationReplyStore:
    """Replies kept as ``Message`` rows of a conversation (``begun``: a row already stored for it)."""

    def __init__(self, conversation: Conversation, begun: Message | None = None) -> None:
        self.conversation = conversation
        self.message: Message | None = begun

    async def begin(self) -> str:
        if self.message is None:
            self.message = await db_call(services.reply_begin)(conversation=self.conversation)
        return str(self.message.id)

    async def finish(self, *, text: str, status: str, metadata: dict[str, Any]) -> dict[str, Any]:
        assert self.message is not None
        end = live.reply_store_end if live.is_live(self.message) else db_call(services.reply_finish)
        self.message = await end(message=self.message, text=text, status=status, metadata=metadata)
        return message_payload(self.message)


async def stream_into(
    store: ReplyStore,
    *,
    messages: list[dict[str, str]],
    purpose: Purpose | str,
    mode: str,
    emit: Emit,
    coalesce_seconds: float = COALESCE_SECONDS,
    model: str | None = None,
    interrupt: Interrupt | None = None,
) -> dict[str, Any]:
    """Stream one model turn into ``store``, telling ``emit`` as it goes; return the stored payload.

    ``model`` names a configured ``provider/model`` to ask first; ``interrupt`` is asked after every
    chunk and ends the reply there (stored as interrupted) when it answers True.
    """
    message_id = await _begin(store, emit, mode)
    await _safe_emit(emit, {"type": "typing.start", "message_id": message_id})
    stream = stream_reply(messages, purpose=purpose, mode=mode, model=model)
    coalescer = _Coalescer(emit, message_id, coalesce_seconds)
    status, error = Status.COMPLETE, ""
    try:
        async for chunk in stream:
            await coalescer.add(chunk)
            if interrupt is not None and await interrupt():
                status = Status.INTERRUPTED
                await stream.aclose()
                break
        await coalescer.flush()
    except asyncio.CancelledError:
        status = Status.INTERRUPTED
        raise
    except LLMError as failure:
        status = Status.INTERRUPTED if stream.text else Status.FAILED
        error = failure.user_message
    finally:
        payload, retried = await asyncio.shield(_finish(store, stream, status, error, mode=mode))
        await _announce_end(emit, message_id, payload, retried=retried)
    if payload is None:
        raise ReplyNotStoredError(message_id)
    return payload


async def _begin(store: ReplyStore, emit: Emit, mode: str) -> str:
    try:
        return await store.begin()
    except DatabaseError as failure:
        log.error("reply_not_stored", mode=mode, step="begin", error=repr(failure))
        await _safe_emit(emit, store_failed_event(None))
        raise ReplyNotStoredError() from failure


async def _announce_end(emit: Emit, message_id: str, payload: dict[str, Any] | None, *, retried: bool) -> None:
    await _safe_emit(emit, {"type": "typing.stop", "message_id": message_id})
    if payload is not None:
        await _safe_emit(emit, {"type": "message.done", "message": payload})
    if retried:
        await _safe_emit(emit, store_failed_event(message_id))


async def _finish(
    store: ReplyStore, stream: ReplyStream, status: str, error: str, *, mode: str
) -> tuple[dict[str, Any] | None, bool]:
    """Store the reply's end: the payload (None when no write went through) and whether it was retried.

    A failed write is tried once more on a fresh connection (each store call hands its connection
    back, so the next one takes a checked one from the pool), as interrupted or failed."""
    stats = stream.stats
    metadata: dict[str, Any] = stats.as_metadata() if stats is not None else {}
    if error:
        metadata["error"] = error
    text = stream.text or ""
    try:
        return await store.finish(text=text, status=status, metadata=metadata), False
    except DatabaseError as failure:
        log.warning("reply_store_failed", mode=mode, status=status, chars=len(text), error=repr(failure))
    await asyncio.sleep(STORE_RETRY_SECONDS)
    status = Status.INTERRUPTED if text else Status.FAILED
    try:
        payload = await store.finish(text=text, status=status, metadata={**metadata, "error": store_failed_message()})
    except DatabaseError as failure:
        log.error("reply_not_stored", mode=mode, step="finish", chars=len(text), error=repr(failure))
        return None, True
    log.warning("reply_stored_on_retry", mode=mode, status=status, chars=len(text))
    return payload, True


async def generate_reply(
    *,
    conversation: Conversation,
    emit: Emit,
    prompt: list[dict[str, str]] | None = None,
    prepared: Prepared | None = None,
    coalesce_seconds: float = COALESCE_SECONDS,
) -> Message:
    """Stream the partner's next turn (or its opening line when nothing was said yet) into the
    conversation; ``prepared`` is the prompt and the reply's row when ``take_line`` made them."""
    try:
        messages, begun = prepared or await _reply_prepare(conversation, prompt)
    except DatabaseError as failure:
        log.error("reply_not_stored", mode=conversation.mode, step="begin", error=repr(failure))
        await _safe_emit(emit, store_failed_event(None))
        raise ReplyNotStoredError() from failure
    store = ConversationReplyStore(conversation, begun)
    purpose = PURPOSE_BY_MODE.get(conversation.mode, Purpose.CHAT_PARTNER)
    await stream_into(
        store, messages=messages, purpose=purpose, mode=conversation.mode, emit=emit, coalesce_seconds=coalesce_seconds
    )
    assert store.message is not None
    return store.message
