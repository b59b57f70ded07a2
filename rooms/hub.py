"""Fan-out: one channel per room per process reads new events once and renders them once per
audience; every socket of an audience gets the same bytes. Under uvicorn's ``websockets``
implementations the frame is encoded once and written to each socket's transport synchronously
(``rooms.wire``); a socket whose unsent bytes pass ``WRITE_BUFFER_LIMIT`` is dropped with 1013
and resyncs when it reconnects. Elsewhere each socket has a bounded queue and a writer task.

Writers call ``Hub.advanced`` after commit; votes and poll answers wait for the next coalesced
flush (``LAZY_INTERVAL``), everything else flushes at once. A fan-out pass holds the event loop
for tens of milliseconds, so passes are kept few: a vote flush that falls due while an urgent
action of the room is in flight in this process (``Hub.acting``) waits for it, at most ``HOLD``,
and one pass carries both; an urgent event committed while a flush is reading rides that
flush's pass instead of the next one, and a pass about to start waits a little
(``URGENT_HOLD``) for an urgent event being committed. With several processes, the hub
publishes one ``room.advanced`` per room per tick on the PostgreSQL bus (at once when an urgent
event is among them, named by its number; votes alone wait for the tick), and other processes
read the new events from the database; a named urgent event they have not sent goes out at once
even when a later vote's advance reached them first. A periodic check of ``rooms.last_seq``
covers notifications lost while the bus reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from starlette.websockets import WebSocket, WebSocketState

from deliberation.db import Database, sqlite_reads_only
from deliberation.events import PostgresBus
from deliberation.events.catalogue import Event, RoomAdvanced
from rooms.log import events_after
from rooms.models import Room, RoomEvent
from rooms.ratelimit import MemoryBuckets
from rooms.render import Renderer, dumps
from rooms.wire import RawSocket, text_frame

log = logging.getLogger(__name__)


LAZY_INTERVAL = 0.25  # seconds between the starts of coalesced vote flushes
HOLD = 0.04  # longest wait of a due vote flush for an urgent action in flight in this process
COMMIT_HOLD = 0.1  # the same for an urgent event being committed
URGENT_HOLD = 0.015  # longest wait of a ready pass for another urgent event being committed
TICK = 0.05  # cross-process publishing tick for coalesced events
CHECK_INTERVAL = 2.0  # safety net: compare rooms.last_seq with what was delivered
QUEUE_FRAMES = 64  # a client this far behind is dropped and resyncs on reconnect
WRITE_BUFFER_LIMIT = 256 * 1024  # bytes the kernel has not taken yet: past it, dropped
BATCH = 500  # events read (and sent) at most per frame
READER_POOL = 2  # connections of the fan-out's own pool (PostgreSQL)
SLOW_CLIENT = 1013  # "try again later": clients reconnect and get a snapshot
GC_YOUNG = 50_000  # allocations between young collections (CPython's default: 700)
GC_MIDDLE = 2  # young collections between middle ones (CPython's default: 10)


def tune_gc() -> None:
    """Fewer young collections, so that fewer short-lived objects live through two of them.

    A process with thousands of room sockets holds about a million long-lived objects; with
    CPython's default thresholds the objects of requests in flight keep being promoted to the
    oldest generation, whose full collections then scan everything: 0.1-0.75 s with the event
    loop stopped at 5,000 sockets (measured), the worst of the room's latencies. Process-wide,
    set once when the hub starts. A young collection then takes a few milliseconds (8-22 ms
    were measured while 5,000 clients connected to a busy machine).

    The middle generation is collected every 2 young collections instead of 10, so it never
    holds more than two young collections' survivors: with 10, the objects of a burst of
    thousands of new sockets piled up there and one middle collection took 160-240 ms, seconds
    after the burst, whenever it fell due (with two processes, a late question on one of them
    in 4 of 7 runs; none in 4 runs with 2).
    """
    young, middle, old = gc.get_threshold()
    if young and young < GC_YOUNG:
        gc.set_threshold(GC_YOUNG, min(middle, GC_MIDDLE), old)


class Frame:
    """One update for one audience: the same text, and the same wire bytes, for every socket."""

    __slots__ = ("_wire", "events", "first", "last", "text")

    def __init__(
        self, first: int, last: int, text: str, events: list[dict[str, Any]] | None = None
    ) -> None:
        self.first = first
        self.last = last
        self.text = text
        # JSON audiences: the serialised events, to trim a frame that overlaps a replay.
        self.events = events
        self._wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        """The WebSocket text frame, encoded once for every socket of the audience."""
        if self._wire is None:
            self._wire = text_frame(self.text.encode())
        return self._wire


class Conn:
    """One room socket. Frames are written to it at once, synchronously, when the server's
    protocol is reachable (``rooms.wire``), else through a bounded queue and a writer task.

    Frames offered while the socket is still being greeted (snapshot or replay) wait in
    ``pending`` and follow the greeting, in order, when ``start`` is called.
    """

    __slots__ = (
        "audience",
        "dropped",
        "language",
        "participant_id",
        "pending",
        "queue",
        "raw",
        "sent_seq",
        "transport",
        "websocket",
        "writer",
    )

    def __init__(
        self,
        websocket: WebSocket,
        audience: str,
        language: str,
        participant_id: int | None = None,
        raw: RawSocket | None = None,
    ) -> None:
        self.websocket = websocket
        self.audience = audience  # participant | console | projector | public | staff
        self.language = language
        self.participant_id = participant_id
        self.raw = raw
        # The raw socket's transport once the greeting is sent (the inlined fan-out path).
        self.transport: asyncio.WriteTransport | None = None
        self.sent_seq = 0
        self.pending: list[Frame] | None = []  # None once started
        self.queue: asyncio.Queue[Frame | None] | None = None
        self.writer: asyncio.Task[None] | None = None
        self.dropped = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.audience, self.language)

    @property
    def direct(self) -> bool:
        return self.raw is not None

    def offer(self, frame: Frame) -> None:
        if self.dropped:
            return
        if self.pending is not None:
            if len(self.pending) >= QUEUE_FRAMES:
                self.drop()
            else:
                self.pending.append(frame)
        elif self.raw is not None:
            self._write_now(self.raw, frame)
        else:
            assert self.queue is not None
            try:
                self.queue.put_nowait(frame)
            except asyncio.QueueFull:
                self.drop()

    def _write_now(self, raw: RawSocket, frame: Frame) -> None:
        if frame.last <= self.sent_seq:
            return
        if not raw.is_open():  # closing: the reader side unsubscribes
            return
        if raw.buffered() > WRITE_BUFFER_LIMIT:
            self.drop()
            return
        if not frame.text:
            data: bytes | None = None
        elif frame.first > self.sent_seq or frame.events is None:
            data = frame.wire
        else:
            text = trim(self, frame)
            data = text_frame(text.encode()) if text is not None else None
        self.sent_seq = frame.last
        if data is not None:
            raw.write(data)

    def drop(self) -> None:
        """Too far behind: closed with 1013, so the client reconnects and resyncs."""
        if self.dropped:
            return
        self.dropped = True
        self.transport = None
        log.info("dropping a slow room client (%s)", self.audience)
        if self.raw is not None:
            self.raw.drop(SLOW_CLIENT, "slow_client")
        else:
            asyncio.get_running_loop().create_task(self._close(SLOW_CLIENT))

    async def _close(self, code: int) -> None:
        with contextlib.suppress(Exception):
            if self.websocket.application_state is WebSocketState.CONNECTED:
                await self.websocket.close(code=code)

    def start(self) -> None:
        """The greeting is sent: write what arrived meanwhile, then write as frames come."""
        pending, self.pending = self.pending or [], None
        if self.dropped:
            return
        if self.raw is not None and not self.raw.usable():
            self.raw = None
        if self.raw is not None:
            self.transport = self.raw.transport
        else:
            self.queue = asyncio.Queue(maxsize=QUEUE_FRAMES)
            self.writer = asyncio.get_running_loop().create_task(self._write())
        for frame in pending:
            self.offer(frame)

    async def _write(self) -> None:
        assert self.queue is not None
        while True:
            frame = await self.queue.get()
            if frame is None:
                return
            if frame.last <= self.sent_seq:
                continue
            text = frame.text if frame.first > self.sent_seq else trim(self, frame)
            self.sent_seq = frame.last
            if text is not None:
                try:
                    await self.websocket.send_text(text)
                except Exception:  # the socket went away; the reader side cleans up
                    return


def trim(conn: Conn, frame: Frame) -> str | None:
    """The frame's text without the events this socket already got (after a replay)."""
    if frame.first > conn.sent_seq or frame.events is None:
        return frame.text
    rest = [e for e in frame.events if e["seq"] > conn.sent_seq]
    return dumps({"type": "events", "events": rest}) if rest else None


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
        # Set by an urgent advance or when the room's urgent actions in flight are done: ends a
        # vote flush's hold.
        self.released = asyncio.Event()
        self.last_flush = 0.0
        self.task = asyncio.get_running_loop().create_task(self._run())
        self.snapshots: dict[tuple[str, str], tuple[int, str]] = {}

    @property
    def size(self) -> int:
        return sum(len(c) for c in self.conns.values())

    def notify(self, seq: int, *, urgent: bool = False, urgent_seq: int = 0) -> None:
        """The room is at ``seq`` (or beyond).

        ``urgent_seq``: the number of an urgent event known exactly (a commit in this process,
        or the bus's ``room.advanced`` from another one). While that event is unsent it goes out
        at once, even when a vote with a later number was notified first (two commits raced to
        their notifications, here or across processes): not with the coalesced votes.
        ``urgent`` without a number (the periodic check, which knows no event): at once only
        if ``seq`` is news.
        """
        if seq <= self.seq:
            return
        news = seq > self.target
        pressing = urgent_seq > self.seq
        if not news and not pressing:
            return
        self.target = max(self.target, seq)
        self.wake.set()
        if pressing or (urgent and news):
            self.urgent.set()
            self.released.set()

    async def _run(self) -> None:
        sqlite_reads_only()  # this task only reads: on SQLite it never takes the write lock
        while True:
            await self.wake.wait()
            if not self.urgent.is_set():
                delay = self.last_flush + LAZY_INTERVAL - time.monotonic()
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.urgent.wait(), delay)
            if not self.urgent.is_set():
                await self._hold()
            self.wake.clear()
            self.urgent.clear()
            if self.seq >= self.target:  # sent meanwhile by the flush that was running
                continue
            # Votes wait at most LAZY_INTERVAL after the start of the previous flush.
            self.last_flush = time.monotonic()
            try:
                await self.flush()
            except Exception:
                log.exception("room %s: flush failed", self.room_id)
                await asyncio.sleep(0.5)
                self.wake.set()

    async def _hold(self) -> None:
        """An urgent action is on its way to its commit: the due votes wait for it (briefly)
        and ride its pass, rather than holding the loop for a pass of their own that the
        urgent event would then wait for."""
        hub, room_id = self.hub, self.room_id
        start = time.monotonic()
        deadline = start + HOLD
        while not self.urgent.is_set() and (hub.in_flight(room_id) or hub.committing(room_id)):
            if hub.committing(room_id):
                deadline = max(deadline, start + COMMIT_HOLD)
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.released.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.released.wait(), left)

    async def flush(self) -> None:
        # Up to what was known when the flush began: events committed meanwhile wait for the
        # next round of ``_run``, which coalesces them (or goes at once if one is urgent).
        goal = self.target
        while self.seq < goal:
            frames = None
            async with self.hub.reader.session() as session:
                events = list(await events_after(session, self.room_id, self.seq, limit=BATCH))
                if not events:
                    return
                if not self._urgent_beyond(events):
                    frames = await self.hub.renderer.frames(
                        session, self.room_id, events, set(self.conns)
                    )
            if self.hub.committing(self.room_id):
                # Another urgent event is being committed: its commit would wait for this pass
                # and then need a pass of its own. Wait for it (briefly) and send both at once.
                await self._commits_done()
                if self._urgent_beyond(events):
                    frames = None
            if frames is None:
                # An urgent event committed during the read rides this pass, not the next one.
                # Read in a transaction of its own (a SQLite read keeps the snapshot of its
                # first statement); if it is not there yet, the channel stays urgent.
                async with self.hub.reader.session() as session:
                    while self._urgent_beyond(events):
                        more = await events_after(
                            session, self.room_id, events[-1].seq, limit=BATCH - len(events)
                        )
                        if not more:
                            break
                        events.extend(more)
                        if events[-1].seq >= self.target:
                            self.urgent.clear()
                    goal = max(goal, events[-1].seq)
                    frames = await self.hub.renderer.frames(
                        session, self.room_id, events, set(self.conns)
                    )
            self.seq = events[-1].seq
            self.target = max(self.target, self.seq)
            self.fan_out(frames)

    async def _commits_done(self) -> None:
        """Wait while urgent events of the room are being committed, ``URGENT_HOLD`` at most."""
        deadline = time.monotonic() + URGENT_HOLD
        while self.hub.committing(self.room_id):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.released.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.released.wait(), left)

    def _urgent_beyond(self, events: list[RoomEvent]) -> bool:
        """An urgent event was committed after the last of these (and there is room for it)."""
        return self.urgent.is_set() and self.target > events[-1].seq and len(events) < BATCH

    def fan_out(self, frames: dict[tuple[str, str], Frame]) -> None:
        """Every socket of each audience gets its frame; synchronous, no await between sockets
        (a socket subscribed after this got a snapshot at least as new as ``seq``).

        The common case, a direct socket that is up to date, is inlined: a check of its write
        buffer and one ``transport.write`` of the shared bytes. Anything else goes through
        ``Conn.offer``.
        """
        limit = WRITE_BUFFER_LIMIT
        for key, frame in frames.items():
            group = self.conns.get(key)
            if not group:
                continue
            first, last = frame.first, frame.last
            wire = frame.wire if frame.text else b""
            for conn in list(group):
                transport, raw = conn.transport, conn.raw
                if (
                    transport is not None
                    and raw is not None
                    and conn.sent_seq < first
                    and raw.is_open()
                ):
                    if transport.get_write_buffer_size() > limit:
                        conn.drop()
                        continue
                    conn.sent_seq = last
                    if wire:
                        transport.write(wire)
                else:
                    conn.offer(frame)


class Reader:
    """The fan-out's own small pool on PostgreSQL: autocommit reads (PostgreSQL reads at READ
    COMMITTED, so a transaction would only add round trips), no ping on checkout (a flush that
    fails on a dropped connection is retried on a fresh one)."""

    def __init__(self, url: str) -> None:
        self.engine = create_async_engine(
            url,
            pool_size=READER_POOL,
            max_overflow=READER_POOL,
            pool_pre_ping=False,
            isolation_level="AUTOCOMMIT",
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    async def dispose(self) -> None:
        await self.engine.dispose()


class Hub:
    """Every room channel of this process."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.db = app.state.db
        # What the fan-out reads (new events, the sequence check) comes through a small pool of
        # its own on PostgreSQL, so it never queues behind requests that wait for a room's lock.
        self.reader: Database | Reader = self.db
        self.bus = app.state.bus
        self.renderer = Renderer(app)
        self.channels: dict[int, Channel] = {}
        self.vote_limiter = MemoryBuckets()
        self._outgoing: dict[int, tuple[int, int]] = {}  # room: (last seq, last urgent seq)
        self._acting: dict[int, int] = {}  # room -> urgent actions in flight in this process
        self._committing: dict[int, int] = {}  # room -> urgent events being committed
        self._publish_now = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscription: Any = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        tune_gc()
        if self.db.is_postgres and self.db.sessionmaker.kw.get("bind") is self.db.engine:
            self.reader = Reader(self.db.url)
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
        if self.reader is not self.db:
            await self.reader.dispose()

    @property
    def connections(self) -> int:
        return sum(c.size for c in self.channels.values())

    def room_connections(self, room_id: int) -> int:
        channel = self.channels.get(room_id)
        return channel.size if channel else 0

    def in_flight(self, room_id: int) -> int:
        return self._acting.get(room_id, 0)

    def committing(self, room_id: int) -> int:
        return self._committing.get(room_id, 0)

    @contextlib.contextmanager
    def acting(self, room_id: int, *, commit: bool = False) -> Iterator[None]:
        """Around a request's urgent action on a room (a question, moderation, the room's
        state, polls): a vote flush that falls due meanwhile waits for it (``HOLD`` at most).
        The action's commit calls ``advanced`` inside the block; leaving it ends the hold.

        ``commit``: around the commit of an urgent event (``rooms.log.commit_room``); a vote
        flush waits for that up to ``COMMIT_HOLD``, as the event is about to be sent.
        """
        counts = self._committing if commit else self._acting
        counts[room_id] = counts.get(room_id, 0) + 1
        if commit:
            channel = self.channels.get(room_id)
            if channel is not None:
                channel.released.set()  # a hold in progress takes the longer bound
        try:
            yield
        finally:
            left = counts[room_id] - 1
            if left:
                counts[room_id] = left
            else:
                del counts[room_id]
                channel = self.channels.get(room_id)
                if channel is not None:
                    channel.released.set()

    def advanced(self, room_id: int, seq: int, *, urgent: bool) -> None:
        """Called after a commit in this process."""
        channel = self.channels.get(room_id)
        if channel is not None:
            channel.notify(seq, urgent_seq=seq if urgent else 0)
        if isinstance(self.bus, PostgresBus):
            prev_seq, prev_urgent = self._outgoing.get(room_id, (0, 0))
            self._outgoing[room_id] = (max(seq, prev_seq), max(seq if urgent else 0, prev_urgent))
            if urgent:  # questions and moderation go out at once; votes wait for the tick
                self._publish_now.set()

    async def _on_bus(self, event: Event) -> None:
        assert isinstance(event, RoomAdvanced)
        channel = self.channels.get(event.room_id)
        if channel is not None:
            # A sender that names its urgent event: only that event is pressing (so this
            # process's own advances, delivered back to it, do not hurry its coalesced votes).
            if event.urgent_seq:
                channel.notify(event.seq, urgent_seq=event.urgent_seq)
            else:
                channel.notify(event.seq, urgent=event.urgent)

    async def _publish_ticks(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._publish_now.wait(), TICK)
            self._publish_now.clear()
            if not self._outgoing:
                continue
            outgoing, self._outgoing = self._outgoing, {}
            events = [
                RoomAdvanced(room_id=room_id, seq=seq, urgent=bool(urgent), urgent_seq=urgent)
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
                async with self.reader.session() as session:
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
        conn.transport = None
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
