"""When the room's channel flushes: few fan-out passes, and urgent events not behind votes.

A fan-out pass holds the event loop, so a vote flush that falls due while an urgent action of the
room is in flight waits for it (bounded) and one pass carries both; an urgent event committed
while a flush is reading rides that flush's pass. Real commits on both databases; the sockets are
recorders behind the queue path, so each frame the hub sends is seen as sent.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from typing import Any, cast

import pytest
from starlette.applications import Starlette
from starlette.websockets import WebSocket

from deliberation.db import Database
from deliberation.events import commit
from deliberation.events.catalogue import RoomAdvanced
from deliberation.models import Participant
from rooms import hub as hub_module
from rooms import log, services
from rooms.hub import Conn, Hub
from rooms.log import events_after
from rooms.models import Room
from tests.rooms.conftest import Setup, make_member, make_setup


class Recorder:
    """Stands for a room socket: keeps each frame with the time it was sent."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, list[dict[str, Any]]]] = []

    async def send_text(self, text: str) -> None:
        self.frames.append((time.monotonic(), json.loads(text)["events"]))


class Room_:
    def __init__(self, db: Database, hub: Hub, setup: Setup, member: Participant, qid: int):
        self.db, self.hub, self.setup, self.member, self.qid = db, hub, setup, member, qid
        self.socket = Recorder()

    async def listen(self) -> None:
        async with self.db.session() as s:
            room = await s.get(Room, self.setup.room_id)
            assert room is not None
            seq = room.last_seq
        conn = Conn(cast(WebSocket, self.socket), "public", "en", None)
        self.hub.subscribe(self.setup.room_id, seq, conn)
        conn.sent_seq = seq
        conn.start()

    async def vote(self) -> None:
        async with self.db.session() as s:
            s.info[log.HUB] = self.hub
            await services.vote(s, self.setup.room_id, self.qid, self.member.id, up=True)

    async def ask(self, body: str) -> None:
        async with self.db.session() as s:
            s.info[log.HUB] = self.hub
            member = await s.get(Participant, self.member.id)
            assert member is not None
            await services.ask(s, self.setup.room_id, member, body)

    async def frames(self, count: int, timeout: float = 5.0) -> list[list[dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while len(self.socket.frames) < count:
            assert time.monotonic() < deadline, f"{len(self.socket.frames)} frames of {count}"
            await asyncio.sleep(0.005)
        return [events for _at, events in self.socket.frames]


@pytest.fixture
async def room(committed_db: Database, committed_app: Starlette) -> Room_:
    hub: Hub = committed_app.state.room_hub
    async with committed_db.session() as s:
        setup = await make_setup(s)
        member = await make_member(s, setup, "Ala")
        s.info[log.HUB] = hub
        question = await services.ask(s, setup.room_id, member, "Gdzie będą ławki?")
        qid = question.id
    r = Room_(committed_db, hub, setup, member, qid)
    await r.listen()
    return r


def types(frame: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in frame]


async def test_a_due_vote_flush_waits_for_an_urgent_action_in_flight_and_rides_its_pass(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "LAZY_INTERVAL", 0.02)
    monkeypatch.setattr(hub_module, "HOLD", 1.0)
    with room.hub.acting(room.setup.room_id):
        await room.vote()
        await asyncio.sleep(0.3)  # the vote flush is due, but held
        assert room.socket.frames == []
        await room.ask("Czy będzie plac zabaw?")
        (frame,) = await room.frames(1)
    assert types(frame) == ["question.voted", "question.created"]
    seqs = [e["seq"] for e in frame]
    assert seqs == [seqs[0], seqs[0] + 1]
    await asyncio.sleep(0.1)
    assert len(room.socket.frames) == 1


async def test_the_hold_is_bounded(room: Room_, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "LAZY_INTERVAL", 0.02)
    monkeypatch.setattr(hub_module, "HOLD", 0.15)
    await asyncio.sleep(0.05)  # the previous flush is older than LAZY_INTERVAL
    with room.hub.acting(room.setup.room_id):
        committed = time.monotonic()
        await room.vote()
        (frame,) = await room.frames(1)
        sent = room.socket.frames[0][0]
    assert types(frame) == ["question.voted"]
    assert sent - committed >= 0.14


async def test_an_action_that_ends_without_an_event_releases_the_hold(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "LAZY_INTERVAL", 0.02)
    monkeypatch.setattr(hub_module, "HOLD", 10.0)
    started = time.monotonic()
    with pytest.raises(ValueError), room.hub.acting(room.setup.room_id):
        await room.vote()
        await asyncio.sleep(0.1)
        raise ValueError("refused")  # e.g. a question too long: nothing committed
    (frame,) = await room.frames(1)
    assert types(frame) == ["question.voted"]
    assert time.monotonic() - started < 5
    assert room.hub.in_flight(room.setup.room_id) == 0


async def test_without_an_action_in_flight_votes_are_not_held(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "LAZY_INTERVAL", 0.02)
    monkeypatch.setattr(hub_module, "HOLD", 10.0)
    await room.vote()
    (frame,) = await room.frames(1, timeout=5)
    assert types(frame) == ["question.voted"]


async def test_an_urgent_event_committed_while_a_flush_reads_rides_that_flush(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "LAZY_INTERVAL", 0.01)
    read = asyncio.Event()
    gate = asyncio.Event()
    real = events_after
    calls = 0

    async def slow_first_read(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        rows = await real(*args, **kwargs)
        calls += 1
        if calls == 1:  # the vote flush has read; hold it here while a question commits
            read.set()
            await gate.wait()
        return rows

    monkeypatch.setattr(hub_module, "events_after", slow_first_read)
    await room.vote()
    await asyncio.wait_for(read.wait(), 5)
    await room.ask("Kiedy start budowy?")
    gate.set()
    (frame,) = await room.frames(1)
    assert types(frame) == ["question.voted", "question.created"]
    await asyncio.sleep(0.1)
    assert len(room.socket.frames) == 1
    assert calls == 2


async def test_urgent_actions_through_the_api_are_counted_in_flight(
    room: Room_, committed_app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API wraps urgent actions (not votes) in ``Hub.acting`` until they are committed."""
    seen: list[tuple[str, int]] = []
    real_ask, real_vote = services.ask, services.vote

    async def ask(session: Any, room_id: int, *args: Any, **kwargs: Any) -> Any:
        seen.append(("ask", room.hub.in_flight(room_id)))
        return await real_ask(session, room_id, *args, **kwargs)

    async def vote(session: Any, room_id: int, *args: Any, **kwargs: Any) -> Any:
        seen.append(("vote", room.hub.in_flight(room_id)))
        return await real_vote(session, room_id, *args, **kwargs)

    monkeypatch.setattr(services, "ask", ask)
    monkeypatch.setattr(services, "vote", vote)
    import httpx

    from tests.conftest import Client

    async with Client(
        transport=httpx.ASGITransport(app=committed_app), base_url="http://testserver"
    ) as c:
        code = room.setup.code
        r = await c.api("POST", f"/api/rooms/{code}/join", {})
        assert r.status_code == 200, r.text
        r = await c.api("POST", f"/api/rooms/{code}/questions", {"body": "Przez API"})
        assert r.status_code == 201, r.text
        r = await c.api("PUT", f"/api/rooms/{code}/questions/{room.qid}/vote")
        assert r.status_code == 200, r.text
    assert seen == [("ask", 1), ("vote", 0)]
    assert room.hub.in_flight(room.setup.room_id) == 0


async def test_a_commit_of_an_urgent_event_holds_a_due_vote_flush_longer(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "LAZY_INTERVAL", 0.02)
    monkeypatch.setattr(hub_module, "HOLD", 0.0)
    monkeypatch.setattr(hub_module, "COMMIT_HOLD", 1.0)
    with room.hub.acting(room.setup.room_id, commit=True):
        await room.vote()
        await asyncio.sleep(0.3)  # due, and HOLD alone would not wait at all
        assert room.socket.frames == []
        await room.ask("Czy będą toalety?")
        (frame,) = await room.frames(1)
    assert types(frame) == ["question.voted", "question.created"]
    assert room.hub.committing(room.setup.room_id) == 0


async def test_an_urgent_commit_is_marked_and_a_vote_commit_is_not(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []

    async def counted(session: Any) -> None:
        seen.append(room.hub.committing(room.setup.room_id))
        await commit(session)

    monkeypatch.setattr(log, "commit", counted)
    await room.ask("Co z parkingiem?")
    await room.vote()
    # The vote's commit goes through commit_room on SQLite; on PostgreSQL it is one statement
    # and its commit too, never marked.
    assert seen[0] == 1
    assert all(n == 0 for n in seen[1:])
    assert room.hub.committing(room.setup.room_id) == 0


async def test_an_urgent_advance_notified_after_a_later_vote_still_goes_at_once(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two commits can reach the hub out of order: a vote numbered after a question may be
    notified first. The question must not then wait for the coalesced votes."""
    monkeypatch.setattr(hub_module, "LAZY_INTERVAL", 30.0)
    hub, room_id = room.hub, room.setup.room_id
    # Commit a question and then a vote without telling the hub, then tell it out of order.
    room.hub = cast(Hub, None)
    await room.ask("Czy będzie fontanna?")
    await room.vote()
    room.hub = hub
    async with room.db.session() as s:
        last = (await s.get(Room, room_id, populate_existing=True)).last_seq  # type: ignore[union-attr]
    ch = hub.channels[room_id]
    ch.last_flush = time.monotonic()  # a flush just went: votes alone would wait 30 s
    ch.notify(last, urgent=False)
    ch.notify(last - 1, urgent_seq=last - 1)
    (frame,) = await room.frames(1, timeout=3)
    assert types(frame) == ["question.created", "question.voted"]
    # Nothing is sent twice, and an advance already sent changes nothing.
    ch.notify(last - 1, urgent_seq=last - 1)
    await asyncio.sleep(0.2)
    assert len(room.socket.frames) == 1


async def test_advances_from_the_bus_or_the_check_do_not_hurry_pending_votes(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An urgent advance from the bus (per tick: the highest number, urgent if any was) or from
    the periodic check, at a number already known, does not send the coalesced votes early."""
    monkeypatch.setattr(hub_module, "LAZY_INTERVAL", 30.0)
    hub, room_id = room.hub, room.setup.room_id
    ch = hub.channels[room_id]
    ch.last_flush = time.monotonic()
    await room.vote()
    ch.notify(ch.target, urgent=True)
    await asyncio.sleep(0.3)
    assert room.socket.frames == []


async def test_an_urgent_advance_from_the_bus_after_a_later_vote_still_goes_at_once(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Across processes the same race: another process's tick announced a vote numbered after
    a question before the tick that names the question. The question goes at once; this
    process's own advances delivered back to it (their urgent event already sent) do not hurry
    the votes that followed."""
    monkeypatch.setattr(hub_module, "LAZY_INTERVAL", 30.0)
    hub, room_id = room.hub, room.setup.room_id
    room.hub = cast(Hub, None)  # committed "in another process": this hub is not told
    await room.ask("Czy będzie plac zabaw?")
    await room.vote()
    room.hub = hub
    last = await last_seq(room)
    ch = hub.channels[room_id]
    ch.last_flush = time.monotonic()
    await hub._on_bus(RoomAdvanced(room_id=room_id, seq=last, urgent=False))
    await asyncio.sleep(0.2)
    assert room.socket.frames == []  # a vote alone waits for the coalesced flush
    await hub._on_bus(RoomAdvanced(room_id=room_id, seq=last - 1, urgent=True, urgent_seq=last - 1))
    (frame,) = await room.frames(1, timeout=3)
    assert types(frame) == ["question.created", "question.voted"]


async def test_an_advance_naming_an_urgent_event_already_sent_does_not_hurry_votes(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process gets its own ``room.advanced`` back (and a tick may merge a question with the
    votes after it): once the named urgent event is sent, the votes wait for their flush."""
    monkeypatch.setattr(hub_module, "LAZY_INTERVAL", 30.0)
    hub, room_id = room.hub, room.setup.room_id
    ch = hub.channels[room_id]
    room.hub = cast(Hub, None)
    await room.ask("Czy będzie ławka?")
    room.hub = hub
    question = await last_seq(room)
    await hub._on_bus(RoomAdvanced(room_id=room_id, seq=question, urgent=True, urgent_seq=question))
    (frame,) = await room.frames(1, timeout=3)
    assert types(frame) == ["question.created"]
    ch.last_flush = time.monotonic()
    room.hub = cast(Hub, None)
    await room.vote()
    room.hub = hub
    vote = await last_seq(room)
    await hub._on_bus(RoomAdvanced(room_id=room_id, seq=vote, urgent=True, urgent_seq=question))
    await asyncio.sleep(0.3)
    assert len(room.socket.frames) == 1
    assert ch.target == vote  # known, and sent with the next coalesced flush


async def last_seq(room: Room_) -> int:
    async with room.db.session() as s:
        found = await s.get(Room, room.setup.room_id, populate_existing=True)
        assert found is not None
        return found.last_seq


async def test_a_ready_pass_waits_briefly_for_another_urgent_event_being_committed(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "URGENT_HOLD", 1.0)
    hub, room_id = room.hub, room.setup.room_id
    with hub.acting(room_id, commit=True):  # question B is being committed meanwhile
        await room.ask("Pytanie A")
        await asyncio.sleep(0.2)
        assert room.socket.frames == []  # A's pass waits for B's commit
        room.hub = cast(Hub, None)
        await room.ask("Pytanie B")
        room.hub = hub
        seq_b = await last_seq(room)
    hub.advanced(room_id, seq_b, urgent=True)  # what commit_room does once B is committed
    (frame,) = await room.frames(1)
    assert types(frame) == ["question.created", "question.created"]
    assert [e["data"]["body"] for e in frame] == ["Pytanie A", "Pytanie B"]


async def test_the_wait_for_another_commit_is_bounded(
    room: Room_, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "URGENT_HOLD", 0.1)
    with room.hub.acting(room.setup.room_id, commit=True):
        started = time.monotonic()
        await room.ask("Pytanie A")
        (frame,) = await room.frames(1, timeout=3)
        waited = room.socket.frames[0][0] - started
    assert types(frame) == ["question.created"]
    assert 0.09 <= waited < 2


def test_tune_gc_collects_young_objects_rarely_and_the_middle_generation_often() -> None:
    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        hub_module.tune_gc()
        assert gc.get_threshold() == (hub_module.GC_YOUNG, hub_module.GC_MIDDLE, 10)
        gc.set_threshold(0, 10, 10)  # collection turned off by the operator: left alone
        hub_module.tune_gc()
        assert gc.get_threshold() == (0, 10, 10)
    finally:
        gc.set_threshold(*saved)
