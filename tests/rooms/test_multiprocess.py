"""Two server processes on one PostgreSQL database share a room and its sequence."""

from __future__ import annotations

import asyncio

import pytest

from deliberation.db import Database
from tests.rooms.conftest import make_setup
from tests.rooms.live import Web, recv_events, recv_json, run_server


async def test_two_processes_see_the_same_sequence(
    migrated: str, committed_db: Database, tmp_path_factory: pytest.TempPathFactory
):
    if not migrated.startswith("postgresql"):
        pytest.skip("several server processes need PostgreSQL (LISTEN/NOTIFY); SQLite serves one")
    async with committed_db.session() as session:
        room = await make_setup(session)
    logs = tmp_path_factory.mktemp("two-processes")
    with run_server(migrated, logs, "a") as base_a, run_server(migrated, logs, "b") as base_b:
        alice, bob = Web(base_a), Web(base_b)
        try:
            await alice.join(room.code)
            await bob.join(room.code)
            ws_a = await alice.socket(room.code, "format=json")
            ws_b = await bob.socket(room.code, "format=json")
            seq = (await recv_json(ws_a))["seq"]
            assert (await recv_json(ws_b))["seq"] == seq
            # Alternate writers between the processes; both sockets see one gap-free order.
            for n in range(6):
                writer = alice if n % 2 == 0 else bob
                r = await writer.api(
                    "POST", f"/api/rooms/{room.code}/questions", {"body": f"Pytanie {n}"}
                )
                assert r.status_code == 201, r.text
            got_a = await recv_events(ws_a, 6)
            got_b = await recv_events(ws_b, 6, timeout=10)
            assert [e["seq"] for e in got_a] == list(range(seq + 1, seq + 7))
            assert got_a == got_b
            # A vote on B reaches A (coalesced, within a second).
            qid = got_a[0]["data"]["id"]
            await bob.api("PUT", f"/api/rooms/{room.code}/questions/{qid}/vote")
            (vote,) = await recv_events(ws_a, 1, timeout=5)
            assert vote["data"] == {"id": qid, "votes": 1}
            await asyncio.gather(ws_a.close(), ws_b.close())
        finally:
            await alice.close()
            await bob.close()
