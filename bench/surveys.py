"""Benchmark of survey results (database GROUP BY) and of submitting under concurrent load.

Run:
  .venv/bin/python bench/surveys.py results [--pg postgresql://postgres@127.0.0.1:5432/bench]
  .venv/bin/python bench/surveys.py submit [--pg ...] [--clients 100] [--total 2000]
      [--think SECONDS] [--pool-size N]

``results`` loads a survey of 30 questions with 20,000 responses (about 900,000 answer rows)
and times compute_results, plain and cross-tabulated by district. ``submit`` starts a real
server process (uvicorn, loopback) and has N concurrent respondents post responses through the
JSON API, each as a new participant, at most N requests in flight, and prints the CPU per
response of the server process and of the PostgreSQL backends of the bench database.
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
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from deliberation.db import Database, utcnow  # noqa: E402
from deliberation.models import Consultation, ConsultationStatus, Role  # noqa: E402
from deliberation.permissions import Principal  # noqa: E402
from deliberation.services import accounts  # noqa: E402
from surveys import definition as d  # noqa: E402
from surveys import services, tallies  # noqa: E402
from surveys.answers import answer_rows  # noqa: E402
from surveys.folding import fold_pending  # noqa: E402
from surveys.models import (  # noqa: E402
    ResponseChannel,
    SurveyAnswer,
    SurveyResponse,
    SurveyStatus,
)
from surveys.results import compute_results  # noqa: E402
from tests.conftest import reset_database  # noqa: E402

SEED = 20261126
SECRET = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105 (local bench)
ADMIN = Principal(user_id=1, role=Role.ADMIN)


def _options(prefix: str, n: int) -> list[dict[str, str]]:
    return [{"key": f"{prefix}{i}", "label": f"{prefix.upper()} {i}"} for i in range(1, n + 1)]


def thirty_questions() -> dict[str, Any]:
    """9 single, 6 multiple, 6 scales, 2 rankings, 2 matrices, 2 numbers, 1 long text; the city's
    age band and district (18 districts) come from the demographic settings: 30 questions."""
    questions: list[dict[str, Any]] = []
    for i in range(1, 10):
        questions.append(
            {
                "type": "single_choice",
                "key": f"s{i}",
                "title": f"Single {i}",
                "options": _options("o", 5),
                "allow_other": i == 1,
            }
        )
    for i in range(1, 7):
        questions.append(
            {
                "type": "multiple_choice",
                "key": f"m{i}",
                "title": f"Multiple {i}",
                "options": _options("o", 6),
                "max_choices": 3,
            }
        )
    for i in range(1, 7):
        questions.append(
            {
                "type": "scale",
                "key": f"r{i}",
                "title": f"Scale {i}",
                "min_label": "low",
                "max_label": "high",
                **({"max": 10} if i % 2 else {}),
            }
        )
    for i in range(1, 3):
        questions.append(
            {
                "type": "ranking",
                "key": f"k{i}",
                "title": f"Ranking {i}",
                "options": _options("o", 4),
            }
        )
        questions.append(
            {
                "type": "matrix",
                "key": f"x{i}",
                "title": f"Matrix {i}",
                "rows": _options("r", 4),
                "columns": _options("c", 3),
            }
        )
        questions.append(
            {"type": "number", "key": f"n{i}", "title": f"Number {i}", "min": 0, "max": 120}
        )
        if i == 1:
            questions.append(
                {"type": "long_text", "key": f"t{i}", "title": f"Text {i}", "max_length": 500}
            )
    return {"title": "Benchmark survey", "sections": [{"key": "all", "questions": questions}]}


def random_answers(definition: d.Survey, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for q in definition.questions():
        if rng.random() < 0.05:
            continue  # some questions left unanswered
        if isinstance(q, d.SingleChoiceQuestion):
            out[q.key] = rng.choice([o.key for o in q.options])
        elif isinstance(q, d.MultipleChoiceQuestion):
            out[q.key] = sorted(rng.sample([o.key for o in q.options], rng.randint(1, 3)))
        elif isinstance(q, d.ScaleQuestion):
            out[q.key] = rng.randint(q.min, q.max)
        elif isinstance(q, d.RankingQuestion):
            keys = [o.key for o in q.options]
            rng.shuffle(keys)
            out[q.key] = keys
        elif isinstance(q, d.MatrixQuestion):
            out[q.key] = {r.key: rng.choice([c.key for c in q.columns]) for r in q.rows}
        elif isinstance(q, d.NumberQuestion):
            out[q.key] = rng.randint(0, 120)
        elif isinstance(q, d.LongTextQuestion) and rng.random() < 0.2:
            out[q.key] = "Więcej zieleni i ławek w parku."
    return out


async def create_open_survey(database: Database) -> tuple[int, int]:
    async with database.session() as session:
        consultation = Consultation(
            slug=f"bench-{time.monotonic_ns()}",
            title="Benchmark",
            summary="Benchmark",
            status=ConsultationStatus.PUBLISHED,
            published_at=utcnow(),
        )
        session.add(consultation)
        await session.commit()
        admin = await accounts.register(
            session,
            email=f"admin{time.monotonic_ns()}@example.org",
            display_name="Admin",
            password="bench password 123",  # noqa: S106
            role=Role.ADMIN,
        )
        survey = await services.create_survey(
            session,
            Principal(user_id=admin.id, role=Role.ADMIN),
            consultation,
            title="Benchmark survey",
            working=thirty_questions(),
        )
        city = services.Settings(
            age_band=True, districts=tuple(f"Dzielnica {n}" for n in range(1, 19))
        )
        await services.update_settings(session, ADMIN, consultation, survey, city)
        await services.set_status(session, ADMIN, consultation, survey, SurveyStatus.OPEN)
        return consultation.id, survey.id


async def load_responses(database: Database, survey_id: int, n: int) -> None:
    rng = random.Random(SEED)
    async with database.session() as session:
        survey = await session.get(services.Survey, survey_id)
        assert survey is not None
        version, definition = await services.current_definition(session, survey)
        batch = 2000
        for start in range(0, n, batch):
            size = min(batch, n - start)
            answers = [random_answers(definition, rng) for _ in range(size)]
            channels = [
                ResponseChannel.PAPER if rng.random() < 0.15 else ResponseChannel.ONLINE
                for _ in range(size)
            ]
            ids = (
                await session.scalars(
                    insert(SurveyResponse).returning(SurveyResponse.id),
                    [
                        {
                            "survey_id": survey_id,
                            "version_id": version.id,
                            "participant_id": None,
                            "channel": ch,
                            "answers": a,
                            "submitted_at": utcnow(),
                            "updated_at": utcnow(),
                        }
                        for a, ch in zip(answers, channels, strict=True)
                    ],
                )
            ).all()
            rows = [
                {
                    "response_id": rid,
                    "version_id": version.id,
                    "channel": ch,
                    "question": r.question,
                    "item": r.item,
                    "value": r.value,
                    "num": r.num,
                    "text": r.text,
                }
                for rid, a, ch in zip(ids, answers, channels, strict=True)
                for r in answer_rows(definition, a)
            ]
            await session.execute(insert(SurveyAnswer), rows)
            await session.commit()
        # Bulk-loaded rows skip the running tallies: count them once, in SQL.
        started = time.perf_counter()
        await tallies.rebuild(session, version.id, tallies.single_choice_keys(definition))
        await session.commit()
        print(f"  tallies rebuilt in {time.perf_counter() - started:.1f} s")


async def leave_unfolded(database: Database, survey_id: int, n: int) -> None:
    """The newest ``n`` responses as if the folding task had not reached them yet."""
    async with database.session() as session:
        survey = await session.get(services.Survey, survey_id)
        assert survey is not None
        version, definition = await services.current_definition(session, survey)
        await session.execute(
            text(
                "UPDATE survey_responses SET folded = false WHERE id IN "
                "(SELECT id FROM survey_responses WHERE survey_id = :s ORDER BY id DESC LIMIT :n)"
            ),
            {"s": survey_id, "n": n},
        )
        await tallies.recount_folded(session, version.id, tallies.single_choice_keys(definition))
        await session.commit()


async def bench_results(url: str, responses: int, repeat: int, unfolded: int = 0) -> None:
    await reset_database(url)
    database = Database(url)
    try:
        consultation_id, survey_id = await create_open_survey(database)
        started = time.perf_counter()
        await load_responses(database, survey_id, responses)
        loaded = time.perf_counter() - started
        if unfolded:
            await leave_unfolded(database, survey_id, unfolded)
        if database.is_postgres:
            async with database.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE survey_answers"))
                await conn.execute(text("VACUUM ANALYZE survey_responses"))
                await conn.execute(text("VACUUM ANALYZE survey_tallies"))
        else:
            async with database.engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        async with database.session() as session:
            rows = await session.scalar(text("SELECT count(*) FROM survey_answers"))
        print(
            f"{database.engine.dialect.name}: {responses} responses, {rows} answer rows, "
            f"loaded in {loaded:.1f} s; {unfolded} of them not folded yet"
        )
        for by in (None, "district"):
            timings = []
            for _ in range(repeat):
                async with database.session() as session:
                    consultation = await session.get(Consultation, consultation_id)
                    survey = await session.get(services.Survey, survey_id)
                    assert consultation is not None and survey is not None
                    t0 = time.perf_counter()
                    results = await compute_results(session, ADMIN, consultation, survey, by=by)
                    timings.append(time.perf_counter() - t0)
            assert results.total == responses
            label = f"by {by}" if by else "plain"
            print(
                f"  results ({label}): median {statistics.median(timings) * 1000:.0f} ms, "
                f"max {max(timings) * 1000:.0f} ms over {repeat} runs"
            )
    finally:
        await database.dispose()


def _cpu_by_pid(match: Any) -> dict[int, float]:
    """CPU seconds (user + system) of the live processes whose command line ``match`` accepts."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not match(int(entry.name), cmdline):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    return found


class CpuMeter:
    """CPU spent by the server process (and its workers) and by the PostgreSQL backends connected
    to the bench database between ``start`` and ``stop``. Backends that exit in between are lost
    (the pool keeps its connections, so few do); ``sessions`` counts the connections opened."""

    def __init__(self, server_pid: int, url: str) -> None:
        self.server_pid = server_pid
        self.url = url
        self.dbname = url.rsplit("/", 1)[1] if url.startswith("postgresql") else None
        self.before: dict[int, float] = {}
        self.sessions_before = 0

    def _server(self, pid: int, cmdline: str) -> bool:
        if pid == self.server_pid:
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return False
        return int(stat[1]) == self.server_pid  # a worker (--workers)

    def _backend(self, _pid: int, cmdline: str) -> bool:
        return self.dbname is not None and f": postgres {self.dbname} " in cmdline

    def _sample(self) -> tuple[dict[int, float], dict[int, float]]:
        return _cpu_by_pid(self._server), _cpu_by_pid(self._backend)

    async def _sessions(self) -> int:
        if self.dbname is None:
            return 0
        database = Database(self.url)
        try:
            async with database.session() as session:
                found = await session.scalar(
                    text("SELECT sessions FROM pg_stat_database WHERE datname = :d"),
                    {"d": self.dbname},
                )
            return int(found or 0)
        finally:
            await database.dispose()

    async def start(self) -> None:
        self.sessions_before = await self._sessions()
        self.server_before, self.pg_before = self._sample()
        self.generator_before = time.process_time()  # this process: the httpx respondents

    async def stop(self, responses: int, *, httpx_load: bool = True) -> str:
        server, pg = self._sample()
        generator = time.process_time() - self.generator_before
        sessions = await self._sessions() - self.sessions_before - 1  # minus our own look
        used = sum(server.values()) - sum(self.server_before.get(p, 0.0) for p in server)
        pg_used = sum(pg.values()) - sum(self.pg_before.get(p, 0.0) for p in pg)

        def per(seconds: float) -> float:
            return seconds / max(responses, 1) * 1000

        line = f"CPU per response: server {per(used):.2f} ms"
        if self.dbname is not None:
            line += f", PostgreSQL backends {per(pg_used):.2f} ms ({sessions} connections opened)"
        if httpx_load:  # wrk runs in its own process
            line += f", load generator {per(generator):.2f} ms"
        return line


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def check_stored(url: str, survey_id: int, expected: int) -> str:
    """Stored responses, none twice, and results equal to a recount once everything is folded."""
    database = Database(url)
    try:
        async with database.session() as session:
            stored = int(
                await session.scalar(
                    text("SELECT count(*) FROM survey_responses WHERE survey_id = :s"),
                    {"s": survey_id},
                )
                or 0
            )
            people = int(
                await session.scalar(
                    text(
                        "SELECT count(DISTINCT participant_id) FROM survey_responses "
                        "WHERE survey_id = :s"
                    ),
                    {"s": survey_id},
                )
                or 0
            )
            pending = int(
                await session.scalar(
                    text(
                        "SELECT count(*) FROM survey_responses WHERE NOT folded AND survey_id = :s"
                    ),
                    {"s": survey_id},
                )
                or 0
            )
        # Fold what the server had not folded yet, then compare with a recount from the rows.
        await fold_pending(database)
        async with database.session() as session:
            survey = await session.get(services.Survey, survey_id)
            assert survey is not None
            consultation = await session.get(Consultation, survey.consultation_id)
            assert consultation is not None
            folded = await compute_results(session, ADMIN, consultation, survey, by="district")
            version, definition = await services.current_definition(session, survey)
            await tallies.rebuild(session, version.id, tallies.single_choice_keys(definition))
            recount = await compute_results(session, ADMIN, consultation, survey, by="district")
            await session.rollback()
        same = [c.cells for c in folded.questions] == [c.cells for c in recount.questions] and (
            folded.crosstab == recount.crosstab
        )
        assert folded.total == stored == people, (folded.total, stored, people)
        assert same, "folded tallies differ from a recount"
        return (
            f"stored {stored} ({expected} replies counted by the driver), "
            f"{people} participants (none twice), "
            f"{pending} not folded yet when the load ended; results = recount"
        )
    finally:
        await database.dispose()


WRK_SCRIPT = """
-- Each connection is a respondent posting answers; no participant cookie, so each post is a
-- new participant. Bodies are taken in turn; think*(0.5..1.5) s between posts.
counter = 0
local think_ms = %(think_ms)d
function delay()
  if think_ms == 0 then return 0 end
  return math.random(math.floor(think_ms / 2), math.floor(think_ms * 3 / 2))
end
request = function()
  counter = counter + 1
  return wrk.format("POST", nil, HEADERS, BODIES[(counter %% #BODIES) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%.1f %%.1f %%.1f %%.1f %%d %%d\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def submit_wrk(
    base: str, path: str, payloads: list[dict[str, Any]], clients: int, seconds: float, think: float
) -> tuple[str, int]:
    """The load from wrk (C), so the generator takes little of the CPU the server needs."""
    import json
    import shutil

    if shutil.which("wrk") is None:
        sys.exit("--wrk needs the wrk load generator: apt-get install wrk (Debian/Ubuntu)")
    with httpx.Client(base_url=base) as client:
        client.get("/")
        token = client.cookies["csrftoken"]
    headers = (
        f'{{["Content-Type"]="application/json", ["X-CSRFToken"]="{token}", '
        f'["Cookie"]="csrftoken={token}"}}'
    )
    bodies = ",".join("[==[" + json.dumps(p) + "]==]" for p in payloads)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f"HEADERS = {headers}\nBODIES = {{{bodies}}}\n")
        script.write(WRK_SCRIPT % {"think_ms": int(think * 1000)})
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "30s",
         "-s", script.name, base + path],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, p50, p95, p99, top, errors, status = line.split()[1:]
    return (
        f"submit (wrk) : {n} responses in {seconds:g} s, {clients} concurrent respondents, "
        f"{int(n) / seconds:.0f} responses/s; p50 {float(p50):.0f} ms, p95 {float(p95):.0f} ms, "
        f"p99 {float(p99):.0f} ms, max {float(top):.0f} ms; socket errors {errors}, "
        f"non-2xx {status}" + (f"; think {think:g} s" if think else "")
    ), int(n) - int(status)


async def bench_submit(
    url: str,
    clients: int,
    total: int,
    think: float = 0.0,
    pool_size: int = 10,
    wrk_seconds: float = 0.0,
    workers: int = 1,
) -> None:
    await reset_database(url)
    database = Database(url)
    try:
        consultation_id, survey_id = await create_open_survey(database)
        async with database.session() as session:
            survey = await session.get(services.Survey, survey_id)
            assert survey is not None
            _version, definition = await services.current_definition(session, survey)
    finally:
        await database.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "DELIBERATION_LOG_LEVEL": "WARNING",
        "DELIBERATION_BASE_URL": f"http://127.0.0.1:{port}",
        "DELIBERATION_POOL_SIZE": str(pool_size),
    }
    log = Path(tempfile.mkdtemp()) / "server.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "deliberation.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    path = f"/api/consultations/{consultation_id}/surveys/{survey_id}/responses"
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        rng = random.Random(SEED)
        payloads = [{"answers": random_answers(definition, rng)} for _ in range(total)]
        meter = CpuMeter(server.pid, url)
        if wrk_seconds:
            await meter.start()
            line, total = submit_wrk(base, path, payloads, clients, wrk_seconds, think)
            print(line)
        else:
            total = await submit_httpx(base, path, payloads, clients, think, rng, meter)
        print("  " + await meter.stop(total, httpx_load=not wrk_seconds))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    print("  " + await check_stored(url, survey_id, total))


async def submit_httpx(
    base: str,
    path: str,
    payloads: list[dict[str, Any]],
    clients: int,
    think: float,
    rng: random.Random,
    meter: CpuMeter | None = None,
) -> int:
    """N respondents in Python (httpx), at most N posts in flight. Returns responses stored."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for payload in payloads:
        queue.put_nowait(payload)

    ready = 0
    go = asyncio.Event()

    async def respondent() -> None:
        nonlocal ready
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
            await client.get("/")  # the CSRF cookie, as a browser gets it with the page
            token = client.cookies.get("csrftoken") or ""
            # Every page is loaded before the first post: page loads are not what is measured.
            ready += 1
            if ready == clients and meter is None:
                go.set()
            await go.wait()
            if think:  # respondents do not all start at the same moment
                await asyncio.sleep(rng.uniform(0, think))
            while not queue.empty():
                payload = queue.get_nowait()
                # A new person each time: no participant cookie, so a new participant.
                client.cookies.delete("participant")
                t0 = time.perf_counter()
                try:
                    reply = await client.post(path, json=payload, headers={"x-csrftoken": token})
                    status = reply.status_code
                except httpx.HTTPError:
                    status = 0  # connection failed or timed out
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
                if think:
                    # The next person fills the form in: think time, jittered +-50 %.
                    await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    total = len(payloads)
    tasks = [asyncio.ensure_future(respondent()) for _ in range(clients)]
    if meter is not None:  # measured from here, so the page loads are (mostly) left out
        while ready < clients:
            await asyncio.sleep(0.01)
        await meter.start()
        go.set()
    await go.wait()
    started = time.perf_counter()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(
        f"submit (httpx): {total} responses, {clients} concurrent respondents, "
        f"{total / elapsed:.0f} responses/s; p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms, "
        f"p99 {p(0.99):.0f} ms, max {latencies[-1] * 1000:.0f} ms; statuses {statuses}"
        + (f"; think {think:g} s" if think else "")
    )
    return statuses.get(201, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["results", "submit"])
    parser.add_argument("--pg", default="", help="a PostgreSQL URL (its database is emptied)")
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--unfolded",
        type=int,
        default=1000,
        help="results: how many of the responses the folding task has not counted yet",
    )
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--total", type=int, default=2000)
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconds each respondent waits between posts"
    )
    parser.add_argument("--pool-size", type=int, default=10, help="the server's pool size")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL)")
    parser.add_argument(
        "--wrk", type=float, default=0.0, metavar="SECONDS",
        help="generate the load with wrk for SECONDS instead of httpx (--total: distinct bodies)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.pg:
        url = "postgresql+asyncpg://" + args.pg.split("://", 1)[1]
    else:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    if args.what == "results":
        asyncio.run(bench_results(url, args.responses, args.repeat, args.unfolded))
    else:
        asyncio.run(
            bench_submit(
                url, args.clients, args.total, args.think, args.pool_size, args.wrk, args.workers
            )
        )


if __name__ == "__main__":
    main()
