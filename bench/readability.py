"""Benchmark of readability.analyze on 2,000-word Polish and English texts.

Run: .venv/bin/python bench/readability.py [--runs 200] [--words 2000]. The Polish text repeats
the shared official/plain pairs and park comments; the English one repeats a stored sample.
The first call (glossary load, regex compilation) is timed on its own.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ENGLISH_SAMPLE = (
    "In accordance with the council's decision, the consultation will be conducted prior to the "
    "commencement of works in the park. Residents are required to submit their comments by 15 "
    "June. The playground was renovated in 2019, and the lighting is being reviewed by the city. "
    "Please note that additional information is available at the library and on the website. "
    "We want to hear from you! Tell us what you think about the new paths, the benches and the "
    "trees. You can come to the meeting, send an e-mail or fill in a short survey on your phone. "
    "Every comment gets an answer, and we will publish a report that shows what changed.\n"
    "- Come to the meeting on 12 May.\n- Write to us.\n- Answer the survey.\n"
)
POLISH_FALLBACK = (
    "W związku z realizacją przedsięwzięcia uprzejmie informujemy, że mieszkańcy mają "
    "możliwość zgłaszania uwag do dnia 15 czerwca. Chcemy odnowić park miejski. Napisz nam, "
    "co o tym myślisz. Spotkanie zostanie przeprowadzone w formule hybrydowej, np. przy ul. "
    "Słowackiego 5 o godz. 17. Możesz przyjść osobiście albo połączyć się przez internet.\n"
)


def shared_data() -> Path:
    return Path(os.environ.get("DELIBERATION_SHARED_DATA") or REPO.parent / "shared" / "data")


def polish_sample() -> tuple[str, str]:
    folder = shared_data()
    pairs, comments = folder / "plain_language_pl.json", folder / "park_contributions_pl.jsonl"
    if not pairs.is_file():
        return POLISH_FALLBACK, "built-in sample (shared data not found)"
    texts = []
    for pair in json.loads(pairs.read_text(encoding="utf-8"))["pairs"]:
        texts += [pair["official"], pair["plain"]]
    if comments.is_file():
        with comments.open(encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return "\n\n".join(texts), f"{pairs.name} + {comments.name}"


def repeat_to(sample: str, words: int) -> str:
    """Whole copies of the sample (paragraphs kept), cut at the first sentence end past `words`."""
    text = sample
    while len(text.split()) < words:
        text += "\n\n" + sample
    tokens = text.split(" ")
    count, cut = 0, len(tokens)
    for i, token in enumerate(tokens):
        count += sum(1 for piece in token.split() if any(c.isalnum() for c in piece))
        if count >= words and token.rstrip().endswith((".", "!", "?")):
            cut = i + 1
            break
    return " ".join(tokens[:cut])


def rss_kib() -> int:
    """Current resident set size (Linux /proc), or the peak where /proc is missing."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def percentile(sorted_ms: list[float], p: float) -> float:
    index = min(len(sorted_ms) - 1, round(p / 100 * (len(sorted_ms) - 1)))
    return sorted_ms[index]


def bench(label: str, run: Callable[[], object], runs: int) -> None:
    """Wall-clock percentiles, plus the CPU time, which a busy shared machine distorts less."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    wall.sort()
    cpu.sort()
    print(
        f"{label}: runs={runs} p50={statistics.median(wall):.2f} ms "
        f"p95={percentile(wall, 95):.2f} ms max={wall[-1]:.2f} ms "
        f"(CPU time p50={statistics.median(cpu):.2f} ms, min={cpu[0]:.2f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--words", type=int, default=2000)
    args = parser.parse_args()

    rss_start = rss_kib()
    from deliberation.readability import analyze  # imported here to measure its memory

    sample, source = polish_sample()
    texts = {"pl": repeat_to(sample, args.words), "en": repeat_to(ENGLISH_SAMPLE, args.words)}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load:.1f}; "
        f"Polish text from {source}"
    )
    for language, text in texts.items():
        start = time.perf_counter()
        report = analyze(text, language)
        cold = (time.perf_counter() - start) * 1000
        print(
            f"{language}: {report.words} words, {report.sentences} sentences, "
            f"{len(report.marks)} marks, level {report.level}, "
            f"primary score {report.primary_score:.1f}; first call {cold:.1f} ms"
        )
    for language, text in texts.items():
        bench(f"{language} warm", functools.partial(analyze, text, language), args.runs)
    rss_end = rss_kib()
    print(
        f"resident memory: {rss_start / 1024:.1f} MiB before import, {rss_end / 1024:.1f} MiB "
        f"after, delta {(rss_end - rss_start) / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    main()
