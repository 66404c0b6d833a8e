"""A bare-bones WebSocket client for tests against the live server: it sends any frame a hostile
client could (binary, invalid UTF-8 in a text frame, oversized) and reads the server's close code."""

import base64
import json
import os
import socket
import struct
from typing import Any
from urllib.parse import urlsplit

import pytest

TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


class Closed(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"closed with {code}")
        self.code = code


class RawWebSocket:
    def __init__(self, url: str, headers: list[tuple[bytes, bytes]]) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {parts.path}?{parts.query} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name.decode()}: {value.decode()}" for name, value in headers),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(4096)
        assert response.startswith(b"HTTP/1.1 101"), response[:200]
        self.buffer = response.split(b"\r\n\r\n", 1)[1]

    def send_frame(self, opcode: int, payload: bytes) -> None:
        """One final, masked frame (as every client must send)."""
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        mask = os.urandom(4)
        repeated = (mask * (length // 4 + 1))[:length]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")
        try:
            self.sock.sendall(header + mask + masked)
        except OSError:
            pass  # the server may refuse a frame before it has read all of it

    def send_json(self, content: Any) -> None:
        self.send_frame(TEXT, json.dumps(content).encode())

    def _read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed(None)
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def receive(self) -> str:
        """The next text message; raises ``Closed`` with the server's close code."""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read(8))
            payload = self._read(length)
            opcode = first & 0x0F
            if opcode == CLOSE:
                raise Closed(struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None)
            if opcode == PING:
                self.send_frame(PONG, payload)
            elif opcode == TEXT:
                return payload.decode()

    def receive_json(self) -> Any:
        return json.loads(self.receive())

    def close(self) -> None:
        self.send_frame(CLOSE, struct.pack("!H", 1000))
        self.sock.close()


def malformed_text_frames(message_type: str, long_number_frame: str) -> dict[str, str]:
    """Text frames every socket must answer with ``bad_frame`` and stay open, by name (for ids);
    ``message_type`` is the socket's line-sending type, ``long_number_frame`` a frame of it with
    ``{number}`` where a 5000-digit number goes."""
    line = f'{{"type": "{message_type}", "text": '
    return {
        "invalid JSON": line,
        "empty": "",
        "deeply nested list": "[" * 30_000 + "]" * 30_000,
        "deeply nested object": '{"a":' * 10_000 + "1" + "}" * 10_000,
        "surrogate in text": line + '"\\ud800", "client_id": "c-1"}',
        "NUL in client_id": line + '"hello", "client_id": "\\u0000"}',
        "surrogate in client_id": line + '"hello", "client_id": "\\udfff"}',
        "raw lone surrogate": line + '"\udcff"}',
        "5000-digit number": long_number_frame.replace("{number}", "9" * 5000),
    }


def undecodable_frames(message_type: str) -> list[Any]:
    """(opcode, payload) frames only a raw client can send, as test parameters: binary, and a
    ``message_type`` line whose text is not UTF-8."""
    invalid_utf8 = f'{{"type": "{message_type}", "text": "'.encode() + b'\xff\xfe"}'
    return [
        pytest.param(BINARY, b"\x00\xff\xfe binary", id="binary frame"),
        pytest.param(TEXT, invalid_utf8, id="invalid UTF-8 in a text frame"),
    ]


def oversized_frame(message_type: str) -> bytes:
    """A ``message_type`` line of 10 MB, far over what a socket reads."""
    return f'{{"type": "{message_type}", "text": "'.encode() + b"a" * 10_000_000 + b'"}'
