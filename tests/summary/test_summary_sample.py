"""The generator on the park consultation sample: themes, sources, determinism, plain sentences."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from deliberation.summary import (
    SectionKind,
    Summary,
    SummaryItem,
    SurveyHighlight,
    check_sources,
    count_words,
    generate_summary,
)
from tests.helpers import REPO, shared_data

SAMPLE = shared_data("park_contributions_pl.jsonl")
WHEN = datetime(2025, 5, 12, 17, 0)


def rows() -> list[dict[str, object]]:
    with SAMPLE.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def sample_items(*, themes: bool = True, hidden: frozenset[int] = frozenset()) -> list[SummaryItem]:
    """The sample with made-up but fixed support, answers and meeting titles."""
    items = []
    for row in rows():
        i = int(str(row["id"]))
        items.append(
            SummaryItem(
                id=i,
                channel=str(row["channel"]),  # type: ignore[arg-type]
                text=str(row["text"]),
                themes=(str(row["theme"]),) if themes else (),
                support=(i * 7) % 5,
                visible=i not in hidden,
                answered=i % 2 == 0,
                meeting_title="Spotkanie w CAO" if i % 3 else "Spacer po parku",
                created_at=WHEN + timedelta(minutes=i),
            )
        )
    return items


def labelled_groups() -> dict[str, set[int]]:
    groups: dict[str, set[int]] = defaultdict(set)
    for row in rows():
        groups[str(row["theme"])].add(int(str(row["id"])))
    return groups


HIGHLIGHT = SurveyHighlight(
    question="Co jest najważniejsze?", option="Oświetlenie", percent=62, respondents=48,
    source_ids=(6, 11, 17),
)  # fmt: skip


def theme_members(summary: Summary) -> dict[str, set[int]]:
    """Theme heading -> member ids, read from the theme's first sentence (its count)."""
    return {
        s.heading: set(s.sentences[0].sources)
        for s in summary.sections
        if s.kind is SectionKind.THEME
    }


def test_every_facilitator_theme_gets_a_section() -> None:
    summary = generate_summary(sample_items(), language="pl", max_themes=20)
    members = {heading.casefold(): ids for heading, ids in theme_members(summary).items()}
    groups = labelled_groups()
    assert set(members) == set(groups)
    for name, ids in groups.items():
        assert members[name] == ids


def test_automatic_themes_recover_the_main_topics() -> None:
    summary = generate_summary(sample_items(themes=False), language="pl", max_themes=6)
    found = theme_members(summary)
    assert len(found) == 6
    groups = labelled_groups()
    biggest = sorted(groups, key=lambda name: (-len(groups[name]), name))[:6]
    for name in biggest:
        group = groups[name]
        # The automatic theme sharing most members with this labelled group.
        heading, ids = max(found.items(), key=lambda kv: (len(kv[1] & group), kv[0]))
        purity = len(ids & group) / len(ids)
        recall = len(ids & group) / len(group)
        assert purity >= 0.6, (name, heading, sorted(ids))
        assert recall >= 0.5, (name, heading, sorted(ids))
    labels = {heading.casefold() for heading in found}
    assert {"oświetlenie", "plac zabaw", "zieleń"} <= labels


def test_automatic_themes_are_mostly_pure() -> None:
    summary = generate_summary(sample_items(themes=False), language="pl", max_themes=10)
    truth = {i: name for name, ids in labelled_groups().items() for i in ids}
    for heading, ids in theme_members(summary).items():
        top = Counter(truth[i] for i in ids).most_common(1)[0][1]
        assert top / len(ids) >= 0.6, (heading, sorted(ids))


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("themes", [True, False])
def test_every_sentence_cites_known_sources_and_is_short(language: str, themes: bool) -> None:
    items = sample_items(themes=themes)
    summary = generate_summary(items, language=language, survey_highlights=[HIGHLIGHT])
    check_sources(summary, {item.id for item in items}, allow_empty=False)
    for sentence in summary.sentences():
        assert sentence.sources, sentence.text
        assert count_words(sentence.text) <= 15, sentence.text
        assert sentence.text[:1].isupper() or sentence.text[:1].isdigit(), sentence.text
    kinds = {s.kind for s in summary.sections}
    assert kinds >= {
        SectionKind.PARTICIPATION,
        SectionKind.THEME,
        SectionKind.LIVE_QUESTIONS,
        SectionKind.SURVEY,
        SectionKind.MEETING,
    }


@pytest.mark.parametrize("themes", [True, False])
def test_hidden_items_are_never_cited_or_quoted(themes: bool) -> None:
    hidden = frozenset({2, 7, 13, 19, 22, 32, 35})
    items = sample_items(themes=themes, hidden=hidden)
    summary = generate_summary(items, language="pl", survey_highlights=[HIGHLIGHT])
    hidden_texts = [item.text[:40] for item in items if item.id in hidden]
    for sentence in summary.sentences():
        assert not hidden & set(sentence.sources), sentence.text
        assert not any(text in sentence.text for text in hidden_texts), sentence.text
    total = summary.sections[0].sentences[0]
    assert total.text == "Zebraliśmy 41 głosów."
    assert len(total.sources) == 41


def test_output_is_deterministic_and_ignores_input_order() -> None:
    items = sample_items(themes=False)
    first = generate_summary(items, language="pl", survey_highlights=[HIGHLIGHT])
    assert generate_summary(items, language="pl", survey_highlights=[HIGHLIGHT]) == first
    for seed in range(3):
        shuffled = list(items)
        random.Random(seed).shuffle(shuffled)
        assert generate_summary(shuffled, language="pl", survey_highlights=[HIGHLIGHT]) == first


def test_output_does_not_depend_on_hash_seed() -> None:
    # Set iteration order changes with PYTHONHASHSEED; the summary must not.
    script = (
        "import json, sys; sys.path.insert(0, 'tests/summary');"
        "import test_summary_sample as t;"
        "from deliberation.summary import generate_summary;"
        "s = generate_summary(t.sample_items(themes=False), language='pl');"
        "print(json.dumps(s.to_dict(), ensure_ascii=False))"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "2")
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    local = generate_summary(sample_items(themes=False), language="pl")
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0]) == local.to_dict()


def test_stored_summary_round_trips() -> None:
    summary = generate_summary(
        sample_items(themes=False), language="en", survey_highlights=[HIGHLIGHT]
    )
    assert Summary.from_dict(json.loads(json.dumps(summary.to_dict()))) == summary
