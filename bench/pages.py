"""Page benchmark: a consultation with 20,000 contributions on PostgreSQL, 50 concurrent clients.

    createdb -h 127.0.0.1 -U postgres deliberation_bench   # once
    .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1:5432/deliberation_bench

Builds the data with bulk inserts, starts uvicorn (one process, loopback only) on this module's
``bench_app`` factory, which adds an ``X-Query-Count`` header counted by a SQLAlchemy event
listener, then measures the consultation page and a filtered record page for a bounded time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_queries: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("queries", default=None)


def bench_app() -> Any:
    """The real app, plus a per-request SQL query counter (header X-Query-Count)."""
    from sqlalchemy import event
    from starlette.datastructures import MutableHeaders

    from deliberation.app import create_app

    app = create_app()
    listening: dict[str, bool] = {}

    def count(*_args: Any) -> None:
        counter = _queries.get()
        if counter is not None:
            counter[0] += 1

    async def wrapper(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        db = getattr(app.state, "db", None)
        if db is not None and not listening:
            event.listen(db.engine.sync_engine, "before_cursor_execute", count)
            listening["on"] = True
        counter = [0]
        token = _queries.set(counter)
        chunks: list[Any] = []

        async def send_later(message: Any) -> None:
            chunks.append(message)  # headers go out once every query has run

        try:
            await app(scope, receive, send_later)
        finally:
            _queries.reset(token)
        for message in chunks:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Query-Count"] = str(counter[0])
            await send(message)

    # lifespan and other scopes go straight to the app
    async def entry(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await app(scope, receive, send)
        else:
            await wrapper(scope, receive, send)

    return entry


async def build(url: str, n: int) -> tuple[int, int]:
    """Migrate an empty database and fill one consultation. Returns (consultation id, theme id)."""
    from sqlalchemy import insert, text

    from deliberation import migrate
    from deliberation.db import Database, utcnow
    from deliberation.models import (
        AuthorKind,
        Channel,
        Contribution,
        ContributionLink,
        LinkKind,
        ModerationState,
        Role,
        contribution_themes,
    )
    from deliberation.services import accounts, meetings
    from deliberation.services import consultations as service
    from deliberation.services import record as record_service

    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await migrate.upgrade_async(url)
    async with database.session() as session:
        staff = await accounts.register(
            session, email="bench@example.org", display_name="Bench", password="x" * 12,
            role=Role.FACILITATOR,
        )  # fmt: skip
        resident = await accounts.register(
            session, email="res@example.org", display_name="Res", password="x" * 12
        )
        consultation = await service.create_consultation(
            session, title="Odnowa parku (benchmark)", summary="Park.", created_by_id=staff.id
        )
        who = await accounts.principal_for(session, staff)
        today = utcnow().date()
        await service.set_phases(
            session, who, consultation,
            {service.PhaseKind.COLLECTING: (today - timedelta(days=60), today + timedelta(days=5))},
        )  # fmt: skip
        meeting = await meetings.create_meeting(
            session, who, consultation,
            meetings.MeetingPlan("Spotkanie", meetings.MeetingFormat.HYBRID, today, "17:00",
                                 "19:00", place="CAO"),
        )  # fmt: skip
        await meetings.save_notes(
            session, who, consultation, meeting, attendance=40, organizations="", publish=True
        )
        await service.advance_status(session, consultation, service.ConsultationStatus.PUBLISHED)
        themes = [
            (await record_service.ensure_theme(session, consultation.id, f"temat {i}")).id
            for i in range(10)
        ]
        await session.commit()
        start = utcnow() - timedelta(days=50)
        channels = list(Channel)
        rows = []
        for i in range(n):
            channel = channels[i % len(channels)]
            rows.append(
                {
                    "consultation_id": consultation.id,
                    "channel": channel,
                    "body": f"Uwaga numer {i}: potrzebne są ławki, latarnie i zieleń w parku. " * 2,
                    "author_kind": AuthorKind.ACCOUNT,
                    "author_user_id": resident.id,
                    "moderation_state": ModerationState.HIDDEN
                    if i % 25 == 0
                    else ModerationState.VISIBLE,
                    "meeting_id": meeting.id if channel is Channel.MEETING_NOTE else None,
                    "support_count": 0,
                    "created_at": start + timedelta(seconds=200 * i),
                    "updated_at": start + timedelta(seconds=200 * i),
                }
            )
        for chunk in range(0, n, 2000):
            await session.execute(insert(Contribution), rows[chunk : chunk + 2000])
        ids = list(
            (await session.execute(text("SELECT id FROM contributions ORDER BY id"))).scalars()
        )
        await session.execute(
            insert(contribution_themes),
            [{"contribution_id": cid, "theme_id": themes[k % 10]} for k, cid in enumerate(ids)],
        )
        await session.execute(
            insert(ContributionLink),
            [
                {
                    "from_id": ids[k],
                    "to_id": ids[k - 1],
                    "kind": LinkKind.RELATES,
                    "created_at": utcnow(),
                }
                for k in range(1, n, 7)
            ],
        )
        await session.commit()
        await session.execute(text("ANALYZE"))
        await session.commit()
        cid = consultation.id
    await database.dispose()
    return cid, themes[3]


async def existing(url: str) -> tuple[int, int]:
    from sqlalchemy import text

    from deliberation.db import Database

    database = Database(url)
    async with database.session() as session:
        cid = await session.scalar(text("SELECT min(id) FROM consultations"))
        theme = await session.scalar(text("SELECT min(id) + 3 FROM themes"))
    await database.dispose()
    return int(cid), int(theme)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def load(
    base: str, path: str, clients: int, seconds: float, think: float = 0.0, cookie: str = ""
) -> dict[str, Any]:
    latencies: list[float] = []
    queries: set[str] = set()
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"cookie": cookie} if cookie else {}
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=60, headers=headers
    ) as client:
        for _ in range(3):  # warm up
            await client.get(path)

        async def worker() -> None:
            nonlocal errors
            if think:
                # Independent people arrive at different moments, not all in the same second.
                await asyncio.sleep(random.uniform(0, think))
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors += 1
                queries.add(response.headers.get("x-query-count", "?"))
                if think:
                    # A person reads the page before the next click: jittered think time.
                    await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))

        await asyncio.gather(*(worker() for _ in range(clients)))
    latencies.sort()
    return {
        "path": path,
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "max": latencies[-1],
        "queries": ",".join(sorted(queries)),
        "errors": errors,
    }


WRK_SCRIPT = """
-- Each connection is a person who reads for think*(0.5..1.5) s between clicks.
local think_ms = %d
function delay()
  if think_ms == 0 then return 0 end
  return math.random(math.floor(think_ms / 2), math.floor(think_ms * 3 / 2))
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%.1f %%.1f %%.1f %%.1f %%d\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
"""


def resident_cookie(base: str) -> str:
    """Log in as the benchmark's resident; the Cookie header of that browser."""
    with httpx.Client(base_url=base) as client:
        client.get("/login")
        response = client.post(
            "/login",
            data={"email": "res@example.org", "password": "x" * 12,
                  "csrftoken": client.cookies["csrftoken"]},
        )  # fmt: skip
        if response.status_code != 303:
            raise SystemExit(f"could not log in as the bench resident: {response.status_code}")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def load_wrk(
    base: str, path: str, clients: int, seconds: float, think: float, cookie: str = ""
) -> dict[str, Any]:
    """The same measurement with wrk (C): the load generator then costs the server little CPU."""
    import shutil
    import tempfile

    if shutil.which("wrk") is None:
        sys.exit("--wrk needs the wrk load generator: apt-get install wrk (Debian/Ubuntu)")

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % int(think * 1000))
    # Warm up (caches, connection pool), as the httpx driver does; these numbers are dropped.
    extra = ["-H", f"Cookie: {cookie}"] if cookie else []
    subprocess.run(
        ["wrk", "-t", "2", "-c", str(clients), "-d", "3s", "-s", script.name, *extra,
         base + path],
        capture_output=True, check=True,
    )  # fmt: skip
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(clients), "-d", f"{int(seconds)}s", "-s", script.name,
         *extra, base + path],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, p50, p95, _p99, worst, errors = line.split()[1:]
    queries = httpx.get(base + path, headers={"cookie": cookie} if cookie else {}).headers.get(
        "x-query-count", "?"
    )
    return {
        "path": path,
        "requests": int(requests),
        "rps": int(requests) / seconds,
        "p50": float(p50),
        "p95": float(p95),
        "max": float(worst),
        "queries": queries,
        "errors": int(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--contributions", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds each client waits between requests (0: back to back, saturation)",
    )
    parser.add_argument("--pool-size", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    parser.add_argument(
        "--wrk", action="store_true", help="generate the load with wrk (apt-get install wrk)"
    )
    args = parser.parse_args()
    url = args.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    if not url.startswith("postgresql+asyncpg://"):
        sys.exit("the benchmark runs on PostgreSQL: give a postgresql:// URL")
    began = time.perf_counter()
    if args.reuse:
        cid, theme = asyncio.run(existing(url))
    else:
        cid, theme = asyncio.run(build(url, args.contributions))
        print(f"built {args.contributions} contributions in {time.perf_counter() - began:.1f} s")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "b" * 40,
           "DELIBERATION_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
           # a small pool: the server shares PostgreSQL's max_connections with others
           "DELIBERATION_POOL_SIZE": str(args.pool_size)}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.pages:bench_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        paths = [
            f"/consultations/{cid}",
            f"/consultations/{cid}?channel=meeting_note&theme={theme}",
        ]
        # Visitors without cookies share one cached rendering (deliberation/web/public_cache.py);
        # a signed-in resident takes the full path: session, permission check, layout.
        signed_in = resident_cookie(base)
        print(f"{'page':72} {'req':>6} {'req/s':>7} {'p50':>7} {'p95':>7} {'max':>7}  SQL/req")
        for path, cookie in [(p, "") for p in paths] + [(p, signed_in) for p in paths]:
            if args.wrk:
                r = load_wrk(base, path, args.clients, args.seconds, args.think, cookie)
            else:
                r = asyncio.run(load(base, path, args.clients, args.seconds, args.think, cookie))
            label = r["path"] + ("  (signed in)" if cookie else "  (visitor)")
            print(
                f"{label:72} {r['requests']:>6} {r['rps']:>7.0f} {r['p50']:>6.1f}ms "
                f"{r['p95']:>6.1f}ms {r['max']:>6.1f}ms  {r['queries']}"
                + (f"  errors={r['errors']}" if r["errors"] else "")
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    random.seed(1)
    main()
