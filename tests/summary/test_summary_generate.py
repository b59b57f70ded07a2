"""The generator on small hand-made inputs: sections, counts, hidden items, wording."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from deliberation.summary import (
    Channel,
    SectionKind,
    Summary,
    SummaryItem,
    SurveyHighlight,
    check_sources,
    count_words,
    generate_summary,
)

WHEN = datetime(2025, 5, 1, 18, 0)


def item(i: int, channel: Channel, text: str, **kw: object) -> SummaryItem:
    return SummaryItem(
        id=i,
        channel=channel,
        text=text,
        created_at=WHEN + timedelta(minutes=i),
        **kw,  # type: ignore[arg-type]
    )


def sections(summary: Summary, kind: SectionKind) -> list[list[str]]:
    return [[s.text for s in sec.sentences] for sec in summary.sections if sec.kind is kind]


def test_empty_input_says_nothing_was_received() -> None:
    for items in ([], [item(1, Channel.EMAIL, "ukryte", visible=False)]):
        summary = generate_summary(items, language="pl")
        assert [s.kind for s in summary.sections] == [SectionKind.EMPTY]
        assert [s.text for s in summary.sentences()] == ["Nie mamy jeszcze żadnych głosów."]
    english = generate_summary([], language="en")
    assert [s.text for s in english.sentences()] == ["We have not received any contributions yet."]


def test_participation_counts_visible_items_per_channel() -> None:
    items = [item(i, Channel.ONLINE_COMMENT, "x", themes=("a",)) for i in range(1, 23)]
    items += [item(100, Channel.PAPER_FORM, "y", themes=("a",))]
    items += [item(200, Channel.EMAIL, "ukryty", themes=("a",), visible=False)]
    summary = generate_summary(items, language="pl")
    part = summary.sections[0]
    assert part.kind is SectionKind.PARTICIPATION
    texts = [(s.text, s.sources) for s in part.sentences]
    assert texts[0] == ("Zebraliśmy 23 głosy.", (*range(1, 23), 100))
    assert texts[1] == ("W internecie napisaliście 22 komentarze.", tuple(range(1, 23)))
    assert texts[2] == ("Na papierze oddaliście 1 formularz.", (100,))
    assert len(texts) == 3  # no e-mail sentence: the only e-mail is hidden


def test_facilitator_themes_count_channels_and_quote_the_most_supported() -> None:
    items = [
        item(1, Channel.ONLINE_COMMENT, "Więcej latarni.", themes=("oświetlenie",), support=1),
        item(2, Channel.ONLINE_COMMENT, "Ciemno przy stawie.", themes=("oświetlenie",), support=9),
        item(3, Channel.SURVEY_ANSWER, "Lampy LED.", themes=("oświetlenie",)),
        item(4, Channel.PAPER_FORM, "Ławki.", themes=("ławki",)),
    ]
    summary = generate_summary(items, language="pl", quotes_per_theme=2)
    light = next(s for s in summary.sections if s.heading == "Oświetlenie")
    texts = [s.text for s in light.sentences]
    assert texts[0] == "W tym temacie zebraliśmy 3 głosy."
    assert texts[1] == "Głosy przyszły z internetu (2) i z ankiety (1)."
    assert texts[2] == "Ten głos poparło 9 osób: „Ciemno przy stawie.”"
    assert texts[3] == "Ten głos poparła 1 osoba: „Więcej latarni.”"
    assert [s.sources for s in light.sentences] == [(1, 2, 3), (1, 2, 3), (2,), (1,)]


def test_quotes_prefer_a_new_channel_among_equally_supported() -> None:
    items = [item(i, Channel.ONLINE_COMMENT, f"Komentarz {i}.", themes=("t",)) for i in range(1, 5)]
    items.append(item(9, Channel.MEETING_NOTE, "Notatka.", themes=("t",)))
    theme = next(s for s in generate_summary(items, language="pl").sections if s.heading == "T")
    quoted = [s.sources for s in theme.sentences if "„" in s.text]
    assert quoted == [(1,), (9,)]


def test_max_themes_and_other_voices() -> None:
    items = [item(i, Channel.EMAIL, "x", themes=(f"t{i % 4}",)) for i in range(1, 13)]
    items.append(item(50, Channel.EMAIL, "bez tematu"))
    summary = generate_summary(items, language="pl", max_themes=2)
    assert [s.heading for s in summary.sections if s.kind is SectionKind.THEME] == ["T0", "T1"]
    other = sections(summary, SectionKind.OTHER)
    assert other == [["Jeszcze 7 głosów dotyczy innych spraw."]]


def test_hidden_items_are_never_quoted_counted_or_cited() -> None:
    secret = "Tajny tekst, którego nie wolno pokazać."
    items = [
        item(1, Channel.LIVE_QUESTION, "Czy będą latarnie?", themes=("t",), support=1),
        item(2, Channel.LIVE_QUESTION, secret, themes=("t",), support=99, visible=False),
        item(3, Channel.MEETING_NOTE, secret, themes=("t",), visible=False, meeting_title="A"),
    ]
    highlight = SurveyHighlight(
        question="q", option="o", percent=90, respondents=5, source_ids=(2,)
    )
    summary = generate_summary(items, language="pl", survey_highlights=[highlight])
    for sentence in summary.sentences():
        assert 2 not in sentence.sources and 3 not in sentence.sources
        assert "Tajny" not in sentence.text
    assert SectionKind.SURVEY not in {s.kind for s in summary.sections}
    assert SectionKind.MEETING not in {s.kind for s in summary.sections}
    check_sources(summary, {1}, allow_empty=False)


def test_live_questions_top_by_support_and_answered_count() -> None:
    items = [
        item(i, Channel.LIVE_QUESTION, f"Pytanie {i}?", support=i, answered=i in (2, 5))
        for i in range(1, 6)
    ]
    live = next(
        s for s in generate_summary(items, language="pl").sections if s.kind == "live_questions"
    )
    texts = [(s.text, s.sources) for s in live.sentences]
    assert texts[0] == ("Na sali odpowiedzieliśmy na 2 z 5 pytań.", (1, 2, 3, 4, 5))
    assert texts[1] == ("To pytanie poparło 5 osób: „Pytanie 5?”", (5,))
    assert texts[2] == ("Na to pytanie odpowiedzieliśmy na sali.", (5,))
    assert texts[3] == ("To pytanie poparły 4 osoby: „Pytanie 4?”", (4,))
    assert texts[4] == ("To pytanie poparły 3 osoby: „Pytanie 3?”", (3,))
    assert len(texts) == 5


def test_no_answered_live_question() -> None:
    items = [item(i, Channel.LIVE_QUESTION, f"Pytanie {i}?") for i in range(1, 3)]
    live = sections(generate_summary(items, language="en"), SectionKind.LIVE_QUESTIONS)[0]
    assert live[0] == "We have not answered any of the 2 questions in the room yet."
    assert live[1] == "Someone asked: “Pytanie 1?”"


@pytest.mark.parametrize(
    ("percent", "pl", "en"),
    [
        (62, "Większość ankietowanych (62% spośród 120) wybrała „Tak” w pytaniu „Ławki?”.",
         "Most respondents (62% of 120) chose “Tak” for “Ławki?”."),
        (50, "Połowa ankietowanych (50% spośród 120) wybrała „Tak” w pytaniu „Ławki?”.",
         "Half of respondents (50% of 120) chose “Tak” for “Ławki?”."),
        (38, "Najwięcej osób (38% spośród 120) wybrało „Tak” w pytaniu „Ławki?”.",
         "The top answer (38% of 120) to “Ławki?” was “Tak”."),
    ],
)  # fmt: skip
def test_survey_highlight_sentence(percent: float, pl: str, en: str) -> None:
    items = [item(i, Channel.SURVEY_ANSWER, "Tak, ławki.") for i in range(1, 4)]
    highlight = SurveyHighlight(
        question="Ławki?", option="Tak", percent=percent, respondents=120, source_ids=(1, 2, 99)
    )
    for language, expected in (("pl", pl), ("en", en)):
        summary = generate_summary(items, language=language, survey_highlights=[highlight])
        survey = next(s for s in summary.sections if s.kind is SectionKind.SURVEY)
        assert [(s.text, s.sources) for s in survey.sentences] == [(expected, (1, 2))]


def test_meeting_notes_grouped_by_meeting_in_time_order() -> None:
    items = [
        item(5, Channel.MEETING_NOTE, "Ławki w cieniu.", meeting_title="Spacer po parku"),
        item(6, Channel.MEETING_NOTE, "Toaleta.", meeting_title="Spacer po parku", support=2),
        item(7, Channel.MEETING_NOTE, "Parking.", meeting_title="Spotkanie w CAO"),
        item(1, Channel.MEETING_NOTE, "Latarnie.", meeting_title="Spotkanie w CAO"),
        item(9, Channel.MEETING_NOTE, "Bez tytułu."),
    ]
    meetings = [s for s in generate_summary(items, language="pl").sections if s.kind == "meeting"]
    assert [m.heading for m in meetings] == [
        "Spotkanie w CAO",
        "Spotkanie: Spacer po parku",
        "Notatki ze spotkań",
    ]
    assert [(s.text, s.sources) for s in meetings[1].sentences] == [
        ("Z tego spotkania mamy 2 uwagi.", (5, 6)),
        ("W notatce: „Toaleta.”", (6,)),
        ("W notatce: „Ławki w cieniu.”", (5,)),
    ]
    assert meetings[0].sentences[1].sources == (1,)


def test_english_summary_reads_in_english() -> None:
    items = [
        item(1, Channel.ONLINE_COMMENT, "Więcej latarni.", themes=("lighting",), support=1),
        item(2, Channel.EMAIL, "Ciemno.", themes=("lighting",)),
    ]
    summary = generate_summary(items, language="en")
    assert summary.language == "en"
    texts = [s.text for s in summary.sentences()]
    assert texts[:3] == [
        "We received 2 contributions.",
        "You wrote 1 comment online.",
        "You sent 1 email.",
    ]
    assert "1 person backed this: “Więcej latarni.”" in texts
    assert "Someone wrote in an email: “Ciemno.”" in texts


def test_count_words_skips_quotations() -> None:
    assert count_words("Ktoś napisał: „jeden dwa trzy cztery”.") == 2
    assert count_words("Someone asked: “one two” and “three”") == 3
    assert count_words("Zebraliśmy 12\xa0345 głosów.") == 3
