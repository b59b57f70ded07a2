"""Live room fan-out benchmark (not a test): real server, real WebSockets, a realistic load.

    .venv/bin/python bench/room_fanout.py --clients 5000 --seconds 30 \
        --database-url postgresql://postgres@127.0.0.1:5432/deliberation_bench [--processes 2]

Starts the app under uvicorn (one process, or two sharing PostgreSQL), connects N participants
over WebSockets from load-generator processes (JSON stream: the same render-once fan-out as the
htmx views), drives 50 upvotes/s, 2 questions/s and one facilitator action per second through
the HTTP API, and prints connected clients, events written, deliveries expected/received/lost,
delivery latency (event written -> frame received) p50/p99/max for urgent events (questions,
moderation) and coalesced votes, server memory per idle connection, the time for every client
to reconnect and hold a correct state after a server restart, and a bare ``websockets``
broadcast server sending the same frames per second to the same clients, with the p99 ratio.
The database is emptied and migrated first: use a database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gc
import json
import multiprocessing as mp
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECRET = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105 (local server)
PASSWORD = "correct horse battery"  # noqa: S105 (local account)
SEQ = re.compile(rb'"seq":(\d+),"type":"([a-z_.]+)"')
AT = re.compile(rb'"at":([0-9.]+)')


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "DELIBERATION_LOG_LEVEL": "WARNING",
        "DELIBERATION_BASE_URL": f"http://127.0.0.1:{port}",
    }
    out = log.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "deliberation.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
         "--ws-per-message-deflate", "false", "--ws-max-size", "65536", "--backlog", "8192",
         "--timeout-graceful-shutdown", "5"],
        env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=raise_fd_limit,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"server did not start, see {log}")


async def setup_room(url: str, facilitators: int = 1) -> dict[str, Any]:
    from deliberation import migrate
    from deliberation.db import Database
    from deliberation.models import (
        Consultation,
        ConsultationRole,
        ConsultationStatus,
        Role,
        StaffRole,
    )  # fmt: skip
    from deliberation.services import accounts
    from rooms import services
    from tests.conftest import reset_database

    await reset_database(url)
    del migrate
    db = Database(url)
    try:
        async with db.session() as s:
            user = await accounts.register(
                s, email="bench@example.org", display_name="Bench", password=PASSWORD,
                role=Role.FACILITATOR,
            )  # fmt: skip
            c = Consultation(slug="bench", title="Bench", summary="Bench",
                             status=ConsultationStatus.PUBLISHED)  # fmt: skip
            s.add(c)
            await s.flush()
            s.add(ConsultationRole(consultation_id=c.id, user_id=user.id,
                                   role=StaffRole.FACILITATOR))  # fmt: skip
            await s.commit()
            principal = await accounts.principal_for(s, user)
            room = await services.create_room(s, principal, c.id, title="Bench room")
            return {"code": room.code, "consultation_id": c.id, "room_id": room.id}
    finally:
        await db.dispose()


# --- a lean WebSocket client for the load generators ----------------------------------------------


class LeanSocket(asyncio.Protocol):
    """A minimal RFC 6455 client: handshake, unmasked server frames, pings answered, close.

    The load generators run on the same 2-core machine as the server, so what a client costs per
    frame is taken from the server. The ``websockets`` client spends ~60-90 µs of Python per
    frame (a parser, a queue, a task switch, UTF-8 decoding); this one hands each message's bytes
    to a callback in ``data_received``. The room's clients and the baseline's use it alike.
    """

    def __init__(self, path: str, host: str, on_message: Any) -> None:
        self.path, self.host, self.on_message = path, host, on_message
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.parts: list[bytes] = []
        self.open = False
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[int] = loop.create_future()
        self.close_code = 1006

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://{self.host}\r\n\r\n".encode()
        )

    def _send(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None and len(payload) < 126
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                if not self.opened.done():
                    self.opened.set_exception(ConnectionError(bytes(buf[:40]).decode("latin-1")))
                self.transport.close()  # type: ignore[union-attr]
                return
            del buf[: end + 4]
            self.open = True
            self.opened.set_result(None)
        while len(buf) >= 2:
            head, size, pos = buf[0], buf[1] & 0x7F, 2
            if size == 126:
                if len(buf) < 4:
                    return
                size, pos = int.from_bytes(buf[2:4], "big"), 4
            elif size == 127:
                if len(buf) < 10:
                    return
                size, pos = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < pos + size:
                return
            payload = bytes(buf[pos : pos + size])
            del buf[: pos + size]
            opcode = head & 0x0F
            if opcode in (0, 1, 2):
                self.parts.append(payload)
                if head & 0x80:
                    message = b"".join(self.parts) if len(self.parts) > 1 else payload
                    self.parts = []
                    self.on_message(message)
            elif opcode == 9:
                self._send(0xA, payload)
            elif opcode == 8:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self._send(0x8, payload[:2])
                self.transport.close()  # type: ignore[union-attr]
                return

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            with contextlib.suppress(Exception):
                self._send(0x8, (1000).to_bytes(2, "big"))
            self.transport.close()


async def lean_connect(url: str, on_message: Any, timeout: float = 60) -> LeanSocket:
    """Open ``ws://host:port/path`` with the lean client; raises if the handshake fails."""
    rest = url.removeprefix("ws://")
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    loop = asyncio.get_running_loop()
    _transport, sock = await asyncio.wait_for(
        loop.create_connection(lambda: LeanSocket("/" + path, hostport, on_message), host,
                               int(port)), timeout)  # fmt: skip
    try:
        await asyncio.wait_for(sock.opened, timeout)
    except BaseException:
        sock.close()
        raise
    return sock


# --- a lean HTTP/1.1 client for the driver ----------------------------------------------------


class LeanResponse(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: a request at a time, responses with Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False
        self.idle_since = 0.0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(buf[:end]).decode("latin-1").split("\r\n")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                self.closed = True
        if len(buf) < end + 4 + length:
            return
        body = bytes(buf[end + 4 : end + 4 + length])
        del buf[: end + 4 + length]
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((int(head[0].split()[1]), body))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionError("closed"))


class LeanHTTP:
    """The driver's HTTP client during the measured load: raw keep-alive HTTP/1.1 with the
    cookies and CSRF header an ``httpx`` client got while joining or logging in.

    ``httpx`` spends 1-2 ms of CPU per request on the same two cores as the server (50+
    requests a second); this writes one pre-formatted request and reads one response with a
    Content-Length, a few tens of microseconds. The server's work per request is unchanged.
    """

    def __init__(self, base: str, client: httpx.AsyncClient) -> None:
        hostport = base.removeprefix("http://")
        self.host, _, port = hostport.partition(":")
        self.port = int(port)
        cookies = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
        headers = [f"Host: {hostport}", f"Cookie: {cookies}"]
        headers += [f"{k}: {v}" for k, v in client.headers.items() if k.lower() == "x-csrftoken"]
        self.headers = "\r\n".join(headers)
        self.idle: list[LeanResponse] = []

    async def request(
        self, method: str, path: str, json_body: Any = None, timeout: float = 30
    ) -> tuple[int, bytes]:
        # A connection idle for a while is not reused: uvicorn closes idle keep-alive
        # connections after 5 s, and a request written as it closes would be lost.
        loop = asyncio.get_running_loop()
        conn = None
        while self.idle:
            conn = self.idle.pop()
            if not conn.closed and loop.time() - conn.idle_since < KEEP_ALIVE:
                break
            if conn.transport is not None:
                conn.transport.close()
            conn = None
        if conn is None:
            _t, conn = await loop.create_connection(LeanResponse, self.host, self.port)
        body = b"" if json_body is None else json.dumps(json_body).encode()
        kind = "\r\nContent-Type: application/json" if json_body is not None else ""
        assert conn.transport is not None
        conn.waiter = asyncio.get_running_loop().create_future()
        conn.transport.write(
            f"{method} {path} HTTP/1.1\r\n{self.headers}{kind}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        try:
            result = await asyncio.wait_for(conn.waiter, timeout)
        except BaseException:
            conn.closed = True
            if conn.transport is not None:
                conn.transport.close()
            raise
        if not conn.closed:
            conn.idle_since = loop.time()
            self.idle.append(conn)
        return result


KEEP_ALIVE = 3.0  # seconds an idle driver connection is reused (uvicorn's default limit: 5)


# --- load generator processes -----------------------------------------------------------------


def quiet_gc() -> None:
    """Load generators: no cyclic garbage collection. Their heaps (thousands of sockets, millions
    of latencies) would otherwise be scanned in pauses that delay every client of the process,
    which the latencies would count; the baseline's clients do the same."""
    gc.disable()


def generator(bases: list[str], code: str, count: int, index: int, conn: Any) -> None:
    raise_fd_limit()
    quiet_gc()
    asyncio.run(_generator(bases, code, count, index, conn))


async def _generator(bases: list[str], code: str, count: int, index: int, pipe: Any) -> None:
    state: dict[str, Any] = {"lat_urgent": [], "lat_vote": [], "lat_remote": [], "received": 0,
                             "connected": 0, "gaps": 0, "frames": 0, "bytes": 0}  # fmt: skip
    last_seq: dict[int, int] = {}
    measuring = {"on": False}
    resynced: set[int] = set()

    def handler(n: int, remote: bool) -> Any:
        greeted = [False]

        def on_message(data: bytes) -> None:
            if not greeted[0]:
                hello = json.loads(data)
                if hello["type"] in ("snapshot", "resync"):
                    last_seq[n] = hello["seq"]
                else:
                    for e in hello["events"]:
                        last_seq[n] = e["seq"]
                greeted[0] = True
                resynced.add(n)
                return
            now = time.time()
            state["frames"] += 1
            state["bytes"] += len(data)
            for (seq_b, kind), at_b in zip(SEQ.findall(data), AT.findall(data), strict=False):
                seq = int(seq_b)
                if seq != last_seq[n] + 1:
                    state["gaps"] += seq - last_seq[n] - 1
                last_seq[n] = seq
                state["received"] += 1
                if measuring["on"]:
                    lat = now - float(at_b)
                    if kind == b"question.voted":
                        state["lat_vote"].append(lat)
                    else:
                        state["lat_remote" if remote else "lat_urgent"].append(lat)

        return on_message

    async def client(n: int) -> None:
        which = (index + n) % len(bases)
        base = bases[which].replace("http://", "ws://")
        failures = 0
        while True:
            since = last_seq.get(n)
            query = "format=json" + (f"&since={since}" if since is not None else "")
            try:
                sock = await lean_connect(f"{base}/r/{code}/ws?{query}", handler(n, which > 0))
            except (OSError, ConnectionError, TimeoutError):
                # Server away (a restart): exponential backoff with full jitter, capped at 2 s,
                # as a browser's client does (htmx's ws extension uses full jitter too).
                failures += 1
                await asyncio.sleep(random.uniform(0, min(2.0, 0.1 * 2**failures)))
                continue
            failures = 0
            state["connected"] += 1
            try:
                await sock.closed
            finally:
                state["connected"] -= 1
            await asyncio.sleep(random.uniform(0, 0.2))

    tasks = []
    for n in range(count):
        tasks.append(asyncio.create_task(client(n)))
        if n % 100 == 99:
            await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    while True:
        cmd = await loop.run_in_executor(None, pipe.recv)
        if cmd == "status":
            pipe.send({"connected": state["connected"], "resynced": len(resynced)})
        elif cmd == "reset_resync":
            resynced.clear()
            pipe.send(True)
        elif cmd == "measure":
            for key in ("lat_urgent", "lat_vote", "lat_remote"):
                state[key].clear()
            state["received"] = 0
            state["frames"] = 0
            state["bytes"] = 0
            state["gaps"] = 0
            measuring["on"] = True
            pipe.send({n: s for n, s in last_seq.items()})
        elif cmd == "stop":
            measuring["on"] = False
            pipe.send({k: state[k] for k in state} | {"last": dict(last_seq)})
        elif cmd == "quit":
            for t in tasks:
                t.cancel()
            pipe.send(True)
            return


# --- driver -------------------------------------------------------------------------------------


class Driver:
    def __init__(self, base: str, code: str, room: dict[str, Any], http: str = "lean") -> None:
        self.base, self.code, self.room = base, code, room
        self.http = http  # "lean" (LeanHTTP during the load) or "httpx"
        self.lean: dict[int, LeanHTTP] = {}
        self.voters: list[httpx.AsyncClient] = []
        self.askers: list[httpx.AsyncClient] = []
        self.staff = httpx.AsyncClient(base_url=base, timeout=30)
        self.questions: list[int] = []
        self.errors = 0
        self.counts = (0, 0, 0)
        self.timeouts = 0
        self.frames_per_s = 0.0
        self.frame_bytes = 400
        self.p99_urgent = float("nan")
        self.p99_all = float("nan")

    async def _participant(self) -> httpx.AsyncClient:
        c = httpx.AsyncClient(base_url=self.base, timeout=30)
        await c.get("/r")
        token = c.cookies["csrftoken"]
        c.headers["x-csrftoken"] = token
        r = await c.post(f"/api/rooms/{self.code}/join", json={})
        r.raise_for_status()
        return c

    async def prepare(self, voters: int = 100, askers: int = 60) -> None:
        self.voters = list(await asyncio.gather(*(self._participant() for _ in range(voters))))
        self.askers = list(await asyncio.gather(*(self._participant() for _ in range(askers))))
        print(f"{voters} voters and {askers} askers joined", flush=True)
        await self.staff.get("/login")
        token = self.staff.cookies["csrftoken"]
        r = await self.staff.post("/login", data={"csrftoken": token, "email": "bench@example.org",
                                                  "password": PASSWORD})  # fmt: skip
        assert r.status_code == 303, r.text
        self.staff.headers["x-csrftoken"] = token
        for n in range(20):
            await self.ask(self.askers[n % len(self.askers)], f"Pytanie startowe {n}")
        if self.http == "lean":
            for c in [*self.voters, *self.askers, self.staff]:
                self.lean[id(c)] = LeanHTTP(self.base, c)

    async def _request(
        self, c: httpx.AsyncClient, method: str, path: str, body: Any = None
    ) -> tuple[int, bytes] | None:
        """Status and body, or None after a timeout or a connection error (counted)."""
        lean = self.lean.get(id(c))
        try:
            if lean is not None:
                return await lean.request(method, path, body)
            r = await c.request(method, path, json=body)
            return r.status_code, r.content
        except (httpx.HTTPError, OSError, ConnectionError, TimeoutError):
            self.timeouts += 1
            return None

    async def ask(self, c: httpx.AsyncClient, body: str) -> None:
        r = await self._request(c, "POST", f"/api/rooms/{self.code}/questions", {"body": body})
        if r is None:
            return
        if r[0] == 201:
            self.questions.append(json.loads(r[1])["id"])
        else:
            self.errors += 1

    async def run(
        self, seconds: float, votes_per_s: float = 50, questions_per_s: float = 2
    ) -> None:
        pairs = [(v, q) for v in range(len(self.voters)) for q in self.questions]
        random.shuffle(pairs)
        start = time.monotonic()
        tasks: list[asyncio.Task[Any]] = []
        n_votes = n_questions = n_staff = 0
        while (elapsed := time.monotonic() - start) < seconds:
            while n_votes < elapsed * votes_per_s and pairs:
                v, q = pairs.pop()
                tasks.append(asyncio.create_task(self._vote(v, q)))
                n_votes += 1
            while n_questions < elapsed * questions_per_s:
                c = self.askers[n_questions % len(self.askers)]
                tasks.append(asyncio.create_task(self.ask(c, f"Pytanie {n_questions} z sali")))
                n_questions += 1
            while n_staff < elapsed:
                tasks.append(asyncio.create_task(self._staff_action(n_staff)))
                n_staff += 1
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
        self.counts = (n_votes, n_questions, n_staff)

    async def _vote(self, v: int, q: int) -> None:
        r = await self._request(self.voters[v], "PUT", f"/api/rooms/{self.code}/questions/{q}/vote")
        if r is not None and r[0] != 200:
            self.errors += 1

    async def _staff_action(self, n: int) -> None:
        q = random.choice(self.questions)
        op = ("pin", "star", "unstar", "answer")[n % 4]
        path = (f"/api/consultations/{self.room['consultation_id']}/rooms/{self.room['room_id']}"
                f"/questions/{q}/moderate")  # fmt: skip
        r = await self._request(self.staff, "POST", path, {"op": op})
        if r is not None and r[0] != 200:
            self.errors += 1


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000


def ask_all(pipes: list[Any], cmd: str) -> list[Any]:
    for p in pipes:
        p.send(cmd)
    return [p.recv() for p in pipes]


def wait_connected(pipes: list[Any], n: int, timeout: float, key: str = "connected") -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if sum(s[key] for s in ask_all(pipes, "status")) >= n:
            return time.monotonic() - start
        time.sleep(0.5)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--generators", type=int, default=2)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/deliberation_rooms_bench"
    )
    parser.add_argument("--no-restart", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--http", choices=("lean", "httpx"), default="lean",
        help="the driver's HTTP client during the load (lean: raw keep-alive HTTP/1.1)",
    )  # fmt: skip
    args = parser.parse_args()
    raise_fd_limit()
    url = args.database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    room = asyncio.run(setup_room(url))
    log = Path(os.environ.get("TMPDIR", "/tmp")) / "room_fanout_server.log"  # noqa: S108
    log.write_bytes(b"")
    ports = [free_port() for _ in range(args.processes)]
    servers = [start_server(url, port, log) for port in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    rss_before = sum(rss_kib(s.pid) for s in servers)

    pipes, procs = [], []
    per = args.clients // args.generators
    for i in range(args.generators):
        parent, child = mp.Pipe()
        proc = mp.Process(target=generator, args=(bases, room["code"], per, i, child), daemon=True)
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    total = per * args.generators
    took = wait_connected(pipes, total, 300)
    time.sleep(2)
    rss_idle = sum(rss_kib(s.pid) for s in servers)
    connected = sum(s["connected"] for s in ask_all(pipes, "status"))
    print(flush=True)
    print(f"connected clients: {connected}/{total} in {took:.1f} s "
          f"({args.processes} server process(es), {args.generators} generators)")  # fmt: skip
    per_conn = (rss_idle - rss_before) / max(1, connected)
    print(f"server memory per idle connection: {per_conn:.1f} KiB"
          f" (RSS {rss_before} -> {rss_idle} KiB)")  # fmt: skip

    driver = Driver(bases[0], room["code"], room, args.http)
    asyncio.run(_drive(driver, pipes, args, total, servers, bases))

    if not args.no_restart:
        ask_all(pipes, "reset_resync")
        for s in servers:
            s.send_signal(signal.SIGTERM)
        for s in servers:
            s.wait(30)
        t0 = time.monotonic()
        servers = [start_server(url, port, log) for port in ports]
        back = wait_connected(pipes, total, 120, key="resynced")
        print(
            f"after a restart: {total} clients reconnected with a snapshot/replay in "
            f"{time.monotonic() - t0:.1f} s (incl. server start); wait after start {back:.1f} s"
        )

    ask_all(pipes, "quit")
    for s in servers:
        s.terminate()
    for p in procs:
        p.join(5)
    if not args.no_baseline and driver.frames_per_s:
        baseline(args, total, driver.frames_per_s, driver.frame_bytes, driver.p99_urgent,
                 driver.p99_all)  # fmt: skip


async def _drive(driver: Driver, pipes: list[Any], args: Any, total: int, servers: Any,
                 bases: list[str]) -> None:  # fmt: skip
    print("preparing the driver (participants, facilitator login)...", flush=True)
    await driver.prepare()
    print("driving the load...", flush=True)
    await asyncio.sleep(1)
    start_seqs = ask_all(pipes, "measure")
    t0 = time.monotonic()
    await driver.run(args.seconds)
    await asyncio.sleep(2)  # let the last coalesced flush arrive
    elapsed = time.monotonic() - t0
    results = ask_all(pipes, "stop")
    async with httpx.AsyncClient(base_url=bases[0]) as c:
        snap = (await c.get(f"/api/rooms/{driver.code}")).json()
    final = snap["seq"]
    first = min(min(s.values()) for s in start_seqs if s)
    events = final - first
    expected = sum(final - s for r in start_seqs for s in r.values())
    received = sum(r["received"] for r in results)
    gaps = sum(r["gaps"] for r in results)
    urgent = [x for r in results for x in r["lat_urgent"]]
    remote = [x for r in results for x in r["lat_remote"]]
    votes = [x for r in results for x in r["lat_vote"]]
    frames = sum(r["frames"] for r in results)
    size = sum(r["bytes"] for r in results) / max(1, frames)
    nv, nq, ns = driver.counts
    print(f"load: {nv} upvotes, {nq} questions, {ns} facilitator actions in {args.seconds:.0f} s "
          f"({driver.errors} refused, {driver.timeouts} HTTP timeouts)")  # fmt: skip
    print(f"events written: {events}; deliveries expected {expected}, received {received}, "
          f"lost {expected - received} (gaps seen {gaps})")  # fmt: skip
    print(f"frames received: {frames} ({frames / max(1, total) / elapsed:.1f} per client per s, "
          f"{size:.0f} bytes on average)")  # fmt: skip
    where = " on the process that wrote them" if remote else ""
    print(
        f"latency urgent (questions, moderation){where}: p50 {pct(urgent, 50):.0f} ms, "
        f"p99 {pct(urgent, 99):.0f} ms, max {pct(urgent, 100):.0f} ms (n={len(urgent)})"
    )
    if remote:
        print(
            f"latency urgent on the other process(es): p50 {pct(remote, 50):.0f} ms, "
            f"p99 {pct(remote, 99):.0f} ms, max {pct(remote, 100):.0f} ms (n={len(remote)}); "
            f"added to p99: {pct(remote, 99) - pct(urgent, 99):.0f} ms"
        )
    print(
        f"latency coalesced votes: p50 {pct(votes, 50):.0f} ms, p99 {pct(votes, 99):.0f} ms, "
        f"max {pct(votes, 100):.0f} ms (n={len(votes)})"
    )
    driver.frames_per_s = frames / max(1, total) / elapsed
    driver.frame_bytes = int(size)
    driver.p99_urgent = pct(urgent + remote, 99)
    driver.p99_all = pct(urgent + remote + votes, 99)


# --- baseline: a bare websockets broadcast server ------------------------------------------------


def baseline(args: Any, total: int, fps: float, size: int, p99_room: float, p99_all: float) -> None:
    port = free_port()
    ready = mp.Event()
    server = mp.Process(target=_baseline_server, args=(port, fps, size, ready), daemon=True)
    server.start()
    ready.wait(30)
    q: Any = mp.Queue()
    share = total // args.generators
    gens = [mp.Process(target=_baseline_client, args=(port, share, args.seconds, q),
                       daemon=True) for _ in range(args.generators)]  # fmt: skip
    for g in gens:
        g.start()
    lat: list[float] = []
    for _ in gens:
        lat.extend(q.get())
    server.terminate()
    p99 = pct(lat, 99)
    print(f"baseline (bare websockets.broadcast, {fps:.1f} frames/s of {size} bytes to {total} "
          f"clients): p50 {pct(lat, 50):.0f} ms, p99 {p99:.0f} ms")  # fmt: skip
    print(f"room p99 / baseline p99: urgent events {p99_room / p99:.2f}x; all events, including "
          f"the votes' deliberate coalescing wait, {p99_all / p99:.2f}x")  # fmt: skip


def _baseline_server(port: int, fps: float, size: int, ready: Any) -> None:
    raise_fd_limit()
    # The room server's collector settings (rooms.hub.tune_gc), so the two compare alike.
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, 50_000), middle, old)
    from websockets.asyncio.server import broadcast, serve

    clients: set[Any] = set()

    async def handler(ws: Any) -> None:
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async def run() -> None:
        async with serve(handler, "127.0.0.1", port, compression=None, backlog=8192):
            ready.set()
            pad = "x" * size
            while True:
                await asyncio.sleep(1 / fps)
                broadcast(
                    clients, json.dumps({"pad": pad, "at": time.time()}, separators=(",", ":"))
                )

    asyncio.run(run())


def _baseline_client(port: int, count: int, seconds: float, q: Any) -> None:
    raise_fd_limit()
    quiet_gc()
    lat: list[float] = []
    measure = {"on": False}

    def on_message(data: bytes) -> None:
        if measure["on"]:
            now = time.time()
            for at_b in AT.findall(data):
                lat.append(now - float(at_b))

    async def run() -> None:
        socks = []
        for n in range(count):
            socks.append(await lean_connect(f"ws://127.0.0.1:{port}/", on_message))
            if n % 100 == 99:
                await asyncio.sleep(0.05)
        await asyncio.sleep(5)
        measure["on"] = True
        await asyncio.sleep(seconds)
        measure["on"] = False
        for sock in socks:
            sock.close()

    asyncio.run(run())
    q.put(lat)


if __name__ == "__main__":
    main()
