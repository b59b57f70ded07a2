"""Themes of a summary: the facilitators' own when most items carry one, otherwise found from
shared key lemmas (greedy seeds plus strongly co-occurring partner lemmas; deterministic).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from deliberation.summary import text
from deliberation.summary.model import SummaryItem

# Lemmas in more than this share of the items name the consultation itself ("park").
MAX_DF_SHARE = 0.3
# Lemmas in fewer than this share of the items (and 2 items) link too little to group by.
MIN_DF_SHARE = 0.002
# A theme smaller than this share of the items (and 2 items) is not worth a section.
MIN_THEME_SHARE = 0.02
# A partner lemma joins a seed's keywords when at least this share of its items has the seed.
PARTNER_ASSOCIATION = 0.5
# Candidate themes explored before the biggest are kept, relative to max_themes.
SEED_FACTOR = 2
# Members read to find a label phrase; an even spread of this many is as good as all of them.
PHRASE_SAMPLE = 400


@dataclass(frozen=True, slots=True)
class Theme:
    label: str
    members: tuple[SummaryItem, ...]
    automatic: bool
    # How typical each member is of the theme (automatic themes only); ranks quotes.
    typicality: dict[int, float] = field(default_factory=dict)


def facilitators_cover(items: Sequence[SummaryItem]) -> bool:
    """True when at least half the items carry a facilitator theme, so those themes are used."""
    themed = sum(1 for item in items if item.themes)
    return bool(items) and themed * 2 >= len(items)


def facilitator_themes(items: Sequence[SummaryItem], max_themes: int) -> list[Theme]:
    """The biggest facilitator themes, biggest first, ties in alphabetical order."""
    groups: dict[str, list[SummaryItem]] = defaultdict(list)
    for item in items:
        for name in dict.fromkeys(item.themes):
            groups[name].append(item)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0].casefold(), kv[0]))
    return [
        Theme(label=name, members=tuple(members), automatic=False)
        for name, members in ordered[:max_themes]
    ]


@dataclass(slots=True)
class _Candidate:
    seed: str
    keywords: dict[str, float]
    members: list[int] = field(default_factory=list)


def automatic_themes(
    items: Sequence[SummaryItem], max_themes: int, text_language: str = "pl"
) -> list[Theme]:
    """Themes found from shared key lemmas, biggest first; items in none are left out."""
    if max_themes <= 0 or not items:
        return []
    by_id = {item.id: item for item in items}
    lemmas = {item.id: text.key_lemmas(item.text, text_language) for item in items}
    n = len(items)
    df = Counter(lemma for found in lemmas.values() for lemma in found)
    min_df = max(2, math.ceil(n * MIN_DF_SHARE))
    max_df = max(5, MAX_DF_SHARE * n)
    vocab = {lemma for lemma, count in df.items() if min_df <= count <= max_df}
    docs = {i: tuple(lemma for lemma in found if lemma in vocab) for i, found in lemmas.items()}
    min_size = max(2, math.ceil(n * MIN_THEME_SHARE))

    candidates = _seed(docs, df, min_df, min_size, max_themes * SEED_FACTOR)
    scores = _assign(docs, candidates)
    kept = [c for c in candidates if len(c.members) >= min_size]
    kept.sort(key=lambda c: -len(c.members))  # stable: seed order breaks ties
    themes: list[Theme] = []
    taken: set[str] = set()
    for candidate in kept[:max_themes]:
        members = tuple(by_id[i] for i in candidate.members)
        label = _label(candidate, members, docs, df, text_language)
        if label in taken:  # two headings saying the same would read as a mistake
            fallback = f"{label} {len(themes) + 1}"
            label = next((k for k in candidate.keywords if k not in taken), fallback)
        taken.add(label)
        typicality = {i: scores[i] for i in candidate.members}
        themes.append(Theme(label=label, members=members, automatic=True, typicality=typicality))
    return themes


def _seed(
    docs: dict[int, tuple[str, ...]],
    df: Counter[str],
    min_df: int,
    min_size: int,
    limit: int,
) -> list[_Candidate]:
    """Greedy: the lemma shared by most not-yet-covered items seeds a candidate theme."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i in sorted(docs):
        for lemma in docs[i]:
            postings[lemma].append(i)
    uncovered = set(docs)
    counts = Counter(lemma for i in uncovered for lemma in docs[i])
    candidates: list[_Candidate] = []
    while counts and len(candidates) < limit:
        # Ties go to the lemma more common overall (a broader topic), then alphabetical order.
        seed = max(counts, key=lambda lemma: (counts[lemma], df[lemma], lemma))
        if counts[seed] < min_size:
            break
        co = Counter(lemma for i in postings[seed] for lemma in docs[i] if lemma != seed)
        keywords = {seed: 1.0}
        for lemma in sorted(co):
            association = co[lemma] / df[lemma]
            if co[lemma] >= min_df and association >= PARTNER_ASSOCIATION:
                keywords[lemma] = association
        for i in postings[seed]:
            if i in uncovered:
                uncovered.discard(i)
                counts.subtract(docs[i])
        counts = +counts  # drops lemmas whose items are all covered
        target = _merge_target(candidates, seed, keywords)
        if target is None:
            candidates.append(_Candidate(seed=seed, keywords=keywords))
        else:
            for lemma, weight in keywords.items():
                target.keywords[lemma] = max(weight, target.keywords.get(lemma, 0.0))
    return candidates


def _merge_target(
    candidates: list[_Candidate], seed: str, keywords: dict[str, float]
) -> _Candidate | None:
    """An earlier candidate about the same thing: it already has the seed, or most partners."""
    partners = [lemma for lemma in keywords if lemma != seed]
    for candidate in candidates:
        if seed in candidate.keywords:
            return candidate
        shared = sum(1 for lemma in partners if lemma in candidate.keywords)
        if partners and shared * 2 >= len(partners):
            return candidate
    return None


def _assign(docs: dict[int, tuple[str, ...]], candidates: list[_Candidate]) -> dict[int, float]:
    """Put each item in the candidate whose keywords it matches best; returns the match scores."""
    weights: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for index, candidate in enumerate(candidates):
        for lemma, weight in candidate.keywords.items():
            weights[lemma].append((index, weight))
    scores: dict[int, float] = {}
    for i in sorted(docs):
        totals: dict[int, float] = defaultdict(float)
        for lemma in docs[i]:
            for index, weight in weights.get(lemma, ()):
                totals[index] += weight
        if totals:
            # Equal scores go to the earlier (bigger) candidate.
            best = min(totals, key=lambda index: (-totals[index], index))
            candidates[best].members.append(i)
            scores[i] = totals[best]
    return scores


def _label(
    candidate: _Candidate,
    members: Sequence[SummaryItem],
    docs: dict[int, tuple[str, ...]],
    df: Counter[str],
    text_language: str,
) -> str:
    """The lemma most members share; a phrase when two lemmas go together ("plac zabaw")."""
    coverage = Counter(lemma for item in members for lemma in docs[item.id])
    ranked = sorted(
        candidate.keywords,
        key=lambda lemma: (-coverage[lemma], -coverage[lemma] / df[lemma], lemma),
    )
    top = ranked[0]
    if len(ranked) > 1 and coverage[ranked[1]] * 4 >= coverage[top] * 3:
        phrase = _phrase(members, {top, ranked[1]}, text_language)
        if phrase is not None:
            return phrase
    return top


def _phrase(members: Sequence[SummaryItem], pair: set[str], text_language: str) -> str | None:
    """The commonest wording joining both lemmas, at most one stop word apart, if common enough."""
    found: Counter[str] = Counter()
    nominative: dict[str, bool] = {}
    step = max(1, len(members) // PHRASE_SAMPLE)
    sample = members[::step]
    for item in sample:
        tokens = text.words(item.text)
        keys = [text.key_lemma(token, text_language) for token in tokens]
        seen: set[str] = set()
        for start, first in enumerate(keys):
            if first not in pair:
                continue
            for end in (start + 1, start + 2):
                if end >= len(keys) or keys[end] not in pair - {first}:
                    continue
                if end == start + 2 and keys[start + 1] is not None:
                    continue
                words = tokens[start : end + 1]
                phrase = " ".join(words)
                seen.add(phrase)
                # A phrase starting in its dictionary form reads best as a heading.
                nominative[phrase] = words[0] == first
        found.update(seen)
    if not found:
        return None
    best = min(found, key=lambda p: (-found[p], not nominative[p], p))
    return best if found[best] >= max(2, math.ceil(len(sample) / 3)) else None
