"""The runner: the one place where a watched session's turns are generated.

``drive(session_id)`` takes the session's lease in the bus (so two runners never run one session)
and does what the session needs: the personas' turns one after the other while it runs, the
other persona's reply after each of the learner's lines once the learner stepped in, and the
wrap-up (transcript file, commentary) once it ended. It returns when nothing is left to do;
pausing, for instance, ends it, and resuming dispatches a new one.

Every turn goes through ``conversations.streaming.stream_into`` with a ``WatchReplyStore``: a row
is stored before the first token and finished whatever happens, so a crash loses at most the
turn in flight, which the next runner marks as interrupted. Each chunk is published to the
session's log and, on every chunk, the control in the bus is read: Stop, the learner taking this
persona's seat, "stop this reply" and the time limit end the turn there. A turn the database
could not store is announced as a ``watch.error`` event (``retryable``); the session then pauses
(Resume tries again) and this runner ends (a stale row is marked interrupted by the sweep).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import structlog
from channels.db import database_sync_to_async
from django.db import Error as DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import override

from conversations.streaming import ReplyNotStoredError, stream_into
from core.db import db_call
from llm import LLMError, Purpose
from llm.prompts import opening_messages, partner_messages
from watch import broadcast, conf, selectors, services, themes
from watch.bus import get_bus
from watch.commentary import commentary_generate
from watch.models import State, WatchMessage, WatchSession
from watch.transcripts import transcript_write

log = structlog.get_logger(__name__)
_ENDED = (State.STOPPED, State.FINISHED)


class WatchReplyStore:
    """A persona's turn kept as a ``WatchMessage`` (the ``ReplyStore`` of ``stream_into``)."""

    def __init__(self, session: WatchSession, persona: int) -> None:
        self.session, self.persona = session, persona
        self.message: WatchMessage | None = None

    async def begin(self) -> str:
        self.message = await db_call(services.reply_begin)(session=self.session, persona=self.persona)
        return str(self.message.id)

    async def finish(self, *, text: str, status: str, metadata: dict[str, Any]) -> dict[str, Any]:
        """Each call hands its connection back, so a write the database broke is retried on a fresh one."""
        assert self.message is not None
        self.message = await db_call(services.reply_finish)(
            message=self.message, text=text, status=status, metadata=metadata
        )
        return selectors.message_payload(self.message, self.session)


class Publisher:
    """``stream_into``'s events as events of the session's log."""

    def __init__(self, session_id: str, store: WatchReplyStore) -> None:
        self.session_id, self.store = session_id, store

    async def __call__(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "typing.start" and self.store.message is not None:
            message = selectors.message_payload(self.store.message, self.store.session)
            await broadcast.publish(
                self.session_id, {"type": broadcast.AI_MESSAGE, "kind": "start", "message": message}
            )
        elif kind == "token":
            data = {"message_id": event["message_id"], "persona": self.store.persona, "text": event["text"]}
            await broadcast.publish(self.session_id, {"type": broadcast.AI_MESSAGE, "kind": "token", **data})
        elif kind == "message.done":
            done = {"type": broadcast.AI_MESSAGE, "kind": "done", "message": event["message"]}
            await broadcast.publish(self.session_id, done)
        elif kind == "error":
            await broadcast.publish(self.session_id, {**event, "type": "watch.error", "persona": self.store.persona})


class Guard:
    """Asked on every chunk (and every few tenths of a second before the first): end this turn now?"""

    def __init__(self, session_id: str, seat: int, *, reply: bool, halt: int, deadline: float | None) -> None:
        self.session_id, self.seat, self.reply, self.halt, self.deadline = session_id, seat, reply, halt, deadline
        self.lease_lost = False

    async def __call__(self) -> bool:
        if self.lease_lost or (self.deadline is not None and time.monotonic() >= self.deadline):
            return True
        control = await get_bus().control(self.session_id) or {}
        state = control.get("state")
        if state in _ENDED:
            return True
        if self.reply:
            return int(control.get("halt", 0)) != self.halt
        return state == State.STEPPED_IN and control.get("seat") == self.seat


async def _load(session_id: str) -> WatchSession | None:
    return await database_sync_to_async(WatchSession.objects.filter(pk=session_id).first)()


async def _next_action(session: WatchSession) -> str | None:
    return await database_sync_to_async(selectors.next_action)(session=session)


async def drive(session_id: str) -> None:
    """Do the session's pending work while holding its lease; return when there is none left."""
    bus, token = get_bus(), uuid.uuid4().hex
    seconds = float(conf.get("WATCH_LEASE_SECONDS"))
    while await bus.acquire_lease(session_id, token, seconds):
        runner = Runner(session_id, token)
        try:
            await runner.run()
        finally:
            await bus.release_lease(session_id, token)
        if runner.store_failed:  # the database is failing: no second try straight away
            return
        # Work that arrived while the lease was being given up (a resume, a line) is not lost.
        session = await _load(session_id)
        if session is None or await _next_action(session) is None:
            return


class Runner:
    def __init__(self, session_id: str, token: str) -> None:
        self.session_id, self.token = session_id, token
        self.guard: Guard | None = None
        self.failures = 0
        self.store_failed = False

    async def run(self) -> None:
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            await self._recover()
            while (session := await _load(self.session_id)) is not None:
                action = await _next_action(session)
                if action is None:
                    return
                await self._do(action, session)
                if self.store_failed:
                    return
        finally:
            heartbeat.cancel()

    async def _do(self, action: str, session: WatchSession) -> None:
        if action == "finalize":
            await self._finalize(session)
        elif action == "reply":
            assert session.seat is not None
            await self._turn(session, seat=1 - session.seat, reply=True)
        elif not await self._limit_reached(session):
            await self._ai_turn(session)

    async def _heartbeat(self) -> None:
        seconds = float(conf.get("WATCH_LEASE_SECONDS"))
        while True:
            await asyncio.sleep(seconds / 3)
            if not await get_bus().refresh_lease(self.session_id, self.token, seconds) and self.guard is not None:
                self.guard.lease_lost = True

    async def _recover(self) -> None:
        """Turns a dead runner left "streaming" are kept as interrupted."""
        session = await _load(self.session_id)
        if session is None:
            return
        for row in await database_sync_to_async(services.interrupt_stale_turns)(session=session):
            message = selectors.message_payload(row, session)
            await broadcast.publish(self.session_id, {"type": broadcast.AI_MESSAGE, "kind": "done", "message": message})

    async def _limit_reached(self, session: WatchSession) -> bool:
        turns = await database_sync_to_async(selectors.ai_turns)(session=session)
        run_seconds = float((session.metadata or {}).get("run_seconds", 0))
        with override(session.language):
            if turns >= int(conf.get("WATCH_MAX_TURNS")):
                notice = _("The conversation reached its turn limit.")
                await database_sync_to_async(services.watch_finish)(session=session, reason="max_turns", notice=notice)
                return True
            if run_seconds >= float(conf.get("WATCH_MAX_SECONDS")):
                notice = _("The conversation reached its time limit.")
                await database_sync_to_async(services.watch_finish)(
                    session=session, reason="max_seconds", notice=notice
                )
                return True
        return False

    async def _ai_turn(self, session: WatchSession) -> None:
        started = time.monotonic()
        if not await self._pause_between(session):
            return
        seat = await database_sync_to_async(selectors.next_seat)(session=session)
        remaining = float(conf.get("WATCH_MAX_SECONDS")) - float((session.metadata or {}).get("run_seconds", 0))
        payload = await self._turn(session, seat=seat, reply=False, deadline=time.monotonic() + remaining)
        if self.store_failed:
            return
        await database_sync_to_async(services.add_run_seconds)(session=session, seconds=time.monotonic() - started)
        self.failures = self.failures + 1 if payload is not None and payload["status"] == "failed" else 0
        if self.failures >= int(conf.get("WATCH_MAX_FAILURES")):
            with override(session.language):
                notice = _("The AI could not answer. Press Resume to try again.")
            await database_sync_to_async(services.watch_pause_for_failure)(session=session, notice=notice)
        elif self.failures:
            await asyncio.sleep(1.0)

    async def _pause_between(self, session: WatchSession) -> bool:
        """The pace's pause before a turn (none before the first); False if the session stopped running."""
        if not await database_sync_to_async(session.messages.exists)():
            return True
        deadline = time.monotonic() + conf.pace_seconds(session.pace)
        while True:
            control = await get_bus().control(self.session_id) or {}
            if control.get("state", State.RUNNING) != State.RUNNING:
                return False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            await asyncio.sleep(min(remaining, 0.1))

    async def _turn(
        self, session: WatchSession, *, seat: int, reply: bool, deadline: float | None = None
    ) -> dict[str, Any] | None:
        """One turn of ``seat`` streamed into a stored row; None when it was cut off before the end."""
        brief = (session.metadata or {}).get("brief") or {}
        persona = themes.persona_prompt(session.ai_personas, seat, language=session.language, **brief)
        history = await database_sync_to_async(selectors.history_for)(session=session, seat=seat)
        messages = partner_messages(persona, history) if history else opening_messages(persona)
        store = WatchReplyStore(session, seat)
        halt = int((session.metadata or {}).get("halt", 0))
        self.guard = Guard(self.session_id, seat, reply=reply, halt=halt, deadline=deadline)
        task = asyncio.create_task(
            stream_into(
                store,
                messages=messages,
                purpose=Purpose.WATCH_PERSONA,
                mode="watch",
                emit=Publisher(self.session_id, store),
                coalesce_seconds=float(conf.get("WATCH_COALESCE_SECONDS")),
                model=str(session.persona(seat).get("model") or "") or None,
                interrupt=self.guard,
            )
        )
        try:
            return await self._until_done(task, self.guard)
        except ReplyNotStoredError:
            await self._pause_for_store_failure(session)
            return None

    async def _pause_for_store_failure(self, session: WatchSession) -> None:
        """A turn the database did not take (its viewers were told): wait for Resume."""
        self.store_failed = True
        with override(session.language):
            notice = _("The conversation could not be saved. Press Resume to try again.")
        try:
            await database_sync_to_async(services.watch_pause_for_failure)(session=session, notice=notice)
        except services.WatchStateError:
            return  # stepped in or stopped meanwhile: nothing to pause
        except DatabaseError as failure:
            log.error("watch_pause_not_stored", session=self.session_id, error=repr(failure))

    async def _until_done(self, task: asyncio.Task[dict[str, Any]], guard: Guard) -> dict[str, Any] | None:
        poll = float(conf.get("WATCH_CONTROL_POLL_SECONDS"))
        try:
            while not task.done():
                await asyncio.wait([task], timeout=poll)
                if not task.done() and await guard():
                    task.cancel()
                    await asyncio.wait([task])
        finally:
            if not task.done():
                task.cancel()
        return None if task.cancelled() else task.result()

    async def _finalize(self, session: WatchSession) -> None:
        """The transcript file, then the judge's commentary (a failure is kept and can be retried)."""
        await database_sync_to_async(transcript_write)(session)
        data: dict[str, Any] | None = None
        error = ""
        try:
            data = (await commentary_generate(session)).model_dump(mode="json")
        except LLMError as failure:
            error = failure.user_message
            log.info("watch_commentary_failed", session=self.session_id, kind=failure.kind)
        await database_sync_to_async(services.commentary_store)(session=session, commentary=data, error=error)
