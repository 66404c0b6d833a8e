"""Socket frames: the decoder, and both sockets under arbitrary frames (hypothesis)."""

import json
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import AccessToken

from conversations.tests.factories import ConversationFactory, MessageFactory
from core.ws_frames import MAX_FRAME_BYTES, MAX_JSON_DEPTH, FrameRefused, FrameTooLarge, decode_frame, json_depth
from watch.models import Pace, State
from watch.tests.factories import WatchSessionFactory
from workplace_roleplay.asgi import application

# Text as a hostile client writes it: any code point, lone surrogates, NUL and control characters.
CHARACTERS = (
    st.characters()
    | st.characters(categories=["Cs"])
    | st.sampled_from(["\x00", "\x1b", "\x7f", "\u202e", "\ufeff", '"', "\\", "[", "{", "}", "]"])
)
TEXT = st.text(alphabet=CHARACTERS, max_size=40)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _deep(depth: int, opening: str) -> str:
    closing = {"[": "]", '{"a":': "}"}.get(opening, "")
    return opening * depth + ("1" if opening.startswith("{") else "") + closing * depth


def frames(types: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """One websocket.receive event: raw text, binary, a JSON object with arbitrary fields, any JSON
    value, or JSON nested deeper than allowed (balanced or not)."""
    objects = st.fixed_dictionaries(
        {"type": st.sampled_from(types) | TEXT},
        optional={key: JSON_VALUES for key in ("text", "client_id", "pace", "seat")},
    )
    as_json = st.tuples(objects | JSON_VALUES, st.booleans()).map(lambda v: json.dumps(v[0], ensure_ascii=v[1]))
    # Deep, yet within the frame size limit (a larger frame closes the socket with 1009, tested apart).
    deep = st.builds(_deep, st.integers(MAX_JSON_DEPTH + 1, MAX_FRAME_BYTES // 8), st.sampled_from(["[", '{"a":', "[{"]))
    text = st.one_of(TEXT, as_json, deep)
    return st.one_of(
        text.map(lambda t: {"type": "websocket.receive", "text": t}),
        st.binary(max_size=64).map(lambda b: {"type": "websocket.receive", "bytes": b}),
    )


def _all_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value.keys(), *(s for item in value.values() for s in _all_strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in _all_strings(item)]
    return []


# --- The decoder ------------------------------------------------------------------------------


@given(text=st.one_of(TEXT, JSON_VALUES.map(json.dumps), JSON_VALUES.map(lambda v: json.dumps(v, ensure_ascii=False))))
def test_it_decodes_any_text_to_storable_json_or_refuses_it(text: str) -> None:
    try:
        value = decode_frame(text)
    except (FrameRefused, FrameTooLarge):
        return
    assert value == json.loads(text)
    for string in _all_strings(value):
        assert "\x00" not in string
        string.encode("utf-8")  # no lone surrogate left


@given(value=JSON_VALUES)
def test_it_measures_nesting_as_the_parser_sees_it(value: Any) -> None:
    def depth(item: Any) -> int:
        children = list(item.values()) if isinstance(item, dict) else item if isinstance(item, list) else None
        return 0 if children is None else 1 + max((depth(child) for child in children), default=0)

    assert json_depth(json.dumps(value)) == min(depth(value), MAX_JSON_DEPTH + 1)


@pytest.mark.parametrize(
    ("text", "depth"),
    [('["[[[", "{{"]', 1), ('{"a": "\\"[["}', 1), ('[["\\\\"], []]', 2), ("[" * 50_000, MAX_JSON_DEPTH + 1)],
)
def test_it_ignores_brackets_inside_strings(text: str, depth: int) -> None:
    assert json_depth(text) == depth


@pytest.mark.parametrize(
    ("text", "reason"),
    [(None, "binary"), ("[NaN]", "json"), ('{"seat": Infinity}', "json"), ('{"text": "\\u0000"}', "characters")],
)
def test_it_refuses_what_is_not_strict_json(text: str | None, reason: str) -> None:
    with pytest.raises(FrameRefused) as refused:
        decode_frame(text, b"{}" if text is None else None)
    assert refused.value.reason == reason


# --- Both sockets under arbitrary frames --------------------------------------------------------


def _headers(user: Any) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {AccessToken.for_user(user)}".encode())]


async def _open(path: str, user: Any) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, headers=_headers(user))
    connected, code = await communicator.connect()
    assert connected, code
    await communicator.receive_json_from()  # the history / snapshot
    return communicator


@pytest.mark.django_db(transaction=True)
@SETTINGS
@given(frame=frames(["chat.message", "chat.stop", "chat.retry"]))
async def test_it_never_drops_the_chat_socket(fake_llm: Any, frame: dict[str, Any]) -> None:
    conversation = await database_sync_to_async(ConversationFactory)()
    await database_sync_to_async(MessageFactory)(conversation=conversation, role="assistant", content="お疲れさま！")
    communicator = await _open(f"/ws/chat/{conversation.id}", conversation.user)
    await communicator.send_input(frame)
    probe = f"probe-{uuid.uuid4()}"
    await communicator.send_json_to({"type": "chat.message", "text": probe, "client_id": probe})
    while True:  # every frame sent back is JSON; the probe is answered (stored, or the partner is busy)
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == "chat.error" and event["code"] == "busy":
            break
        if event["type"] == "chat.message.new" and event["message"]["content"] == probe:
            break
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@SETTINGS
@given(frame=frames(["watch.message", "watch.pace", "watch.step_in", "watch.halt", "watch.pause"]))
async def test_it_never_drops_the_watch_socket(frame: dict[str, Any]) -> None:
    session = await database_sync_to_async(WatchSessionFactory)(state=State.PAUSED, pace=Pace.FAST)
    communicator = await _open(f"/ws/watch/{session.id}", session.user)
    await communicator.send_input(frame)
    await communicator.send_json_to({"type": "watch.pace", "pace": Pace.SLOW})
    while True:  # every frame sent back is JSON; the probe is answered
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == "watch.state" and event["session"]["pace"] == Pace.SLOW:
            break
    await communicator.disconnect()
