"""Sentence templates: Polish and English plural forms, numbers and quotation marks."""

from __future__ import annotations

from itertools import permutations

import pytest

from deliberation.summary.generate import CHANNELS_PER_SENTENCE, count_words
from deliberation.summary.model import Channel, Language
from deliberation.summary.phrases import from_channels, percent, plural_form, quote, say


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "Zebraliśmy 1 głos."),
        (2, "Zebraliśmy 2 głosy."),
        (4, "Zebraliśmy 4 głosy."),
        (5, "Zebraliśmy 5 głosów."),
        (12, "Zebraliśmy 12 głosów."),
        (14, "Zebraliśmy 14 głosów."),
        (22, "Zebraliśmy 22 głosy."),
        (25, "Zebraliśmy 25 głosów."),
        (0, "Zebraliśmy 0 głosów."),
        (112, "Zebraliśmy 112 głosów."),
        (1002, "Zebraliśmy 1\xa0002 głosy."),
        (12345, "Zebraliśmy 12\xa0345 głosów."),
    ],
)
def test_polish_total_uses_the_right_plural(n: int, expected: str) -> None:
    assert say("pl", "total", n) == expected


@pytest.mark.parametrize(
    ("key", "n", "expected"),
    [
        ("channel.online_comment", 1, "W internecie napisaliście 1 komentarz."),
        ("channel.online_comment", 3, "W internecie napisaliście 3 komentarze."),
        ("channel.online_comment", 13, "W internecie napisaliście 13 komentarzy."),
        ("channel.live_question", 1, "Na żywo zadaliście 1 pytanie."),
        ("channel.live_question", 23, "Na żywo zadaliście 23 pytania."),
        ("channel.live_question", 11, "Na żywo zadaliście 11 pytań."),
        ("meeting.count", 1, "Z tego spotkania mamy 1 uwagę."),
        ("meeting.count", 2, "Z tego spotkania mamy 2 uwagi."),
        ("meeting.count", 5, "Z tego spotkania mamy 5 uwag."),
    ],
)
def test_polish_nouns_follow_the_count(key: str, n: int, expected: str) -> None:
    assert say("pl", key, n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "Ten głos poparła 1 osoba: „x”"),
        (3, "Ten głos poparły 3 osoby: „x”"),
        (5, "Ten głos poparło 5 osób: „x”"),
        (22, "Ten głos poparły 22 osoby: „x”"),
    ],
)
def test_polish_verb_agrees_with_the_count(n: int, expected: str) -> None:
    assert say("pl", "supported", n, quote=quote("pl", "x")) == expected


def test_english_has_one_and_other() -> None:
    assert say("en", "total", 1) == "We received 1 contribution."
    assert say("en", "total", 2) == "We received 2 contributions."
    assert say("en", "total", 1234) == "We received 1,234 contributions."
    assert say("en", "supported", 1, quote=quote("en", "x")) == "1 person backed this: “x”"


def test_babel_categories_are_those_the_tables_use() -> None:
    assert [plural_form("pl", n) for n in (1, 2, 5, 12, 22)] == [
        "one",
        "few",
        "many",
        "many",
        "few",
    ]


def test_counted_template_without_count_is_a_bug() -> None:
    with pytest.raises(ValueError, match="needs n"):
        say("pl", "total")


def test_channel_lists_use_the_right_preposition_and_conjunction() -> None:
    parts = [(Channel.ONLINE_COMMENT, 3), (Channel.MEETING_NOTE, 1)]
    assert from_channels("pl", parts) == "z internetu (3) i ze spotkań (1)"
    assert from_channels("en", parts) == "online comments (3) and meetings (1)"


def test_percent_is_formatted_for_the_language() -> None:
    assert percent("pl", 62) == "62%"
    assert percent("en", 62) == "62%"


@pytest.mark.parametrize("language", ["pl", "en"])
def test_every_channel_list_sentence_stays_within_15_words(language: Language) -> None:
    for chosen in permutations(Channel, CHANNELS_PER_SENTENCE):
        listed = from_channels(language, [(channel, 1234) for channel in chosen])
        for key in ("theme.channels", "theme.channels_more"):
            sentence = say(language, key, channels=listed)
            assert count_words(sentence) <= 15, sentence
