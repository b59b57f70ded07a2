"""Fan-out: one channel per room per process reads new events once and renders them once per
audience; every socket of an audience gets the same bytes through a bounded queue.

Writers call ``Hub.advanced`` after commit; votes and poll answers wait for the next coalesced
flush (``LAZY_INTERVAL``), everything else flushes at once. With several processes, the hub
publishes at most one ``room.advanced`` per room per tick on the PostgreSQL bus, and other
processes read the new events from the database. A periodic check of ``rooms.last_seq`` covers
notifications lost while the bus reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from starlette.websockets import WebSocket, WebSocketState

from deliberation.events import PostgresBus
from deliberation.events.catalogue import Event, RoomAdvanced
from rooms.log import events_after
from rooms.models import Room, RoomEvent
from rooms.ratelimit import MemoryBuckets
from rooms.render import Renderer

log = logging.getLogger(__name__)

LAZY_INTERVAL = 0.3  # seconds between coalesced vote flushes
TICK = 0.05  # cross-process publishing tick
CHECK_INTERVAL = 2.0  # safety net: compare rooms.last_seq with what was delivered
QUEUE_FRAMES = 64  # a client this far behind is dropped and resyncs on reconnect
SLOW_CLIENT = 1013  # "try again later": clients reconnect and get a snapshot


@dataclass(eq=False)
class Frame:
    first: int
    last: int
    text: str
    # JSON audiences: the serialised events, to trim a frame that overlaps a replay.
    events: list[dict[str, Any]] | None = None


@dataclass(eq=False)
class Conn:
    websocket: WebSocket
    audience: str  # participant | console | projector | public | staff
    language: str
    participant_id: int | None = None
    sent_seq: int = 0
    queue: asyncio.Queue[Frame | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_FRAMES)
    )
    writer: asyncio.Task[None] | None = None
    dropped: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.audience, self.language)

    def offer(self, frame: Frame) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.dropped = True
            log.info("dropping a slow room client (%s)", self.audience)
            asyncio.get_running_loop().create_task(self._close(SLOW_CLIENT))

    async def _close(self, code: int) -> None:
        with contextlib.suppress(Exception):
            if self.websocket.application_state is WebSocketState.CONNECTED:
                await self.websocket.close(code=code)

    def start(self, encode: Callable[[Conn, Frame], str | None]) -> None:
        self.writer = asyncio.get_running_loop().create_task(self._write(encode))

    async def _write(self, encode: Callable[[Conn, Frame], str | None]) -> None:
        while True:
            frame = await self.queue.get()
            if frame is None:
                return
            if frame.last <= self.sent_seq:
                continue
            text = encode(self, frame)
            self.sent_seq = frame.last
            if text is not None:
                try:
                    await self.websocket.send_text(text)
                except Exception:  # the socket went away; the reader side cleans up
                    return


class Channel:
    """The room's connections in this process and the task that feeds them."""

    def __init__(self, hub: Hub, room_id: int, seq: int) -> None:
        self.hub = hub
        self.room_id = room_id
        self.seq = seq
        self.target = seq
        self.conns: dict[tuple[str, str], set[Conn]] = {}
        self.wake = asyncio.Event()
        self.urgent = asyncio.Event()
        self.last_flush = 0.0
        self.task = asyncio.get_running_loop().create_task(self._run())
        self.snapshots: dict[tuple[str, str], tuple[int, str]] = {}

    @property
    def size(self) -> int:
        return sum(len(c) for c in self.conns.values())

    def notify(self, seq: int, *, urgent: bool) -> None:
        if seq <= self.target:
            return
        self.target = seq
        self.wake.set()
        if urgent:
            self.urgent.set()

    async def _run(self) -> None:
        while True:
            await self.wake.wait()
            if not self.urgent.is_set():
                delay = self.last_flush + LAZY_INTERVAL - time.monotonic()
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.urgent.wait(), delay)
            self.wake.clear()
            self.urgent.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("room %s: flush failed", self.room_id)
                await asyncio.sleep(0.5)
                self.wake.set()
            self.last_flush = time.monotonic()

    async def flush(self) -> None:
        while self.seq < self.target:
            async with self.hub.db.session() as session:
                events = list(await events_after(session, self.room_id, self.seq, limit=500))
                if not events:
                    return
                frames = await self.hub.renderer.frames(
                    session, self.room_id, events, set(self.conns)
                )
            self.seq = events[-1].seq
            self.target = max(self.target, self.seq)
            for key, frame in frames.items():
                for conn in list(self.conns.get(key, ())):
                    conn.offer(frame)


class Hub:
    """Every room channel of this process."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.db = app.state.db
        self.bus = app.state.bus
        self.renderer = Renderer(app)
        self.channels: dict[int, Channel] = {}
        self.vote_limiter = MemoryBuckets()
        self._outgoing: dict[int, tuple[int, bool]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._subscription: Any = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._subscription = self.bus.subscribe(self._on_bus, types=[RoomAdvanced.type])
        if isinstance(self.bus, PostgresBus):
            self._tasks.append(loop.create_task(self._publish_ticks()))
        self._tasks.append(loop.create_task(self._check_seqs()))

    async def stop(self) -> None:
        if self._subscription is not None:
            self.bus.unsubscribe(self._subscription)
        for task in self._tasks + [c.task for c in self.channels.values()]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.channels.clear()

    @property
    def connections(self) -> int:
        return sum(c.size for c in self.channels.values())

    def room_connections(self, room_id: int) -> int:
        channel = self.channels.get(room_id)
        return channel.size if channel else 0

    def advanced(self, room_id: int, seq: int, *, urgent: bool) -> None:
        """Called after a commit in this process."""
        channel = self.channels.get(room_id)
        if channel is not None:
            channel.notify(seq, urgent=urgent)
        if isinstance(self.bus, PostgresBus):
            prev_seq, prev_urgent = self._outgoing.get(room_id, (0, False))
            self._outgoing[room_id] = (max(seq, prev_seq), urgent or prev_urgent)

    async def _on_bus(self, event: Event) -> None:
        assert isinstance(event, RoomAdvanced)
        channel = self.channels.get(event.room_id)
        if channel is not None:
            channel.notify(event.seq, urgent=event.urgent)

    async def _publish_ticks(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            if not self._outgoing:
                continue
            outgoing, self._outgoing = self._outgoing, {}
            events = [
                RoomAdvanced(room_id=room_id, seq=seq, urgent=urgent)
                for room_id, (seq, urgent) in outgoing.items()
            ]
            try:
                await self.bus.publish(events)
            except Exception:
                log.exception("could not publish room advances; the periodic check will catch up")

    async def _check_seqs(self) -> None:
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            if not self.channels:
                continue
            try:
                async with self.db.session() as session:
                    rows = await session.execute(
                        select(Room.id, Room.last_seq).where(Room.id.in_(list(self.channels)))
                    )
                    for room_id, seq in rows:
                        channel = self.channels.get(room_id)
                        if channel is not None:
                            channel.notify(seq, urgent=True)
            except Exception:
                log.exception("room sequence check failed")

    def subscribe(self, room_id: int, seq: int, conn: Conn) -> Channel:
        """Add a connection before its snapshot is read, so it misses nothing after it."""
        channel = self.channels.get(room_id)
        if channel is None:
            channel = self.channels[room_id] = Channel(self, room_id, seq)
        channel.conns.setdefault(conn.key, set()).add(conn)
        return channel

    def unsubscribe(self, room_id: int, conn: Conn) -> None:
        conn.dropped = True
        if conn.writer is not None:
            conn.writer.cancel()
        channel = self.channels.get(room_id)
        if channel is None:
            return
        group = channel.conns.get(conn.key)
        if group is not None:
            group.discard(conn)
            if not group:
                del channel.conns[conn.key]
        if not channel.conns:
            channel.task.cancel()
            del self.channels[room_id]


__all__ = ["Conn", "Frame", "Hub", "RoomEvent"]
