"""The event catalogue and both buses, including two processes on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os

import pytest

from deliberation.events import EVENT_TYPES, InProcessBus, PostgresBus, commit, parse_event, record
from deliberation.events import catalogue as ev
from deliberation.models import User
from deliberation.services import accounts


def test_catalogue_types_are_dotted_and_unique():
    assert EVENT_TYPES
    for name, cls in EVENT_TYPES.items():
        assert cls.type == name
        assert "." in name and name == name.lower()


def test_every_event_roundtrips_through_its_envelope():
    for cls in EVENT_TYPES.values():
        sample = {
            field: 1 if info.annotation in (int, "int") else "x"
            for field, info in cls.model_fields.items()
        }
        try:
            event = cls(**sample)
        except ValueError:
            continue  # richer schemas are covered by their feature's own tests
        assert parse_event(json.dumps(event.envelope())) == event


def test_parse_rejects_unknown_and_malformed():
    with pytest.raises(ValueError):
        parse_event({"type": "nope.happened", "data": {}})
    with pytest.raises(ValueError):
        parse_event({"type": "user.registered", "data": {"user_id": "abc"}})
    with pytest.raises(ValueError):
        parse_event({"type": "user.registered", "data": {"user_id": 1, "extra": 2}})


def test_defining_a_type_twice_fails():
    with pytest.raises(TypeError):

        class Again(ev.Event):
            type = "user.registered"
            user_id: int


async def collect(bus, types=None):
    received: list[ev.Event] = []
    arrived = asyncio.Event()

    async def handler(event):
        received.append(event)
        arrived.set()

    bus.subscribe(handler, types)
    return received, arrived


async def test_in_process_bus_delivers_in_order_to_matching_subscribers():
    bus = InProcessBus()
    everything, _ = await collect(bus)
    only_deleted, _ = await collect(bus, {"user.deleted"})
    await bus.start()
    events = [ev.UserRegistered(user_id=i) for i in range(50)] + [ev.UserDeleted(user_id=7)]
    await bus.publish(events)
    for _ in range(100):
        if len(everything) == len(events):
            break
        await asyncio.sleep(0.01)
    assert everything == events
    assert only_deleted == [ev.UserDeleted(user_id=7)]
    await bus.stop()


async def test_failing_handler_does_not_stop_delivery(caplog):
    bus = InProcessBus()

    async def broken(event):
        raise RuntimeError("boom")

    bus.subscribe(broken)
    received, arrived = await collect(bus)
    await bus.start()
    await bus.publish([ev.UserRegistered(user_id=1)])
    await asyncio.wait_for(arrived.wait(), 2)
    assert received == [ev.UserRegistered(user_id=1)]
    await asyncio.sleep(0.01)
    assert "boom" in caplog.text
    await bus.stop()


async def test_events_are_published_only_after_commit(db):
    bus = InProcessBus()
    received, arrived = await collect(bus, {"user.registered", "user.deleted"})
    await bus.start()
    db.bus = bus
    async with db.session() as session:
        user = await accounts.register(
            session, email="e@example.org", display_name="E", password="x" * 12
        )
    await asyncio.wait_for(arrived.wait(), 2)
    assert received == [ev.UserRegistered(user_id=user.id)]

    async with db.session() as session:
        await session.get(User, user.id)  # a transaction is under way
        record(session, ev.UserDeleted(user_id=user.id))
        await session.rollback()
        await commit(session)
    await asyncio.sleep(0.05)
    assert [e.type for e in received] == ["user.registered"]
    await bus.stop()


async def test_failed_commit_publishes_nothing(db):
    from sqlalchemy.exc import IntegrityError

    bus = InProcessBus()
    received, _ = await collect(bus)
    await bus.start()
    db.bus = bus
    async with db.session() as session:
        session.add(User(email="same@example.org", display_name="A"))
        await session.commit()
    async with db.session() as session:
        session.add(User(email="same@example.org", display_name="B"))
        record(session, ev.UserRegistered(user_id=999))
        with pytest.raises(IntegrityError):
            await commit(session)
    await asyncio.sleep(0.05)
    assert received == []
    await bus.stop()


pg_only = pytest.mark.skipif(
    not os.environ.get("DELIBERATION_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: set DELIBERATION_TEST_DATABASE_URL",
)


@pg_only
async def test_postgres_bus_delivers_between_buses(migrated):
    channel = f"test_{os.getpid()}"
    first, second = PostgresBus(migrated, channel=channel), PostgresBus(migrated, channel=channel)
    got_first, _ = await collect(first)
    got_second, arrived = await collect(second)
    await first.start()
    await second.start()
    await first.publish([ev.UserRegistered(user_id=1), ev.UserDeleted(user_id=1)])
    await asyncio.wait_for(arrived.wait(), 5)
    for _ in range(100):
        if len(got_second) == 2 and len(got_first) == 2:
            break
        await asyncio.sleep(0.02)
    assert got_second == [ev.UserRegistered(user_id=1), ev.UserDeleted(user_id=1)]
    assert got_first == got_second  # delivered locally once, its own echo ignored
    await first.stop()
    await second.stop()


def test_postgres_payloads_split_under_the_notify_limit():
    bus = PostgresBus("postgresql+asyncpg://x/y")
    events = [
        ev.ContributionCreated(consultation_id=1, contribution_id=i, channel="email")
        for i in range(500)
    ]
    payloads = bus._payloads(events)
    assert len(payloads) > 1
    assert all(len(p.encode()) < 8000 for p in payloads)
    assert [parse_event(e) for p in payloads for e in json.loads(p)["events"]] == events


def _other_process(url: str, channel: str, queue: multiprocessing.Queue) -> None:
    """A second process: listens, reports what it hears, then publishes its own event."""

    async def main() -> None:
        bus = PostgresBus(url, channel=channel)
        heard = asyncio.Event()

        async def handler(event: ev.Event) -> None:
            queue.put(event.envelope())
            heard.set()

        bus.subscribe(handler, {"user.registered"})
        await bus.start()
        queue.put("ready")
        await asyncio.wait_for(heard.wait(), 15)
        await bus.publish([ev.UserDeleted(user_id=99)])
        await asyncio.sleep(0.2)
        await bus.stop()

    asyncio.run(main())


@pg_only
async def test_two_processes_see_each_others_events(migrated):
    channel = f"twoproc_{os.getpid()}"
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_other_process, args=(migrated, channel, queue))
    process.start()
    try:
        assert await asyncio.to_thread(queue.get, True, 30) == "ready"
        bus = PostgresBus(migrated, channel=channel)
        received, arrived = await collect(bus, {"user.deleted"})
        await bus.start()
        await bus.publish([ev.UserRegistered(user_id=42)])
        heard = await asyncio.to_thread(queue.get, True, 20)
        assert heard == {"type": "user.registered", "data": {"user_id": 42}}
        await asyncio.wait_for(arrived.wait(), 20)
        assert received == [ev.UserDeleted(user_id=99)]
        await bus.stop()
    finally:
        await asyncio.to_thread(process.join, 20)
        if process.is_alive():
            process.kill()
    assert process.exitcode == 0


def test_events_doc_is_up_to_date():
    from pathlib import Path

    from deliberation.events import docs

    page = Path(__file__).resolve().parents[2] / "docs" / "events.md"
    assert page.read_text(encoding="utf-8") == docs.render(), (
        "docs/events.md is stale: run python -m deliberation.events.docs > docs/events.md"
    )
