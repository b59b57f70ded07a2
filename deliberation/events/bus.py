"""Event buses: in-process for one server process, PostgreSQL LISTEN/NOTIFY for several.

Subscribers get events in publish order through their own queue, so a slow subscriber never
blocks the publisher. With PostgreSQL, a process delivers its own events locally at once and
ignores their echo; other processes receive them through NOTIFY.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any, Protocol

import asyncpg

from deliberation.events.catalogue import Event, parse_event

log = logging.getLogger(__name__)

Handler = Callable[[Event], Awaitable[None]]
CHANNEL = "deliberation_events"
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
MAX_PAYLOAD = 7900


class Subscription:
    def __init__(self, handler: Handler, types: Collection[str] | None) -> None:
        self.handler = handler
        self.types = frozenset(types) if types is not None else None
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    def wants(self, event: Event) -> bool:
        return self.types is None or event.type in self.types

    async def run(self) -> None:
        while True:
            event = await self.queue.get()
            try:
                await self.handler(event)
            except Exception:
                log.exception("event handler %r failed on %s", self.handler, event.type)


class EventBus(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def subscribe(self, handler: Handler, types: Collection[str] | None = None) -> Subscription: ...
    def unsubscribe(self, subscription: Subscription) -> None: ...
    async def publish(self, events: Sequence[Event]) -> None: ...


class InProcessBus:
    """Delivers events to subscribers of this process only."""

    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []
        self._running = False

    async def start(self) -> None:
        self._running = True
        for sub in self._subscriptions:
            self._start_subscription(sub)

    async def stop(self) -> None:
        self._running = False
        for sub in self._subscriptions:
            if sub.task is not None:
                sub.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sub.task
                sub.task = None

    def _start_subscription(self, sub: Subscription) -> None:
        if sub.task is None:
            sub.task = asyncio.get_running_loop().create_task(sub.run())

    def subscribe(self, handler: Handler, types: Collection[str] | None = None) -> Subscription:
        sub = Subscription(handler, types)
        self._subscriptions.append(sub)
        if self._running:
            self._start_subscription(sub)
        return sub

    def unsubscribe(self, subscription: Subscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
        if subscription.task is not None:
            subscription.task.cancel()

    def deliver(self, events: Sequence[Event]) -> None:
        for event in events:
            for sub in self._subscriptions:
                if sub.wants(event):
                    sub.queue.put_nowait(event)

    async def publish(self, events: Sequence[Event]) -> None:
        self.deliver(events)


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class PostgresBus(InProcessBus):
    """Fans events out to every process sharing one PostgreSQL database."""

    def __init__(self, database_url: str, *, channel: str = CHANNEL) -> None:
        super().__init__()
        self.dsn = asyncpg_dsn(database_url)
        self.channel = channel
        self.origin = uuid.uuid4().hex
        self._listener: asyncpg.Connection | None = None
        self._publisher: asyncpg.Connection | None = None
        self._publish_lock = asyncio.Lock()
        self._supervisor: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def start(self) -> None:
        await super().start()
        await self._connect_listener()
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise())

    async def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        for conn in (self._listener, self._publisher):
            if conn is not None and not conn.is_closed():
                await conn.close()
        self._listener = self._publisher = None
        await super().stop()

    async def _connect_listener(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        await conn.add_listener(self.channel, self._on_notify)
        self._listener = conn
        self._connected.set()

    async def _supervise(self) -> None:
        """Reconnect the listener when the connection drops (server restart, network)."""
        delay = 0.5
        while True:
            await asyncio.sleep(delay)
            if self._listener is not None and not self._listener.is_closed():
                delay = 0.5
                continue
            self._connected.clear()
            try:
                await self._connect_listener()
                log.warning("event bus listener reconnected")
                delay = 0.5
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("event bus listener cannot reconnect: %s", exc)
                delay = min(delay * 2, 10.0)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
            if message.get("origin") == self.origin:
                return
            events = [parse_event(envelope) for envelope in message["events"]]
        except (ValueError, KeyError, TypeError):
            log.exception("malformed event notification dropped")
            return
        self.deliver(events)

    def _payloads(self, events: Sequence[Event]) -> list[str]:
        payloads: list[str] = []
        batch: list[dict[str, Any]] = []
        for event in events:
            envelope = event.envelope()
            candidate = json.dumps({"origin": self.origin, "events": [*batch, envelope]})
            if len(candidate.encode()) <= MAX_PAYLOAD:
                batch.append(envelope)
                continue
            if not batch:
                raise ValueError(f"event {event.type} is too large for NOTIFY")
            payloads.append(json.dumps({"origin": self.origin, "events": batch}))
            batch = [envelope]
        if batch:
            payloads.append(json.dumps({"origin": self.origin, "events": batch}))
        return payloads

    async def publish(self, events: Sequence[Event]) -> None:
        self.deliver(events)
        payloads = self._payloads(events)
        async with self._publish_lock:
            for payload in payloads:
                await self._notify(payload)

    async def _notify(self, payload: str) -> None:
        for attempt in (1, 2):
            try:
                if self._publisher is None or self._publisher.is_closed():
                    self._publisher = await asyncpg.connect(self.dsn)
                await self._publisher.execute("SELECT pg_notify($1, $2)", self.channel, payload)
                return
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                if attempt == 2:
                    raise
                self._publisher = None


def create_bus(database_url: str, *, processes: int = 1) -> EventBus:
    """PostgreSQL LISTEN/NOTIFY whenever the database is PostgreSQL, since workers may be added."""
    if database_url.startswith("postgresql"):
        return PostgresBus(database_url)
    return InProcessBus()
