"""Turns of every mode, written and read one way: chat and scenarios (``Message``) and watch
(``watch.WatchMessage``) are all a ``Turn``.

- The learner's line is stored once per ``client_id``: sending it again returns the stored turn,
  and two sends at once leave one row (the database's unique constraint decides).
- A reply is stored before its first token (``reply_begin``, status ``streaming``) and finished
  with its text and status whatever becomes of the stream (``reply_finish``); a reply whose writer
  died is kept, interrupted, with its text so far (``replies_interrupt_stale``).
- A prompt is built from the turns that were spoken (``spoken``): failed and unfinished turns and
  empty rows are left out, an interrupted reply keeps its partial text.
- Every client sees a turn as ``turn_payload`` draws it, with what its mode adds.

Each mode keeps what is its own: whose the turn is (a role, a seat), its order, who is told.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from conversations.models import Status, Turn

MAX_CLIENT_ID_LENGTH = 64
T = TypeVar("T", bound=Turn)


def client_id_clean(raw: object) -> str | None:
    """The client's id for a line (at most 64 characters), or None when it sent none."""
    return str(raw or "").strip()[:MAX_CLIENT_ID_LENGTH] or None


def turn_append_once(
    turns: QuerySet[T], *, client_id: object, create: Callable[[str | None], T], atomic: bool = True
) -> tuple[T, bool]:
    """The turn stored under ``client_id`` (``created`` False), else the one ``create`` stores now.

    ``create`` is given the cleaned client id and runs in a transaction; the database's unique
    constraint decides between two sends of one id at once. ``atomic=False`` is for a ``create``
    that is one insert and checks nothing: the insert is tried at once (one round trip for the
    usual, new line, no BEGIN and COMMIT outside a transaction, a savepoint inside one) and a taken
    id returns the stored turn. Otherwise the stored turn is looked up first, so a repeat is
    answered before ``create`` checks anything (e.g. that the partner is still replying).
    """
    key = client_id_clean(client_id)
    if atomic and key and (existing := turns.filter(client_id=key).first()) is not None:
        return existing, False
    try:
        if not atomic and not transaction.get_connection().in_atomic_block:
            return create(key), True
        with transaction.atomic():
            return create(key), True
    except IntegrityError:
        if key and (existing := turns.filter(client_id=key).first()) is not None:
            return existing, False
        raise


def reply_begin(model: type[T], **fields: Any) -> T:
    """The row a reply streams into, stored before the first token arrives."""
    return model._default_manager.create(status=Status.STREAMING, **fields)


def reply_finish(*, turn: T, text: str, status: str, metadata: dict[str, Any]) -> T:
    """The reply's final text and status, with what the model call reported added to its metadata."""
    turn.content = text
    turn.status = status
    turn.metadata = {**(turn.metadata or {}), **metadata}
    turn.save(update_fields=["content", "status", "metadata"])
    return turn


def replies_interrupt_stale(
    turns: QuerySet[T],
    *,
    before: datetime | None = None,
    metadata: dict[str, Any] | None = None,
    finish: Callable[..., T] = reply_finish,
) -> list[T]:
    """Replies still "streaming" (begun before ``before``) whose writer died: kept as interrupted
    with their text so far, by the mode's own ``finish`` (``reply_finish``'s arguments)."""
    stale = turns.filter(status=Status.STREAMING)
    if before is not None:
        stale = stale.filter(created_at__lt=before)
    rows = list(stale)
    for row in rows:
        finish(turn=row, text=row.content, status=Status.INTERRUPTED, metadata={**(metadata or {}), "stale": True})
    return rows


def spoken(turns: QuerySet[T]) -> QuerySet[T]:
    """The turns a prompt is built from (the caller orders them)."""
    return turns.exclude(status__in=[Status.FAILED, Status.STREAMING]).exclude(content="")


def prompt_history(rows: QuerySet[T] | list[T], *, role_of: Callable[[T], str]) -> list[dict[str, str]]:
    """``rows`` as a model's messages: each with the role ``role_of`` gives it."""
    return [{"role": role_of(row), "content": row.content} for row in rows]


def turn_payload(turn: Turn, *, status: str | None = None) -> dict[str, Any]:
    """What every client sees of a turn (each mode adds whose it is); ``status`` overrides the stored one."""
    return {
        "id": str(turn.id),
        "content": turn.content,
        "status": status or turn.status,
        "error": (turn.metadata or {}).get("error"),
        "created_at": turn.created_at.isoformat(),
    }
