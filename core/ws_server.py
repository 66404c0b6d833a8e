"""How daphne reads socket frames before the consumers see them (``install`` runs from ``asgi``).

- A frame or message over ``ws_frames.MAX_FRAME_BYTES`` is refused with the close code 1009
  ("message too big") in a close frame, not by dropping the TCP connection (which a client sees
  as 1006 and cannot tell from a network failure).
- A text frame that is not valid UTF-8 reaches the consumer as a binary frame, which answers it
  with an error frame and stays open (instead of the connection being dropped).
- Bytes written and read go straight to the transport and the frame parser: autobahn formats the
  arguments of a debug line for each of them (the method's qualified name and the peer, coloured),
  whatever the log level, which costs a reply's socket a few microseconds for every frame.
"""

from typing import Any

from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol

from core.ws_frames import MAX_FRAME_BYTES


class FrameCheckingProtocol(WebSocketProtocol):  # type: ignore[misc]
    # autobahn copies the factory's options onto a connection only where the protocol sets none.
    failByDrop = False
    utf8validateIncoming = False
    maxFramePayloadSize = MAX_FRAME_BYTES
    maxMessagePayloadSize = MAX_FRAME_BYTES

    def onMessage(self, payload: bytes, isBinary: bool) -> None:  # noqa: N802, N803 (autobahn's names)
        super().onMessage(payload, isBinary or not _is_utf8(payload))

    def sendData(self, data: bytes, sync: bool = False, chopsize: int | None = None) -> None:  # noqa: N802
        """autobahn's ``sendData`` without its debug line, octet log and traffic counters (read by
        nothing here: daphne keeps no statistics of autobahn's): queued data and chopped writes go its way."""
        if sync or chopsize or self.send_queue:
            super().sendData(data, sync, chopsize)
        else:
            self.transport.write(data)

    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        self._dataReceived(data)


def _is_utf8(payload: bytes) -> bool:
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def install() -> None:
    """Every daphne server in this process (``daphne``, ``runserver``, the tests' live server)
    builds its socket connections with ``FrameCheckingProtocol``."""
    factory: Any = WebSocketFactory
    factory.protocol = FrameCheckingProtocol
