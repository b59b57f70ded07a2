"""Comments benchmark: paging a 10,000-comment thread, and 50 concurrent writers on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres deliberation_bench_comments   # once
    .venv/bin/python bench/comments.py \
        --database-url postgresql://postgres@127.0.0.1:5432/deliberation_bench_comments

Builds one consultation with 10,000 comments (three levels) by bulk insert, starts uvicorn (one
process, loopback only) and measures (1) GET of thread pages, every sort, random pages, from 4
concurrent readers for a bounded time and (2) 50 logged-in residents posting comments at once
through the real form (CSRF, moderation guard, safeguards and rate limits all on; the per-network
limit is raised because every writer shares 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
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
READERS = 4  # signed-in readers, who also wrote and upvoted comments
SECRET = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105


async def build(url: str, n: int, writers: int) -> tuple[int, list[str]]:
    """Fresh schema, one consultation with ``n`` comments; returns its id and writers' tokens."""
    from sqlalchemy import insert, select, text

    from deliberation import migrate
    from deliberation.db import Database, utcnow
    from deliberation.models import (
        AuthorKind,
        Channel,
        Consultation,
        ConsultationStatus,
        Contribution,
        ModerationState,
        Participant,
        User,
        UserSession,
    )
    from deliberation.models.comments import Comment, CommentVote
    from deliberation.security import new_token, token_hash

    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await migrate.upgrade_async(url)
    now = utcnow()
    async with database.session() as session:
        consultation = Consultation(
            slug="bench-comments",
            title="Park (benchmark komentarzy)",
            status=ConsultationStatus.PUBLISHED,
            published_at=now,
        )
        session.add(consultation)
        users = [
            User(email=f"w{i}@example.org", display_name=f"Mieszkanka {i}", password_hash=None)
            for i in range(writers)
        ]
        session.add_all(users)
        await session.flush()
        tokens = []
        for user in users:
            token = new_token()
            tokens.append(token)
            session.add(
                UserSession(
                    token_hash=token_hash(token), user_id=user.id, expires_at=now + timedelta(1)
                )
            )
        start = now - timedelta(days=20)
        levels = [(0, int(n * 0.3)), (1, int(n * 0.4)), (2, n - int(n * 0.3) - int(n * 0.4))]
        parents: list[int] = []
        every: list[int] = []
        made = 0
        for depth, count in levels:
            rows = [
                {
                    "consultation_id": consultation.id,
                    "channel": Channel.ONLINE_COMMENT,
                    "body": f"Komentarz {made + i}: więcej drzew, ławek i cienia w parku. " * 2,
                    "author_kind": AuthorKind.ACCOUNT,
                    "author_user_id": users[i % writers].id,
                    "moderation_state": ModerationState.VISIBLE,
                    "support_count": (i * 7) % 50,
                    "created_at": start + timedelta(seconds=100 * (made + i)),
                    "updated_at": start + timedelta(seconds=100 * (made + i)),
                }
                for i in range(count)
            ]
            ids = list(
                (
                    await session.execute(insert(Contribution).returning(Contribution.id), rows)
                ).scalars()
            )
            comment_rows = [
                {
                    "consultation_id": consultation.id,
                    "contribution_id": cid,
                    "parent_id": random.choice(parents) if depth else None,
                    "depth": depth,
                    "author_user_id": users[i % writers].id,
                    "author_name": f"Mieszkanka {i % writers}",
                    "notify_replies": True,
                    "created_at": rows[i]["created_at"],
                }
                for i, cid in enumerate(ids)
            ]
            comment_ids = list(
                (
                    await session.execute(insert(Comment).returning(Comment.id), comment_rows)
                ).scalars()
            )
            parents = comment_ids
            every.extend(comment_ids)
            made += count
        await session.execute(
            text(
                "UPDATE contributions SET source_type = 'comment', source_id = comments.id "
                "FROM comments WHERE comments.contribution_id = contributions.id"
            )
        )
        # The signed-in readers are residents who took part: each has a participant, wrote
        # their share of the comments (about 2 % of a page) and upvoted every 20th comment
        # (about 5 a page), so their page shows their own votes and comments.
        for n, user in enumerate(users[:READERS]):
            participant = Participant(user_id=user.id, display_name=user.display_name)
            session.add(participant)
            await session.flush()
            for table in ("comments", "contributions"):
                await session.execute(
                    text(
                        f"UPDATE {table} SET author_participant_id = :p "  # noqa: S608
                        "WHERE author_user_id = :u"
                    ),
                    {"p": participant.id, "u": user.id},
                )
            await session.execute(
                insert(CommentVote),
                [
                    {"comment_id": i, "participant_id": participant.id, "created_at": now}
                    for i in every[n::20]
                ],
            )
        await session.commit()
        await session.execute(text("ANALYZE"))
        await session.commit()
        assert await session.scalar(select(Comment.id).limit(1)) is not None
        cid = consultation.id
    await database.dispose()
    return cid, tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def read_pages(
    base: str, cid: int, readers: int, seconds: float, tokens: list[str] | None = None
) -> dict[str, Any]:
    """Readers fetch random pages back to back; with ``tokens`` each reader is signed in (their
    own votes and comments shown, so no shared cached page), otherwise anonymous."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def reader(n: int) -> None:
        nonlocal errors
        cookies = {"session": tokens[n % len(tokens)]} if tokens else None
        async with httpx.AsyncClient(base_url=base, timeout=10, cookies=cookies) as client:
            for _ in range(3):
                await client.get(f"/consultations/{cid}/comments")
            while time.perf_counter() < deadline:
                sort = random.choice(["newest", "oldest", "supported"])
                page = random.randint(1, 100)
                started = time.perf_counter()
                response = await client.get(
                    f"/consultations/{cid}/comments?sort={sort}&page={page}",
                    headers={"hx-request": "true"},
                )
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

    await asyncio.gather(*(reader(n) for n in range(readers)))
    return {**summary(latencies), "errors": errors}


async def write_comments(
    base: str, cid: int, tokens: list[str], posts: int, timeout: float = 30, think: float = 0
) -> dict[str, Any]:
    """Each writer posts ``posts`` comments; with ``think`` it waits a random 0.5-1.5 × think
    seconds before each post (a person typing), otherwise it posts back to back."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def writer(token: str, n: int) -> None:
        async with httpx.AsyncClient(
            base_url=base, timeout=timeout, cookies={"session": token}
        ) as client:
            await client.get(f"/consultations/{cid}/comments?page=999")
            csrf = client.cookies.get("csrftoken")
            for k in range(posts):
                if think:
                    await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))
                idea = random.choice(["ławki", "drzewa", "fontannę"])
                body = f"Wpis {n}-{k}: proponuję {idea}"
                started = time.perf_counter()
                response = await client.post(
                    f"/consultations/{cid}/comments",
                    data={"csrftoken": csrf, "body": f"{body} nr {time.time_ns()}"},
                )
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    await asyncio.gather(*(writer(t, n) for n, t in enumerate(tokens)))
    return {**summary(latencies), "statuses": statuses}


def start_server(url: str, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "DELIBERATION_LOG_LEVEL": "WARNING",
        "DELIBERATION_MODERATION_NETWORK_PER_MINUTE": "100000",
        "DELIBERATION_MODERATION_NETWORK_PER_DAY": "1000000",
    }
    command = [sys.executable, "-m", "uvicorn", "deliberation.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    command += ["--workers", str(workers)]
    return subprocess.Popen(command, env=env, cwd=ROOT)


def wait_up(base: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--posts", type=int, default=4, help="per writer (limit is 5/min)")
    parser.add_argument("--read-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--think",
        type=float,
        default=0,
        help="mean seconds a writer waits before each post (0: back to back)",
    )
    args = parser.parse_args()
    url = args.database_url
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    started = time.perf_counter()
    cid, tokens = asyncio.run(build(url, args.comments, args.writers + 1))
    print(f"built {args.comments} comments in {time.perf_counter() - started:.1f} s")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, port, args.workers)
    try:
        wait_up(base)
        # The first post loads the Polish lemma data; keep it out of the measurement.
        warm = asyncio.run(write_comments(base, cid, tokens[-1:], 1, timeout=600))
        print("warm-up post", warm)
        # The server loads the Polish lemma data in a background thread on its first post
        # (seconds of CPU): let it finish before measuring.
        time.sleep(8)
        reads = asyncio.run(read_pages(base, cid, 4, args.read_seconds))
        print("thread pages, 4 anonymous readers (30 top-level comments with replies):", reads)
        reads = asyncio.run(read_pages(base, cid, READERS, args.read_seconds, tokens[:READERS]))
        print("thread pages, 4 signed-in readers (own page each, not the shared one):", reads)
        writes = asyncio.run(write_comments(base, cid, tokens[:-1], args.posts, think=args.think))
        print(f"posting, {args.writers} concurrent writers, think {args.think} s:", writes)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
