"""How daphne's socket protocol writes and reads frames (``core.ws_server``)."""

from collections import deque
from typing import Any

import autobahn.twisted.websocket
import autobahn.websocket.protocol
import pytest

from core.ws_server import FrameCheckingProtocol


class _Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)


def _protocol() -> Any:
    protocol = FrameCheckingProtocol()
    protocol.transport = _Transport()
    protocol.send_queue = deque()
    protocol.peer = "tcp4:127.0.0.1:50000"
    return protocol


@pytest.fixture
def formatted(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What autobahn formats for its debug lines (a frame's writer and peer): recorded, not formatted."""
    calls: list[Any] = []

    def record(value: Any, **_: Any) -> str:
        calls.append(value)
        return ""

    for module in (autobahn.websocket.protocol, autobahn.twisted.websocket):
        monkeypatch.setattr(module, "hltype", record)
        monkeypatch.setattr(module, "hlval", record)
    return calls


def test_a_frame_goes_to_the_transport_without_formatting_a_debug_line(formatted: list[Any]) -> None:
    protocol = _protocol()
    protocol.sendData(b"\x81\x02hi")
    assert protocol.transport.written == [b"\x81\x02hi"]
    assert formatted == []


def test_frames_behind_queued_ones_keep_their_order(formatted: list[Any]) -> None:
    protocol = _protocol()
    triggered: list[bool] = []
    protocol._trigger = lambda: triggered.append(True)
    protocol.send_queue.append((b"first", False))
    protocol.sendData(b"second")
    protocol.sendData(b"chopped", chopsize=3)
    assert [data for data, _ in protocol.send_queue] == [b"first", b"second", b"cho", b"ppe", b"d"]
    assert protocol.transport.written == [] and triggered


def test_bytes_read_go_to_the_frame_parser_without_formatting_a_debug_line(formatted: list[Any]) -> None:
    protocol = _protocol()
    parsed: list[bytes] = []
    protocol._dataReceived = parsed.append
    protocol.dataReceived(b"\x81\x82abcd")
    assert parsed == [b"\x81\x82abcd"]
    assert formatted == []
