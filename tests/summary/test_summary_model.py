"""The summary's data model: validation, JSON round trip and the source check."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from deliberation.summary import (
    Channel,
    Section,
    SectionKind,
    Sentence,
    Summary,
    SummaryFormatError,
    SummaryItem,
    SurveyHighlight,
    check_sources,
    generate_summary,
)

WHEN = datetime(2025, 5, 1, 18, 0)


def test_item_accepts_channel_names_and_cleans_themes() -> None:
    item = SummaryItem(
        id=1,
        channel="email",  # type: ignore[arg-type]
        text="x",
        themes=(" zieleń ", "", "psy"),
        created_at=WHEN,
    )
    assert item.channel is Channel.EMAIL
    assert item.themes == ("zieleń", "psy")


def test_item_rejects_unknown_channel_and_negative_support() -> None:
    with pytest.raises(ValueError, match="fax"):
        SummaryItem(id=1, channel="fax", text="x", created_at=WHEN)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="support"):
        SummaryItem(id=1, channel=Channel.EMAIL, text="x", support=-1, created_at=WHEN)


def test_survey_highlight_needs_sources_and_a_percentage() -> None:
    with pytest.raises(ValueError, match="source"):
        SurveyHighlight(question="q", option="o", percent=60, respondents=3, source_ids=())
    with pytest.raises(ValueError, match="percent"):
        SurveyHighlight(question="q", option="o", percent=160, respondents=3, source_ids=(1,))


def test_duplicate_ids_are_reported() -> None:
    items = [SummaryItem(id=7, channel=Channel.EMAIL, text="x", created_at=WHEN)] * 2
    with pytest.raises(ValueError, match="duplicate contribution id 7"):
        generate_summary(items, language="pl")


def test_unknown_language_and_negative_limits_are_reported() -> None:
    with pytest.raises(ValueError, match="'de'"):
        generate_summary((), language="de")
    with pytest.raises(ValueError, match="max_themes"):
        generate_summary((), language="pl", max_themes=-1)


def _summary() -> Summary:
    items = [
        SummaryItem(
            id=i,
            channel=Channel.LIVE_QUESTION if i % 2 else Channel.MEETING_NOTE,
            text=f"Czy będzie nowa ławka numer {i}?",
            themes=("ławki",),
            support=i,
            answered=i == 3,
            meeting_title="Spotkanie w CAO",
            created_at=WHEN,
        )
        for i in range(1, 6)
    ]
    highlight = SurveyHighlight(
        question="Ławki?", option="Tak", percent=70, respondents=10, source_ids=(2,)
    )
    return generate_summary(items, language="pl", survey_highlights=[highlight])


def test_to_dict_from_dict_round_trip_through_json() -> None:
    summary = _summary()
    stored = json.dumps(summary.to_dict(), ensure_ascii=False)
    restored = Summary.from_dict(json.loads(stored))
    assert restored == summary
    assert {s.kind for s in restored.sections} >= {SectionKind.THEME, SectionKind.SURVEY}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected an object"),
        ({"language": "pl", "sections": [], "format": 2}, "format 1"),
        ({"language": "de", "sections": []}, "'de'"),
        ({"language": "pl"}, "'sections'"),
        (
            {"language": "pl", "sections": [{"kind": "poem", "heading": "", "sentences": []}]},
            "poem",
        ),
        (
            {
                "language": "pl",
                "sections": [
                    {
                        "kind": "theme",
                        "heading": "h",
                        "sentences": [{"text": "t", "sources": [True]}],
                    }
                ],
            },
            "integer ids",
        ),
        (
            {
                "language": "pl",
                "sections": [{"kind": "theme", "heading": "h", "sentences": [{"sources": [1]}]}],
            },
            "'text'",
        ),
    ],
)
def test_from_dict_names_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(SummaryFormatError, match=message):
        Summary.from_dict(data)  # type: ignore[arg-type]


def test_check_sources_rejects_unknown_and_missing_sources() -> None:
    good = Sentence("Zebraliśmy 1 głos.", (1,))
    section = Section(SectionKind.PARTICIPATION, "h", (good,))
    check_sources(Summary("pl", (section,)), {1})
    with pytest.raises(SummaryFormatError, match=r"unknown ids \[1\]"):
        check_sources(Summary("pl", (section,)), {2})
    bare = Section(SectionKind.THEME, "h", (Sentence("Bez źródeł.", ()),))
    with pytest.raises(SummaryFormatError, match="without sources"):
        check_sources(Summary("pl", (bare,)), {1})


def test_only_the_empty_summary_may_cite_nothing() -> None:
    empty = generate_summary((), language="pl")
    check_sources(empty, ())
    with pytest.raises(SummaryFormatError, match="without sources"):
        check_sources(empty, (), allow_empty=False)
