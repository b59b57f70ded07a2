"""Direct writes of a shared, pre-encoded WebSocket frame to many sockets (the room fan-out).

A server's data frames are not masked, and the room socket negotiates no extension (no
per-message compression), so a text message has the same bytes on every connection: the fan-out
encodes it once (``text_frame``) and hands the bytes to each socket's transport, synchronously,
as ``websockets.broadcast`` does. This skips, per socket, the writer task, the ASGI ``send``
through the middleware and the WebSocket library's framing: the cost per socket is one
``transport.write``.

``RawSocket.find`` reaches the server's WebSocket protocol object behind Starlette's
``WebSocket``: it follows the ASGI ``send`` callable through the middleware wrappers (each keeps
the next one as its free variable ``send``) down to the bound method of uvicorn's protocol. It
supports uvicorn's two ``websockets`` implementations; with any other server or implementation
(wsproto, a middleware that names its callable differently, a negotiated extension) it returns
``None`` and the caller keeps the ASGI path, with its bounded queue.

Flow control: ``buffered`` is the transport's write buffer (what the kernel did not take yet);
the hub drops a socket whose buffer passes its limit, so a slow client can neither slow the room
nor grow the server's memory.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from websockets.frames import Close, Frame, Opcode
from websockets.protocol import State

_SANSIO = "uvicorn.protocols.websockets.websockets_sansio_impl"
_LEGACY = "uvicorn.protocols.websockets.websockets_impl"
_MAX_DEPTH = 12
CLOSE_GRACE = 5.0  # seconds a dropped socket has to take its close frame before it is aborted


def text_frame(payload: bytes) -> bytes:
    """One unmasked, final text frame as a server sends it, with no extension."""
    return Frame(Opcode.TEXT, payload).serialize(mask=False)


def close_frame(code: int, reason: str = "") -> bytes:
    return Frame(Opcode.CLOSE, Close(code, reason).serialize()).serialize(mask=False)


def _protocol_behind(send: Any) -> Any:
    """The object whose bound method ``send`` ultimately is, following ``send`` closures."""
    fn = send
    for _ in range(_MAX_DEPTH):
        owner = getattr(fn, "__self__", None)
        if owner is not None:
            return owner
        code = getattr(fn, "__code__", None)
        closure = getattr(fn, "__closure__", None)
        if code is None or not closure or "send" not in code.co_freevars:
            return None
        try:
            fn = closure[code.co_freevars.index("send")].cell_contents
        except (IndexError, ValueError):  # an empty cell
            return None
    return None


class RawSocket:
    """The transport of one accepted uvicorn ``websockets`` connection, with its open check."""

    __slots__ = ("_legacy", "protocol", "transport")

    def __init__(self, protocol: Any, legacy: bool) -> None:
        self.protocol = protocol
        self.transport: asyncio.WriteTransport = protocol.transport
        self._legacy = legacy

    @classmethod
    def find(cls, websocket: Any) -> RawSocket | None:
        """The raw socket behind an accepted Starlette ``WebSocket``, or None to use ASGI."""
        protocol = _protocol_behind(getattr(websocket, "_send", None))
        if protocol is None:
            return None
        sansio = sys.modules.get(_SANSIO)
        legacy = sys.modules.get(_LEGACY)
        if sansio is not None and isinstance(protocol, sansio.WebSocketsSansIOProtocol):
            return cls(protocol, legacy=False)
        if legacy is not None and isinstance(protocol, legacy.WebSocketProtocol):
            return cls(protocol, legacy=True)
        return None

    def usable(self) -> bool:
        """Open, with no extension (compression would change the bytes per socket).

        Checked once the greeting is sent: the legacy protocol finishes its handshake after
        the ASGI accept.
        """
        p = self.protocol
        extensions = p.extensions if self._legacy else p.conn.extensions
        return not extensions and self.transport is not None and self.is_open()

    def is_open(self) -> bool:
        """Data frames may still be written: no close frame sent, the connection not closing.

        uvicorn's sans-I/O protocol closes the transport once it has a close frame from the
        client or loses the connection, so its ``close_sent`` and the transport say it all.
        """
        p = self.protocol
        if self._legacy:
            ok = p.state is State.OPEN and p._fragmented_message_waiter is None
        else:
            ok = p.handshake_complete and not p.close_sent
        return bool(ok) and not self.transport.is_closing()

    def buffered(self) -> int:
        return int(self.transport.get_write_buffer_size())

    def write(self, data: bytes) -> None:
        self.transport.write(data)

    def drop(self, code: int, reason: str) -> None:
        """Close now without waiting for the client: a close frame, then the connection.

        The transport sends what it holds and then closes; a client that reads nothing is
        cut off after ``CLOSE_GRACE`` seconds. The server's protocol sees the connection lost
        and the room socket's reader ends.
        """
        transport = self.transport
        if transport.is_closing():
            return
        if self.is_open():
            transport.write(close_frame(code, reason))
        transport.close()
        asyncio.get_running_loop().call_later(CLOSE_GRACE, transport.abort)
