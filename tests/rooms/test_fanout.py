"""The direct fan-out over real WebSocket connections to uvicorn running in the test's loop.

In-process, so the tests can see the hub: which sockets get direct writes, how much a socket
holds unsent, when a slow one is dropped.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
import uvicorn

from deliberation.app import create_app
from deliberation.db import Database
from deliberation.features import load_features
from deliberation.settings import load_settings
from rooms import hub as hub_module
from rooms import wire
from rooms.hub import Channel, Frame, Hub
from tests.conftest import TEST_SECRET
from tests.rooms.conftest import Setup, make_setup
from tests.rooms.live import Web, free_port, recv_events, recv_json

pytestmark = [
    pytest.mark.filterwarnings("ignore::uvicorn.config.UvicornDeprecationWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:websockets"),
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:remove second argument of ws_handler:DeprecationWarning"),
]


@asynccontextmanager
async def serve(migrated: str, db: Database, ws: str) -> AsyncIterator[tuple[str, Hub]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = load_settings(
        database_url=migrated, secret_key=TEST_SECRET, log_level="WARNING", base_url=base,
        status_interval_seconds=0,
    )  # fmt: skip
    app = create_app(settings, database=db, features=load_features(), configure_logs=False)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws=ws, ws_per_message_deflate=False,  # type: ignore[arg-type]
        lifespan="off", log_level="warning", ws_max_size=65536,
    )  # fmt: skip
    server = uvicorn.Server(config)
    async with app.router.lifespan_context(app):
        task = asyncio.create_task(server.serve())
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        try:
            yield base, app.state.room_hub
        finally:
            server.should_exit = True
            await asyncio.wait_for(task, 20)


@pytest.fixture
async def room(committed_db: Database) -> Setup:
    async with committed_db.session() as session:
        return await make_setup(session)


async def wait_for(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def channel(hub: Hub, room: Setup) -> Channel:
    return hub.channels[room.room_id]


@pytest.mark.parametrize("impl", ["websockets-sansio", "websockets"])
async def test_direct_writes_send_the_same_frames_to_every_socket(
    impl: str, room: Setup, committed_db: Database, migrated: str
) -> None:
    async with serve(migrated, committed_db, impl) as (base, hub):
        alice = Web(base)
        watchers = [Web(base) for _ in range(4)]
        try:
            await alice.join(room.code, "Alicja")
            sockets = [await w.socket(room.code, "format=json") for w in watchers]
            html = await watchers[0].socket(room.code)
            for ws in sockets:
                assert (await recv_json(ws))["type"] == "snapshot"
            await asyncio.wait_for(html.recv(), 5)
            conns = [c for group in channel(hub, room).conns.values() for c in group]
            assert len(conns) == 5
            await wait_for(lambda: all(c.pending is None for c in conns))
            assert all(c.direct for c in conns), "uvicorn's protocol was not reached"
            for n in range(3):
                r = await alice.api(
                    "POST", f"/api/rooms/{room.code}/questions", {"body": f"Pytanie {n}"}
                )
                assert r.status_code == 201, r.text
            received: list[list[str]] = []
            for ws in sockets:
                frames: list[str] = []
                while sum(len(json.loads(f)["events"]) for f in frames) < 3:
                    frames.append(str(await asyncio.wait_for(ws.recv(), 5)))
                received.append(frames)
            assert all(frames == received[0] for frames in received)
            events = [e for f in received[0] for e in json.loads(f)["events"]]
            assert [e["seq"] for e in events] == [2, 3, 4]
            assert [e["data"]["body"] for e in events] == ["Pytanie 0", "Pytanie 1", "Pytanie 2"]
            update = str(await asyncio.wait_for(html.recv(), 5))
            assert "Pytanie" in update and "question-list" in update
            # Replies to the socket's own messages still go through ASGI, between the frames.
            await sockets[0].send(json.dumps({"action": "ping", "ref": 7}))
            assert await recv_json(sockets[0]) == {"type": "pong", "ref": 7}
            for ws in [*sockets, html]:
                await ws.close()
            await wait_for(lambda: room.room_id not in hub.channels)
        finally:
            for w in [alice, *watchers]:
                await w.close()


async def test_without_the_server_protocol_the_queue_path_delivers(
    room: Setup, committed_db: Database, migrated: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire.RawSocket, "find", classmethod(lambda cls, websocket: None))
    async with serve(migrated, committed_db, "websockets-sansio") as (base, hub):
        alice = Web(base)
        try:
            await alice.join(room.code)
            ws = await alice.socket(room.code, "format=json")
            assert (await recv_json(ws))["type"] == "snapshot"
            (conn,) = [c for group in channel(hub, room).conns.values() for c in group]
            await wait_for(lambda: conn.pending is None)
            assert not conn.direct and conn.writer is not None
            await alice.api("POST", f"/api/rooms/{room.code}/questions", {"body": "Przez kolejkę"})
            (event,) = await recv_events(ws, 1)
            assert event["seq"] == 2 and event["data"]["body"] == "Przez kolejkę"
            await ws.close()
        finally:
            await alice.close()


def stalled_client(base: str, path: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = base.removeprefix("http://").split(":")
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: {base}\r\n\r\n"
        ).encode()
    )
    sock.setblocking(False)
    return sock


async def test_a_slow_client_is_dropped_at_the_write_buffer_limit(
    room: Setup, committed_db: Database, migrated: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 64 * 1024
    monkeypatch.setattr(hub_module, "WRITE_BUFFER_LIMIT", limit)
    monkeypatch.setattr(wire, "CLOSE_GRACE", 0.5)
    async with serve(migrated, committed_db, "websockets-sansio") as (base, hub):
        reader = Web(base)
        try:
            fast = await reader.socket(room.code, "format=json")
            assert (await recv_json(fast))["type"] == "snapshot"
            slow_sock = stalled_client(base, f"/r/{room.code}/ws?format=json")
            ch = channel(hub, room)
            await wait_for(lambda: ch.size == 2)
            port = slow_sock.getsockname()[1]
            conns = [c for group in ch.conns.values() for c in group]
            (slow,) = [c for c in conns if c.websocket.client and c.websocket.client.port == port]
            assert slow.raw is not None
            assert slow.direct
            # The server side of the stalled socket takes little into the kernel, so what it
            # cannot send stays in the transport's buffer, which the hub watches.
            slow.raw.transport.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_SNDBUF, 4096
            )
            pad = "x" * 16_000
            got: list[int] = []

            async def read_fast() -> None:
                while len(got) < 100:
                    frame = json.loads(await asyncio.wait_for(fast.recv(), 10))
                    got.extend(e["seq"] for e in frame["events"])

            reading = asyncio.create_task(read_fast())
            start = seq = ch.seq
            peak = 0
            for _ in range(100):
                seq += 1
                events = [{"seq": seq, "type": "test.padding", "data": {"pad": pad}, "at": 0.0}]
                text = json.dumps({"type": "events", "events": events})
                ch.fan_out({slow.key: Frame(seq, seq, text, events)})
                if not slow.raw.transport.is_closing():
                    peak = max(peak, slow.raw.buffered())
                await asyncio.sleep(0.005)
            await reading
            # The healthy client got every frame, in order; the stalled one was cut off with
            # its buffer bounded by the limit plus one frame, and left the room's channel.
            assert got == list(range(start + 1, seq + 1))
            assert slow.dropped
            assert peak <= limit + 17_000
            await wait_for(lambda: ch.size == 1, timeout=10)
            slow_sock.close()
            await fast.close()
        finally:
            await reader.close()
