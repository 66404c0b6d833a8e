"""Helpers for watch tests: sockets, scripted sessions, replaying frames like a client does."""

from typing import Any

from channels.testing import WebsocketCommunicator

from core.tests.sockets import bearer_headers
from core.tests.sockets import receive_until as receive_until
from watch.tests.conftest import COMMENTARY
from workplace_roleplay.asgi import application

PRESENCE = {"watch.user.join", "watch.user.leave"}


headers = bearer_headers


async def connect(session: Any, user: Any, query: str = "") -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/watch/{session.id}{query}", headers=headers(user))
    connected, code = await communicator.connect()
    assert connected, code
    return communicator


def script_turns(fake_llm: Any, lines: list[list[str]], delay: float = 0.0) -> None:
    """Each turn streams one list of tokens; then the judge writes the commentary."""
    for tokens in lines:
        fake_llm.reply(tokens=tokens, delay=delay)
    fake_llm.reply_json(COMMENTARY)


def without_presence(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [frame for frame in frames if frame["type"] not in PRESENCE]


def replay(snapshot: dict[str, Any], frames: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    """What a client shows after the snapshot and these frames: (seat, text, status) per turn."""
    turns = {m["id"]: dict(m) for m in snapshot["messages"]}
    for frame in frames:
        if frame["type"] == "watch.ai.message" and frame["kind"] == "token":
            turns[frame["message_id"]]["content"] += frame["text"]
        elif frame["type"] in ("watch.ai.message", "watch.learner.message"):
            message = frame["message"]
            if frame.get("kind") != "start" or message["id"] not in turns:
                turns[message["id"]] = dict(message)
    return [(m["persona"], m["content"], m["status"]) for m in turns.values()]


def assert_contiguous(after: int, frames: list[dict[str, Any]]) -> None:
    """Every event after ``after`` exactly once, in order."""
    expected = after + 1
    for frame in frames:
        if "seq" not in frame:
            continue
        assert frame["first_seq"] == expected, (frame, expected)
        expected = frame["seq"] + 1
