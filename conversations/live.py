"""A learner's line and its reply's row, written on the event loop (PostgreSQL, ``core.adb``).

``line_store`` does in one statement what ``streaming.line_take`` does through the ORM in three:
store the line (once per client id; nothing on an ended conversation), open the reply's row
(status streaming) when the line is new, and read the turns the prompt is built from, as
``selectors.conversation_history`` reads them. The statement stores the line only in that user's
open conversation of that mode, and returns the conversation's row, so an API request needs no
other read (``conversation_of`` reads it first, as ``selectors.conversation_get`` does, where the
partner must be read from the database before the line is stored). The statement's snapshot is taken before its
inserts, so the history it reads is the one before the new line. ``reply_store_end`` stores a
reply's end as ``turns.reply_finish`` does. Both raise Django's ``DatabaseError`` for any
failure of the database or the pool, as the ORM would.

The ORM stays the path on another database and for every other write: these are the two
statements every line of every live conversation makes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.db import DatabaseError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from psycopg.types.json import Jsonb
from psycopg_pool import PoolTimeout

from accounts.models import User
from conversations.models import Conversation, Message, Role, Status
from core import adb

available = adb.available

_EXISTING = """SELECT row_to_json(found) FROM (
    SELECT id, content, status, client_id, metadata, created_at FROM conversations_message
     WHERE conversation_id = %(conversation)s AND client_id = %(client_id)s
) found"""
# The caller's own conversation of a mode, the user active: what both statements read it from.
_CONVERSATION_ROW = """c.id, c.user_id, c.mode, c.title, c.metadata, c.started_at, c.ended_at,
           c.shared_with_trainer_at, u.preferences"""
_OWN_CONVERSATION = """FROM conversations_conversation c JOIN accounts_user u ON u.id = c.user_id
     WHERE c.id = %(conversation)s AND c.user_id = %(user)s AND c.mode = %(mode)s AND u.is_active"""
# A time limit (``metadata.ends_at``, written as ISO 8601 by ``time_limits``) is read only when it
# has that shape, so an odd value never fails the statement (as ``parse_datetime`` returns None).
_ENDS_AT = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?([+-][0-9]{2}:[0-9]{2}|Z)?$"
_LINE = f"""
WITH conv AS (
    SELECT {_CONVERSATION_ROW},
           c.ended_at IS NULL AND NOT coalesce(
               CASE WHEN c.metadata->>'ends_at' ~ '{_ENDS_AT}'
                    THEN (c.metadata->>'ends_at')::timestamptz <= %(line_at)s END, false) AS open
      {_OWN_CONVERSATION}
), line AS (
    INSERT INTO conversations_message (id, conversation_id, role, content, status, client_id, metadata, created_at)
    SELECT %(line)s, %(conversation)s, '{Role.USER}', %(content)s, '{Status.COMPLETE}', %(client_id)s, '{{}}'::jsonb,
           %(line_at)s
    FROM conv WHERE conv.open
    ON CONFLICT (conversation_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
    RETURNING id
), reply AS (
    INSERT INTO conversations_message (id, conversation_id, role, content, status, client_id, metadata, created_at)
    SELECT %(reply)s, %(conversation)s, '{Role.ASSISTANT}', '', '{Status.STREAMING}', NULL, '{{}}'::jsonb,
           %(reply_at)s
    FROM line
    RETURNING id
)
SELECT
    EXISTS (SELECT 1 FROM conv WHERE open),
    EXISTS (SELECT 1 FROM reply),
    (SELECT coalesce(json_agg(json_build_array(m.role, m.content) ORDER BY m.created_at, m.id), '[]'::json)
       FROM conversations_message m
      WHERE m.conversation_id = %(conversation)s AND m.content <> ''
        AND m.status NOT IN ('{Status.FAILED}', '{Status.STREAMING}')),
    ({_EXISTING}),
    (SELECT row_to_json(conv) FROM conv)
"""  # noqa: S608 - only the models' own names and choices are formatted in

_CONVERSATION = f"SELECT row_to_json(conv) FROM (SELECT {_CONVERSATION_ROW} {_OWN_CONVERSATION}) conv"  # noqa: S608

_REPLY_END = "UPDATE conversations_message SET content = %s, status = %s, metadata = metadata || %s WHERE id = %s"


def conversation_filled(conversation: Conversation, found: dict[str, Any]) -> tuple[Conversation, User]:
    """``conversation`` (its id, user and mode known) completed from ``line_store``'s row, and its user."""
    conversation.title, conversation.metadata = found["title"], found["metadata"] or {}
    for field in ("started_at", "ended_at", "shared_with_trainer_at"):
        setattr(conversation, field, parse_datetime(found[field]) if found[field] else None)
    conversation._state.adding = False
    user = User(id=conversation.user_id, preferences=found["preferences"] or {}, is_active=True)
    user._state.adding = False
    conversation.user = user
    return conversation, user


async def conversation_of(*, user_id: Any, conversation_id: Any, mode: str) -> tuple[Conversation, User] | None:
    """The active user's own conversation in ``mode`` and the user (id and preferences only), or None."""
    row = await _fetch(_CONVERSATION, {"conversation": conversation_id, "user": user_id, "mode": mode})
    if row is None:
        return None
    return conversation_filled(Conversation(id=conversation_id, user_id=user_id, mode=mode), row[0])


class ConversationEndedError(Exception):
    """The conversation has ended (or is gone): the line was not stored."""


@dataclass(frozen=True)
class StoredLine:
    """The learner's line as stored; for a new one, the reply's row and the history before the line."""

    message: Message
    created: bool
    reply: Message | None = None
    history: list[dict[str, str]] | None = None
    found: dict[str, Any] | None = None  # the conversation's row and its user's preferences


def _message(conversation: Conversation, **fields: Any) -> Message:
    message = Message(conversation=conversation, **fields)
    message._state.adding = False  # the row exists: a later save() updates it
    message.stored_live = True  # type: ignore[attr-defined]  # committed here: ``is_live`` rows end here too
    return message


def is_live(message: Message | None) -> bool:
    """The row was written by this module, committed, so its end is written here as well. A row
    the ORM wrote may belong to a transaction still open on another connection (a request or test
    inside ``atomic``), which this module's connections cannot see."""
    return bool(getattr(message, "stored_live", False))


async def _fetch(sql: str, params: Any) -> tuple[Any, ...] | None:
    try:
        return await adb.fetch_one(sql, params)
    except (psycopg.Error, PoolTimeout) as failure:
        raise DatabaseError(str(failure)) from failure


def _stored(conversation: Conversation, row: dict[str, Any]) -> Message:
    return _message(
        conversation,
        id=uuid.UUID(row["id"]),
        role=Role.USER,
        content=row["content"],
        status=row["status"],
        client_id=row["client_id"],
        metadata=row["metadata"] or {},
        created_at=parse_datetime(row["created_at"]),
    )


async def line_store(conversation: Conversation, *, content: str, client_id: str | None) -> StoredLine:
    """Store the learner's (cleaned) line, open its reply's row and read the history, in one statement.

    ``conversation`` needs only its id, ``user_id`` and ``mode``: the line is stored only in that
    user's conversation of that mode, the user active, the conversation neither ended nor past its
    time limit. A ``client_id`` already stored returns that line (``created`` False, nothing else
    written). Raises ``ConversationEndedError`` when the line was refused (ended, out of time, not
    that user's or mode's), ``DatabaseError`` on failure. A new line comes with ``found``, the
    conversation's row (``conversation_filled`` completes ``conversation`` from it)."""
    line_at: datetime = timezone.now()
    reply_at = line_at + timedelta(microseconds=1)  # the reply sorts after its line
    line_id, reply_id = uuid.uuid4(), uuid.uuid4()
    params = {
        "conversation": conversation.id,
        "user": conversation.user_id,
        "mode": conversation.mode,
        "line": line_id,
        "reply": reply_id,
        "content": content,
        "client_id": client_id,
        "line_at": line_at,
        "reply_at": reply_at,
    }
    row = await _fetch(_LINE, params)
    assert row is not None
    is_open, created, history, existing, found = row
    if created:
        line = _message(
            conversation, id=line_id, role=Role.USER, content=content, client_id=client_id, created_at=line_at
        )
        reply = _message(conversation, id=reply_id, role=Role.ASSISTANT, status=Status.STREAMING, created_at=reply_at)
        turns = [{"role": role, "content": text} for role, text in history]
        history = [*turns, {"role": Role.USER, "content": content}]
        return StoredLine(line, created=True, reply=reply, history=history, found=found)
    if existing is None and client_id:  # a send of the same id still committing when the statement began
        again = await _fetch(_EXISTING, {"conversation": conversation.id, "client_id": client_id})
        existing = again[0] if again else None
    if existing is not None:
        return StoredLine(_stored(conversation, existing), created=False)
    if not is_open:
        raise ConversationEndedError
    raise DatabaseError("the line was neither stored nor found")


async def reply_store_end(*, message: Message, text: str, status: str, metadata: dict[str, Any]) -> Message:
    """Store a reply's final text and status, ``metadata`` added to what it holds."""
    await _fetch(_REPLY_END, (text, status, Jsonb(metadata), message.id))
    message.content, message.status = text, status
    message.metadata = {**(message.metadata or {}), **metadata}
    return message
