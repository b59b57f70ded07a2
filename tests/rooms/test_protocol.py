"""The room protocol over real WebSocket connections to a real uvicorn server.

Snapshot, replay, resync, a gap-free ordered sequence, Origin checks, and role checks on every
message. The server is a subprocess on the test database; data is set up with real commits.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed, InvalidStatus

from deliberation.db import Database
from rooms.models import Room
from tests.rooms.conftest import Setup, make_setup
from tests.rooms.live import Web, recv_events, recv_json, run_server


@pytest.fixture(scope="module")
def server(migrated: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with run_server(migrated, tmp_path_factory.mktemp("rooms-live")) as base:
        yield base


@pytest.fixture
async def room(committed_db: Database) -> Setup:
    async with committed_db.session() as session:
        return await make_setup(session)


@pytest.fixture
async def web(server: str) -> AsyncIterator[object]:
    clients: list[Web] = []

    def make() -> Web:
        client = Web(server)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def last_seq(db: Database, room_id: int) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(Room.last_seq).where(Room.id == room_id)) or 0)


async def test_snapshot_then_gap_free_ordered_events(room, web, committed_db):
    alice, bob = web(), web()
    await alice.join(room.code, "Alicja")
    await bob.join(room.code)
    ws = await bob.socket(room.code, "format=json")
    snap = await recv_json(ws)
    assert snap["type"] == "snapshot" and snap["seq"] == 1 and snap["questions"] == []
    assert snap["me"]["votes"] == []
    r = await alice.api("POST", f"/api/rooms/{room.code}/questions", {"body": "Pierwsze?"})
    assert r.status_code == 201, r.text
    qid = r.json()["id"]
    for n in range(4):
        r = await alice.api("POST", f"/api/rooms/{room.code}/questions", {"body": f"Kolejne {n}"})
        assert r.status_code == 201
    r = await bob.api("PUT", f"/api/rooms/{room.code}/questions/{qid}/vote")
    assert r.json()["votes"] == 1
    assert (await bob.api("PUT", f"/api/rooms/{room.code}/questions/{qid}/vote")).json()[
        "votes"
    ] == 1
    events = await recv_events(ws, 6)
    assert [e["seq"] for e in events] == list(range(2, 8))
    assert [e["type"] for e in events] == ["question.created"] * 5 + ["question.voted"]
    assert events[0]["data"]["body"] == "Pierwsze?"
    assert events[-1]["data"] == {"id": qid, "votes": 1}
    assert all(isinstance(e["at"], float) for e in events)
    await ws.close()


async def test_replay_exactly_the_missed_events_and_resync(room, web, committed_db):
    alice = web()
    await alice.join(room.code)
    ws = await alice.socket(room.code, "format=json")
    seen = (await recv_json(ws))["seq"]
    await ws.close()
    for n in range(3):
        await alice.api(
            "POST", f"/api/rooms/{room.code}/questions", {"body": f"W czasie przerwy {n}"}
        )
    ws = await alice.socket(room.code, f"format=json&since={seen}")
    replay = await recv_json(ws)
    assert replay["type"] == "replay"
    assert [e["seq"] for e in replay["events"]] == [seen + 1, seen + 2, seen + 3]
    await alice.api("POST", f"/api/rooms/{room.code}/questions", {"body": "Po powrocie"})
    (live,) = await recv_events(ws, 1)
    assert live["seq"] == seen + 4
    await ws.close()
    ws = await alice.socket(room.code, "format=json&since=999999")
    resync = await recv_json(ws)
    assert resync["type"] == "resync" and resync["seq"] == seen + 4
    assert len(resync["questions"]) == 4
    await ws.close()
    # The same over HTTP.
    r = await alice.http.get(f"/api/rooms/{room.code}/events", params={"since": seen + 2})
    assert [e["seq"] for e in r.json()["events"]] == [seen + 3, seen + 4]


async def test_pending_questions_keep_the_sequence_without_leaking(web, committed_db):
    async with committed_db.session() as session:
        room = await make_setup(session, premoderated=True)
    alice, facilitator = web(), web()
    await alice.join(room.code)
    await facilitator.login(room.facilitator_email)
    public = await alice.socket(room.code, "format=json")
    staff = await facilitator.socket(room.code, "view=console&format=json")
    assert (await recv_json(public))["type"] == "snapshot"
    assert (await recv_json(staff))["type"] == "snapshot"
    r = await alice.api("POST", f"/api/rooms/{room.code}/questions", {"body": "Tajne?"})
    qid = r.json()["id"]
    (pub,) = await recv_events(public, 1)
    (stf,) = await recv_events(staff, 1)
    assert pub["seq"] == stf["seq"]
    assert pub["data"] == {"id": qid, "state": "withdrawn"}
    assert stf["data"]["body"] == "Tajne?"
    await staff.send(
        json.dumps({"action": "moderate", "question_id": qid, "op": "approve", "ref": 7})
    )
    ack = await recv_json(staff)
    while ack.get("type") != "ack":
        ack = await recv_json(staff)
    assert ack["ref"] == 7
    (pub,) = await recv_events(public, 1)
    assert pub["data"]["body"] == "Tajne?" and pub["seq"] == stf["seq"] + 1
    await public.close()
    await staff.close()


async def test_foreign_origin_is_refused_before_accept(room, web):
    alice = web()
    with pytest.raises(InvalidStatus) as info:
        await alice.socket(room.code, "format=json", origin="https://evil.example")
    assert info.value.response.status_code == 403


async def test_every_message_is_checked(room, web, committed_db):
    alice, stranger = web(), web()
    await alice.join(room.code)
    ws = await alice.socket(room.code, "format=json")
    await recv_json(ws)
    before = await last_seq(committed_db, room.room_id)
    cases = [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('{"action": "explode"}', "unknown_action"),
        ('{"action": "moderate", "question_id": 1, "op": "approve"}', "forbidden"),
        ('{"action": "room", "status": "closed"}', "forbidden"),
        ('{"action": "ban", "participant_id": 1}', "forbidden"),
        ('{"action": "ask", "body": ""}', "validation_failed"),
        ('{"action": "ask", "body": 12}', "validation_failed"),
        ('{"action": "vote", "question_id": "x"}', "validation_failed"),
        ('{"action": "vote", "question_id": 999999}', "not_found"),
    ]
    for raw, code in cases:
        await ws.send(raw)
        reply = await recv_json(ws)
        assert reply["type"] == "error" and reply["code"] == code, (raw, reply)
        assert reply["message"]
    assert await last_seq(committed_db, room.room_id) == before
    await ws.send('{"action": "ask", "body": "Działa?", "ref": "a1"}')
    ack = await recv_json(ws)
    assert ack == {"type": "ack", "ref": "a1", "question_id": ack["question_id"]}
    # Someone who never joined may watch but not act.
    watcher = await stranger.socket(room.code, "format=json")
    await recv_json(watcher)
    await watcher.send(json.dumps({"action": "vote", "question_id": ack["question_id"]}))
    reply = await recv_json(watcher)
    while reply["type"] == "events":
        reply = await recv_json(watcher)
    assert reply["code"] == "not_joined"
    await watcher.close()
    # Oversized messages close the socket with 1009.
    await ws.send('{"action": "ask", "body": "' + "x" * 5000 + '"}')
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await recv_json(ws)
    assert closed.value.rcvd.code == 1009


async def test_console_and_projector_need_their_rights(room, web):
    alice = web()
    await alice.join(room.code)
    for query in ("view=console&format=json", "view=console", "view=projector&key=wrong"):
        ws = await alice.socket(room.code, query)
        error = await recv_json(ws)
        assert error["type"] == "error" and error["code"] == "forbidden"
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd.code == 4003
    ws = await alice.socket("ZZZZZZ", "format=json")
    assert (await recv_json(ws))["code"] == "room_not_found"
    projector = await alice.socket(room.code, f"view=projector&key={room.projector_key}")
    page = BeautifulSoup(await asyncio.wait_for(projector.recv(), 5), "html.parser")
    assert page.find(id="screen-top") is not None
    await projector.close()


async def test_html_views_get_snapshot_and_escaped_fragments(room, web):
    alice, bob = web(), web()
    await alice.join(room.code)
    await bob.join(room.code)
    ws = await bob.socket(room.code, "view=participant")
    snap = BeautifulSoup(await asyncio.wait_for(ws.recv(), 5), "html.parser")
    assert snap.find(id="question-list")["hx-swap-oob"] == "true"
    assert snap.find(id="room-me")["data-votes"] == ""
    await alice.api(
        "POST", f"/api/rooms/{room.code}/questions", {"body": "<b>Hej</b><script>x()</script>"}
    )
    frame = await asyncio.wait_for(ws.recv(), 5)
    page = BeautifulSoup(frame, "html.parser")
    assert page.find("script") is None and page.find("b") is None
    body = page.select_one(".question-body")
    assert body.get_text() == "<b>Hej</b><script>x()</script>"
    assert page.find(attrs={"hx-swap-oob": "afterbegin:#question-list"}) is not None
    announce = page.find(attrs={"hx-swap-oob": "innerHTML:#room-announce"})
    assert announce.get_text(strip=True) == "1 nowe pytanie."
    await ws.close()


async def test_banned_participant_is_closed_out(room, web, committed_db):
    alice = web()
    pid = await alice.join(room.code)
    from rooms import services

    async with committed_db.session() as session:
        await services.ban(session, room.principal, room.room_id, pid, "Spam")
    ws = await alice.socket(room.code, "format=json")
    assert (await recv_json(ws))["code"] == "banned"
    with pytest.raises(ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd.code == 4001
    r = await alice.api("POST", f"/api/rooms/{room.code}/join", {})
    assert r.status_code == 403 and r.json()["error"]["code"] == "banned"
