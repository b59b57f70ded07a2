"""SQLite transaction mode per request: a GET's DEFERRED never leaks into the next request."""

from __future__ import annotations

from deliberation import db as db_module
from deliberation.db import sqlite_begin_for


def test_the_mode_is_undone_after_the_block():
    assert db_module._SQLITE_BEGIN.get() == "BEGIN IMMEDIATE"
    with sqlite_begin_for(reads_only=True):
        assert db_module._SQLITE_BEGIN.get() == "BEGIN DEFERRED"
        with sqlite_begin_for(reads_only=False):
            assert db_module._SQLITE_BEGIN.get() == "BEGIN IMMEDIATE"
        assert db_module._SQLITE_BEGIN.get() == "BEGIN DEFERRED"
    assert db_module._SQLITE_BEGIN.get() == "BEGIN IMMEDIATE"


async def test_a_get_in_the_same_context_leaves_writers_immediate(client):
    # httpx's ASGITransport runs the app in the caller's context, as a test does.
    assert (await client.get("/")).status_code == 200
    assert db_module._SQLITE_BEGIN.get() == "BEGIN IMMEDIATE"
