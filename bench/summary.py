"""Benchmark of generate_summary on synthetic contributions recombined from the park sample.

Run: .venv/bin/python bench/summary.py [--items 20000] [--repeat 3]. The one-time simplemma
load is timed on its own; each timed run starts with an empty lemma cache.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from deliberation.summary import (  # noqa: E402  (needs the repo on sys.path first)
    Channel,
    SummaryItem,
    SurveyHighlight,
    generate_summary,
    text,
)

SEED = 20250512
SAMPLE_NAME = "park_contributions_pl.jsonl"
MEETINGS = ("Spotkanie w CAO", "Spacer po parku", "Rada dzielnicy Centrum", "Spotkanie online")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sample_path() -> Path:
    folder = os.environ.get("DELIBERATION_SHARED_DATA") or REPO.parent / "shared" / "data"
    return Path(folder) / SAMPLE_NAME


def sentence_pool(path: Path) -> dict[str, list[str]]:
    """Sentences of the sample grouped by their labelled theme."""
    pool: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            pool.setdefault(row["theme"], []).extend(_SENTENCE_END.split(row["text"].strip()))
    return pool


def synthetic_items(pool: dict[str, list[str]], n: int, *, themed: bool) -> list[SummaryItem]:
    """`n` contributions: 1-3 sentences, mostly from one theme, with skewed support."""
    rng = random.Random(SEED)
    themes = sorted(pool)
    channels = list(Channel)
    start = datetime(2025, 5, 12, 17, 0)
    items = []
    for i in range(1, n + 1):
        theme = rng.choice(themes)
        parts = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            # One sentence in five strays to another theme, as real comments do.
            source = theme if rng.random() < 0.8 else rng.choice(themes)
            parts.append(rng.choice(pool[source]))
        channel = rng.choice(channels)
        items.append(
            SummaryItem(
                id=i,
                channel=channel,
                text=" ".join(parts),
                themes=(theme,) if themed else (),
                support=min(int(rng.paretovariate(1.2)) - 1, 500),
                visible=rng.random() > 0.05,
                answered=channel is Channel.LIVE_QUESTION and rng.random() < 0.4,
                meeting_title=rng.choice(MEETINGS) if channel is Channel.MEETING_NOTE else None,
                created_at=start + timedelta(seconds=i),
            )
        )
    return items


def highlights(items: Sequence[SummaryItem]) -> list[SurveyHighlight]:
    answers = tuple(item.id for item in items if item.channel is Channel.SURVEY_ANSWER)
    return [
        SurveyHighlight(
            question="Co jest najważniejsze w parku?",
            option="Oświetlenie",
            percent=41.5,
            respondents=len(answers),
            source_ids=answers,
        )
    ]


def max_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(run: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per run; CPU time is steadier on a shared machine."""
    wall, cpu = [], []
    for _ in range(repeat):
        text.key_lemma.cache_clear()
        began, began_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return wall, cpu


def peak_traced_mb(run: Callable[[], object]) -> float:
    text.key_lemma.cache_clear()
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = sample_path()
    if not path.exists():
        sys.exit(f"sample data {path} is absent; set DELIBERATION_SHARED_DATA to its folder")

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.items} items")
    rss_before = max_rss_mb()
    began = time.perf_counter()
    text.warm_up("pl")
    load = time.perf_counter() - began
    print(f"simplemma load (once): {load:.2f} s, max RSS {rss_before:.0f} -> {max_rss_mb():.0f} MB")

    pool = sentence_pool(path)
    for label, themed in (("facilitator themes", True), ("automatic themes", False)):
        items = synthetic_items(pool, args.items, themed=themed)
        survey = highlights(items)

        def run(items: list[SummaryItem] = items, survey: list[SurveyHighlight] = survey) -> None:
            generate_summary(items, language="pl", survey_highlights=survey)

        times, cpu = timed(run, args.repeat)
        peak = peak_traced_mb(run)
        summary = generate_summary(items, language="pl", survey_highlights=survey)
        sentences = sum(1 for _ in summary.sentences())
        print(
            f"{label}: median {statistics.median(times):.3f} s, "
            f"min {min(times):.3f} s, max {max(times):.3f} s over {args.repeat} runs "
            f"(CPU median {statistics.median(cpu):.3f} s); "
            f"peak traced {peak:.1f} MB; {len(summary.sections)} sections, {sentences} sentences"
        )
        headings = [s.heading for s in summary.sections if s.kind == "theme"]
        print(f"  themes: {', '.join(headings)}")
    print(f"max RSS of the process: {max_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
