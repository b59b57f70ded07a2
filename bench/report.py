"""Benchmark of the summary and the report for a consultation of 20,000 contributions.

Run (PostgreSQL, once: createdb -h 127.0.0.1 -U postgres deliberation_report_bench):
    .venv/bin/python bench/report.py --database-url postgresql://postgres@127.0.0.1:5432/deliberation_report_bench
Options: --contributions 20000, --reuse (keep the data of the previous run), --runs 3.

Measures, warm (the first run, with the lemmatizer load, is reported on its own): the summary
draft (bulk load + built-in summarizer + store), the report (bulk load), the CSV and XLSX of the
contribution table, the JSON open data, the report's HTML (all rows, as for print and PDF) and
the web page's body (its first page of the table). Records peak RSS, and checks that
the app starts without loading heavy language data (simplemma, WeasyPrint).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, select, text  # noqa: E402

from deliberation import exporting, i18n  # noqa: E402
from deliberation.db import Database  # noqa: E402
from deliberation.models import (  # noqa: E402
    Channel,
    Consultation,
    ConsultationStatus,
    Contribution,
    ModerationState,
    Role,
    Theme,
    contribution_themes,
)
from deliberation.models.report import ContributionResponse, ResponseStatus  # noqa: E402
from deliberation.permissions import Principal  # noqa: E402

SAMPLE = REPO / "deliberation" / "demo" / "park_contributions_pl.jsonl"
TITLE = "Benchmark: raport dla 20 000 uwag"


def _rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line]


async def seed(db: Database, n: int) -> int:
    """A consultation with n contributions (4 % hidden), ten themes, a third answered."""
    rng = random.Random(7)
    sample = _rows()
    now = datetime.now(UTC)
    async with db.session() as session:
        consultation = Consultation(
            slug=f"bench-report-{int(time.time())}",
            title=TITLE,
            summary="Benchmark.",
            status=ConsultationStatus.CLOSED,
            participation_forms=["online", "meeting", "paper", "survey"],
        )
        session.add(consultation)
        await session.flush()
        themes = {}
        for name in sorted({row["theme"] for row in sample}):
            theme = Theme(consultation_id=consultation.id, name=name, slug=name.replace(" ", "-"))
            session.add(theme)
            await session.flush()
            themes[name] = theme.id
        batch: list[dict[str, Any]] = []
        for i in range(n):
            row = sample[i % len(sample)]
            batch.append(
                {
                    "consultation_id": consultation.id,
                    "channel": Channel(row["channel"]),
                    "body": f"{row['text']} ({i})",
                    "author_kind": "participant",
                    "moderation_state": ModerationState.HIDDEN
                    if rng.random() < 0.04
                    else ModerationState.VISIBLE,
                    "support_count": rng.randint(0, 30),
                    "created_at": now - timedelta(minutes=n - i),
                    "updated_at": now,
                }
            )
        for start in range(0, n, 2000):
            await session.execute(insert(Contribution), batch[start : start + 2000])
        ids = list(
            await session.scalars(
                select(Contribution.id)
                .where(Contribution.consultation_id == consultation.id)
                .order_by(Contribution.id)
            )
        )
        tags = [
            {"contribution_id": cid, "theme_id": themes[sample[i % len(sample)]["theme"]]}
            for i, cid in enumerate(ids)
        ]
        for start in range(0, len(tags), 5000):
            await session.execute(insert(contribution_themes), tags[start : start + 5000])
        answers = [
            {
                "consultation_id": consultation.id,
                "contribution_id": cid,
                "status": rng.choice(list(ResponseStatus)),
                "justification": "Odpowiedź miasta prostym językiem.",
                "created_at": now,
                "updated_at": now,
            }
            for cid in ids[::3]
        ]
        for start in range(0, len(answers), 5000):
            await session.execute(insert(ContributionResponse), answers[start : start + 5000])
        await session.commit()
        return consultation.id


def timed(samples: list[float], start: float) -> float:
    elapsed = time.perf_counter() - start
    samples.append(elapsed)
    return elapsed


async def measure(db: Database, consultation_id: int, runs: int) -> dict[str, Any]:
    from deliberation.features import load_features
    from deliberation.services import report, report_sections, summaries
    from deliberation.web.templating import Templates, create_environment
    from deliberation.web.views.report import TABLE_PAGE, TablePage

    providers = report_sections.providers_for(load_features())

    admin = Principal(user_id=None, role=Role.ADMIN)
    templates = Templates(create_environment())
    summarizer = summaries.make_summarizer(None)
    results: dict[str, list[float]] = {}
    first: dict[str, float] = {}
    cpu: dict[str, list[float]] = {}
    for run in range(runs + 1):
        i18n.set_language("pl")
        timings: dict[str, float] = {}
        c0 = time.process_time()
        async with db.session() as session:
            consultation = await session.get(Consultation, consultation_id)
            assert consultation is not None
            t = time.perf_counter()
            await summaries.generate_draft(session, admin, consultation, "pl", summarizer)
            timings["summary draft (load + summarize + store)"] = time.perf_counter() - t
            c1 = time.process_time()
            await summaries.publish(session, admin, consultation, "pl")
            t = time.perf_counter()
            data = await report.build(session, admin, consultation, "pl", providers)
            timings["report data (bulk load)"] = time.perf_counter() - t
            c2 = time.process_time()
        t = time.perf_counter()
        exporting.write_csv(report.table_rows(data), report.table_header())
        timings["CSV of the table"] = time.perf_counter() - t
        t = time.perf_counter()
        exporting.write_xlsx({"Uwagi": (report.table_header(), report.table_rows(data))})
        timings["XLSX of the table"] = time.perf_counter() - t
        t = time.perf_counter()
        exporting.write_json(report.open_data(data))
        timings["JSON open data"] = time.perf_counter() - t
        t = time.perf_counter()
        templates.env.get_template("report/print.html").render(
            report=data,
            consultation=data.consultation,
            pdf=True,
            print_css="",
            response_label=lambda v: v,
            url_for=lambda *a, **k: "/",
        )
        timings["report HTML (20,000 rows)"] = time.perf_counter() - t
        t = time.perf_counter()
        page = TablePage(
            rows=data.rows[:TABLE_PAGE],
            page=1,
            pages=-(-len(data.rows) // TABLE_PAGE),
            matching=len(data.rows),
            theme="",
            status="",
            show_all=False,
            themes=sorted({name for row in data.rows for name in row.themes}),
            statuses=[],
        )
        templates.env.get_template("report/_report_body.html").render(
            report=data,
            table=page,
            consultation=data.consultation,
            response_label=lambda v: v,
            url_for=lambda *a, **k: "/",
        )
        timings["report web page body (first 100 rows)"] = time.perf_counter() - t
        timings["summary + report data"] = (
            timings["summary draft (load + summarize + store)"] + timings["report data (bulk load)"]
        )
        if run == 0:
            first = timings
            continue
        cpu.setdefault("summary draft", []).append(c1 - c0)
        cpu.setdefault("summary + report data", []).append(c2 - c0)
        for key, value in timings.items():
            results.setdefault(key, []).append(value)
    return {
        "first": first,
        "warm_median": {k: statistics.median(v) for k, v in results.items()},
        # CPU time of this process: what the Python side costs when the machine is not shared
        # (it excludes waiting for a CPU and PostgreSQL's own time).
        "warm_median_cpu": {k: statistics.median(v) for k, v in cpu.items()},
        "rows": len(data.rows),
    }


def readability_check(runs: int = 50) -> dict[str, float]:
    """The editor's check (analyze + marked HTML + notes) of a 2,000-word Polish text, in ms."""
    from deliberation.services import plain_language

    words: list[str] = []
    sample = [row["text"] for row in _rows()]
    while len(words) < 2000:
        words.extend(" ".join(sample).split())
    text = " ".join(words[:2000])
    t = time.perf_counter()
    plain_language.check(text, "pl")
    first = (time.perf_counter() - t) * 1000
    wall = []
    for _ in range(runs):
        t = time.perf_counter()
        plain_language.check(text, "pl")
        wall.append((time.perf_counter() - t) * 1000)
    wall.sort()
    return {"first_ms": first, "p50_ms": statistics.median(wall), "p95_ms": wall[int(runs * 0.95)]}


def lazy_check() -> dict[str, bool]:
    code = (
        "import sys; from deliberation.app import create_app; "
        "from deliberation.settings import load_settings; "
        "create_app(load_settings(secret_key='x'*40), configure_logs=False); "
        "print(int('simplemma' in sys.modules), int('weasyprint' in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.split()
    return {
        "simplemma loaded at start-up": out[0] == "1",
        "weasyprint loaded at start-up": out[1] == "1",
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--contributions", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+asyncpg://")
    if not args.reuse:
        from tests.conftest import reset_database

        await reset_database(url)
    db = Database(url)
    try:
        consultation_id = None
        if args.reuse:
            async with db.session() as session:
                consultation_id = await session.scalar(
                    select(Consultation.id)
                    .where(Consultation.title == TITLE)
                    .order_by(Consultation.id.desc())
                )
        if consultation_id is None:
            t = time.perf_counter()
            consultation_id = await seed(db, args.contributions)
            print(f"seeded {args.contributions} contributions in {time.perf_counter() - t:.1f} s")
        async with db.session() as session:
            await session.execute(text("ANALYZE"))
        figures = await measure(db, consultation_id, args.runs)
    finally:
        await db.dispose()
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["editor check of 2,000 words"] = readability_check()
    figures["lazy"] = lazy_check()
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
