"""Timing of moderation.safeguards.screen(): 1,000 screenings of 500-character posts.

Run from the repository root: ``.venv/bin/python -m bench.safeguards``. Prints, never asserts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from moderation.safeguards import BlockedWords, count_links, normalize_for_duplicates, screen

SCREENINGS = 1_000
TEXT_LENGTH = 500
RECENT = 20
# Everyday consultation prose; posts are shuffled runs of its words.
SAMPLE = """
Proponuję, aby w parku przy ulicy Kościuszki postawić więcej ławek i koszy na śmieci, a przy
placu zabaw posadzić drzewa, które dadzą cień w lecie. Mieszkańcy Gołonoga od lat proszą o
bezpieczne przejście dla pieszych obok szkoły podstawowej, bo rano dzieci przechodzą między
samochodami. Budżet obywatelski powinien obejmować także zieleń, ścieżki rowerowe i oświetlenie
alejek. Nie zgadzam się z tym projektem, ponieważ zabiera miejsca parkingowe, a autobusy do
Centrum jeżdżą rzadko i są przepełnione. Dziękuję za spotkanie konsultacyjne w sali ratusza;
było ciekawe, ale zabrakło czasu na pytania osób starszych. Czy miasto przewiduje remont
chodników na osiedlu Mydlice i w Strzemieszycach? Prosimy o progi zwalniające na ulicy
Sobieskiego, o toaletę w parku Hallera oraz o lepszą informację w Biuletynie Informacji
Publicznej. Rada dzielnicy popiera rewitalizację, jeśli mieszkańcy dostaną odpowiedź na każdą
uwagę. The bike lane on the main road is a great idea, but the crossing near the station is
unsafe after dark and the new bus timetable does not match the trains.
"""
VOCABULARY = SAMPLE.split()
EXTRAS = ["kurwa", "spierdalaj", "k.u.r.w.a", "https://spam.example.com/x", "www.example.pl"]


def make_text(rng: random.Random) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < TEXT_LENGTH:
        words.append(rng.choice(VOCABULARY))
    if rng.random() < 0.1:  # one post in ten carries something to hold
        words[rng.randrange(len(words))] = rng.choice(EXTRAS)
    return " ".join(words)[:TEXT_LENGTH]


def timed(label: str, run: Callable[[], object]) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<34} wall {1000 * wall:7.1f} ms   cpu {1000 * cpu:7.1f} ms")


def main() -> None:
    rng = random.Random(2024)
    texts = [make_text(rng) for _ in range(SCREENINGS)]
    blocked = BlockedWords.default()
    timed("load lemma data (once per process)", blocked.warm_up)

    def screen_all() -> None:
        for i, text in enumerate(texts):
            screen(text, blocked=blocked, max_links=2, recent_texts=texts[max(0, i - RECENT) : i])

    print(f"{SCREENINGS} screenings of {TEXT_LENGTH}-character posts, {RECENT} recent texts each:")
    timed("  first pass (cold caches)", screen_all)
    timed("  second pass (warm caches)", screen_all)
    print(f"parts, over the same {SCREENINGS} posts:")
    timed("  BlockedWords.check()", lambda: [blocked.check(text) for text in texts])
    timed("  count_links()", lambda: [count_links(text) for text in texts])
    timed("  normalize_for_duplicates()", lambda: [normalize_for_duplicates(t) for t in texts])


if __name__ == "__main__":
    main()
