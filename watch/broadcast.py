"""Fan-out of a watched session to the viewers connected to this server process.

``publish`` appends an event to the session's log (``watch.bus``), which gives it the next
sequence number. Every server process runs ONE relay per session that has viewers here: it reads
the log (``XREAD BLOCK`` on Redis), applies each event to the session's live state, and hands the
events to its local subscribers directly (no channel layer): the token chunks of one turn read in
one batch go out as one frame, and each frame is encoded once per format, not once per viewer.

A subscriber gets the live state as a snapshot (with the sequence number it reflects) and from
then on every frame with a higher number, so a late joiner sees no gap and no duplicate. The
viewer count is kept per process in the bus and summed across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import os
import socket
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol
from weakref import WeakKeyDictionary

import structlog
from channels.db import database_sync_to_async

from watch import selectors
from watch.bus import Entry, get_bus

AI_MESSAGE = "watch.ai.message"
LEARNER_MESSAGE = "watch.learner.message"
STATE = "watch.state"
COMMENTARY = "watch.commentary"
SNAPSHOT = "watch.snapshot"
JOIN, LEAVE = "watch.user.join", "watch.user.leave"
REVOKED = "watch.revoked"  # to a viewer whose share link was disabled, just before the stream ends
PRESENCE_INTERVAL = 0.25  # at most this often a viewer-count frame
PRESENCE_HEARTBEAT = 1.0  # the count of other processes is looked at this often
READ_BLOCK_SECONDS = 1.0
# Sockets handed a frame before the server gets a turn to write them out: the first viewers'
# frames leave while the rest are still being queued.
FAN_OUT_SLICE = 50
log = structlog.get_logger(__name__)


@dataclass(eq=False)
class Frame:
    """What a subscriber receives; ``seq`` is the last event it carries (None: not in the log)."""

    data: dict[str, Any]
    seq: int | None = None
    _encoded: dict[Hashable, str | None] = field(default_factory=dict, repr=False)

    @property
    def type(self) -> str:
        return str(self.data["type"])

    def encoded(self, key: Hashable, encode: Callable[[Frame], str | None]) -> str | None:
        """The frame in one client format, encoded once whoever asks."""
        if key not in self._encoded:
            self._encoded[key] = encode(self)
        return self._encoded[key]

    def json(self) -> str:
        return self.encoded("json", lambda frame: json.dumps(frame.data, ensure_ascii=False)) or ""


class Subscriber(Protocol):
    async def deliver(self, frame: Frame) -> None: ...

    async def revoke(self) -> None:
        """The share link was disabled: end this viewer's connection."""
        ...


@dataclass(eq=False)
class Subscription:
    session_id: str
    subscriber: Subscriber
    owner: bool
    name: str
    since: int
    snapshot: Frame
    relay: Relay = field(repr=False)


def _is_token(event: dict[str, Any]) -> bool:
    return event.get("type") == AI_MESSAGE and event.get("kind") == "token"


def _is_done_of(event: dict[str, Any], token: dict[str, Any]) -> bool:
    message = event.get("message") or {}
    return (
        event.get("type") == AI_MESSAGE and event.get("kind") == "done" and message.get("id") == token.get("message_id")
    )


def frames_from(entries: list[Entry]) -> list[Frame]:
    """One frame per event, except that events read together are joined (``first_seq``..``seq``,
    ``ts`` of the oldest): consecutive chunks of one turn become one chunk, and chunks followed
    by the end of their turn become that end (which carries the whole text)."""
    frames: list[Frame] = []
    for entry in entries:
        last = frames[-1] if frames else None
        event = entry.event
        if last is not None and _is_token(last.data):
            if _is_token(event) and last.data.get("message_id") == event.get("message_id"):
                last.data["text"] += event.get("text", "")
                last.data["seq"] = last.seq = entry.seq
                continue
            if _is_done_of(event, last.data):
                joined = {**event, "seq": entry.seq, "first_seq": last.data["first_seq"], "ts": last.data["ts"]}
                frames[-1] = Frame(joined, seq=entry.seq)
                continue
        frames.append(Frame({**event, "seq": entry.seq, "first_seq": entry.seq}, seq=entry.seq))
    return frames


class LiveState:
    """The session as it is now: the stored snapshot with every later event applied."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.session: dict[str, Any] = dict(snapshot["session"])
        self.messages: dict[str, dict[str, Any]] = {m["id"]: dict(m) for m in snapshot["messages"]}
        self.seq = 0
        self.viewers = 0

    def apply(self, entry: Entry) -> None:
        self.seq = max(self.seq, entry.seq)
        event = entry.event
        kind = event.get("type")
        if kind == AI_MESSAGE:
            self._apply_ai(event)
        elif kind == LEARNER_MESSAGE:
            self.messages[event["message"]["id"]] = dict(event["message"])
        elif kind in (STATE, COMMENTARY):
            self.session.update(event.get("session") or {})

    def _apply_ai(self, event: dict[str, Any]) -> None:
        step = event.get("kind")
        if step in ("start", "done"):
            message = event["message"]
            if step == "done" or message["id"] not in self.messages:
                self.messages[message["id"]] = dict(message)
            return
        current = self.messages.get(str(event.get("message_id")))
        if current is not None and current.get("status") == "streaming":
            current["content"] = current.get("content", "") + event.get("text", "")

    def snapshot(self) -> Frame:
        data = {
            "type": SNAPSHOT,
            "seq": self.seq,
            "session": dict(self.session),
            "messages": [dict(message) for message in self.messages.values()],
            "viewers": self.viewers,
        }
        return Frame(data)


class Relay:
    """One session's reader and local fan-out in this process."""

    def __init__(self, hub: Hub, session_id: str) -> None:
        self.hub, self.session_id = hub, session_id
        self.subs: list[Subscription] = []
        self.state: LiveState | None = None
        self.starting: asyncio.Task[None] | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.presence_dirty = asyncio.Event()
        self.changes: list[tuple[str, str]] = []  # (JOIN|LEAVE, name) since the last viewer frame

    async def start(self) -> None:
        snapshot = await database_sync_to_async(selectors.live_snapshot)(session_id=self.session_id)
        state = LiveState(snapshot)
        for entry in await get_bus().range_after(self.session_id, 0):
            state.apply(entry)
        state.viewers = await get_bus().viewers(self.session_id)
        self.state = state
        self.tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._presence())]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await get_bus().set_viewers(self.session_id, self.hub.process, 0)

    def add(self, subscriber: Subscriber, *, owner: bool, name: str) -> Subscription:
        """Snapshot and subscription in one step (nothing can happen in between)."""
        assert self.state is not None
        self.state.viewers += 1
        snapshot = self.state.snapshot()
        subscription = Subscription(self.session_id, subscriber, owner, name, self.state.seq, snapshot, self)
        self.subs.append(subscription)
        self._changed(JOIN, name)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        if subscription in self.subs:
            self.subs.remove(subscription)
            self._changed(LEAVE, subscription.name)

    def _changed(self, kind: str, name: str) -> None:
        self.changes.append((kind, name))
        self.presence_dirty.set()

    async def _read(self) -> None:
        assert self.state is not None
        bus = get_bus()
        while True:
            try:
                entries = await bus.read(self.session_id, self.state.seq, READ_BLOCK_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - a broken Redis connection is retried
                log.warning("watch_relay_read_failed", session=self.session_id, error=type(error).__name__)
                await asyncio.sleep(0.5)
                continue
            for entry in entries:
                self.state.apply(entry)
            for frame in frames_from(entries):
                await self.fan_out(frame)

    async def fan_out(self, frame: Frame) -> None:
        for index, subscription in enumerate(list(self.subs)):
            if index and index % FAN_OUT_SLICE == 0:
                await asyncio.sleep(0)  # let the server write what is queued so far
            if frame.seq is not None and frame.seq <= subscription.since:
                continue
            try:
                await subscription.subscriber.deliver(frame)
            except Exception as error:  # noqa: BLE001 - a closed socket must not stop the others
                log.info("watch_deliver_failed", session=self.session_id, error=type(error).__name__)
                self.remove(subscription)
        if frame.type == STATE and frame.data.get("session", {}).get("share_enabled") is False:
            await self._revoke_viewers()

    async def _revoke_viewers(self) -> None:
        for subscription in [s for s in self.subs if not s.owner]:
            self.remove(subscription)
            with contextlib.suppress(Exception):
                await subscription.subscriber.revoke()

    async def _presence(self) -> None:
        assert self.state is not None
        bus, reported = get_bus(), -1
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PRESENCE_HEARTBEAT):
                    await self.presence_dirty.wait()
            self.presence_dirty.clear()
            changes, self.changes = self.changes, []
            try:
                here = len(self.subs)
                await bus.set_viewers(self.session_id, self.hub.process, here)
                total = await bus.viewers(self.session_id)
                if len(self.subs) != here:  # someone came or went meanwhile: count again
                    self.presence_dirty.set()
            except Exception as error:  # noqa: BLE001 - counted again on the next beat
                log.warning("watch_presence_failed", session=self.session_id, error=type(error).__name__)
                continue
            self.state.viewers = total
            if changes or total != reported:
                await self.fan_out(_presence_frame(changes, total, reported))
                reported = total
            await asyncio.sleep(PRESENCE_INTERVAL)


def _presence_frame(changes: list[tuple[str, str]], total: int, reported: int) -> Frame:
    kind = changes[-1][0] if changes else (JOIN if total > reported else LEAVE)
    names = [name for change, name in changes if change == kind][-10:]
    return Frame({"type": kind, "viewers": total, "users": names})


class Hub:
    """This event loop's relays, one per session with local subscribers."""

    def __init__(self) -> None:
        self.relays: dict[str, Relay] = {}
        self.process = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    async def subscribe(self, session_id: str, subscriber: Subscriber, *, owner: bool, name: str) -> Subscription:
        relay = self.relays.get(session_id)
        if relay is None:
            relay = self.relays[session_id] = Relay(self, session_id)
            # The relay outlives the socket that opened it: it runs in a context (log ids) of its own.
            relay.starting = asyncio.create_task(relay.start(), context=contextvars.Context())
        assert relay.starting is not None
        try:
            await asyncio.shield(relay.starting)
        except Exception:
            if self.relays.get(session_id) is relay:
                del self.relays[session_id]
            raise
        return relay.add(subscriber, owner=owner, name=name)

    async def unsubscribe(self, subscription: Subscription) -> None:
        relay = subscription.relay
        relay.remove(subscription)
        if relay.subs or self.relays.get(subscription.session_id) is not relay:
            return
        del self.relays[subscription.session_id]
        await relay.stop()
        if not self.relays:
            await get_bus().close_loop_client()


_hubs: WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = WeakKeyDictionary()


def hub() -> Hub:
    """The hub of the running event loop (a server process has one loop, hence one hub)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found


async def subscribe(session_id: str, subscriber: Subscriber, *, owner: bool, name: str) -> Subscription:
    return await hub().subscribe(session_id, subscriber, owner=owner, name=name)


async def unsubscribe(subscription: Subscription) -> None:
    await subscription.relay.hub.unsubscribe(subscription)


async def publish(session_id: str, event: dict[str, Any]) -> int:
    return await get_bus().publish(session_id, event)


def publish_sync(session_id: str, event: dict[str, Any]) -> int:
    return get_bus().publish_sync(session_id, event)


async def replay(session_id: str, after: int) -> list[Frame] | None:
    """The frames after ``after`` from the log, or None when some of them are gone (expired or trimmed)
    or ``after`` is past the end of the log (a position this session never reached)."""
    bus = get_bus()
    if after > await bus.last_seq(session_id):
        return None
    entries = await bus.range_after(session_id, after)
    if entries and entries[0].seq != after + 1:
        return None
    if not entries and await bus.last_seq(session_id) > after:
        return None
    return frames_from(entries)


def viewer_count(session_id: str) -> int:
    return get_bus().viewers_sync(session_id)
