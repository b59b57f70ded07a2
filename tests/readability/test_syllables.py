"""Syllable counts checked against words counted by hand."""

from __future__ import annotations

import pytest

from deliberation.readability import count_syllables

# Hand-counted, one syllable per vowel nucleus; a hyphen shows the split.
POLISH = {
    "nie": 1,  # nie: "i" only softens the n
    "się": 1,  # się
    "konsultacje": 4,  # kon-sul-ta-cje
    "uczestniczyć": 4,  # u-czest-ni-czyć (pyphen says 3)
    "oświetlenie": 4,  # o-świe-tle-nie
    "przedsięwzięcia": 4,  # przed-się-wzię-cia
    "informacja": 4,  # in-for-ma-cja
    "miasto": 2,  # mia-sto
    "park": 1,
    "dzielnica": 3,  # dziel-ni-ca
    "mieszkańcy": 3,  # miesz-kań-cy
    "spotkanie": 3,  # spo-tka-nie
    "rewitalizacja": 6,  # re-wi-ta-li-za-cja
    "zgłaszania": 3,  # zgła-sza-nia
    "uwzględnione": 4,  # u-wzglę-dnio-ne
    "przeprowadzone": 5,  # prze-pro-wa-dzo-ne
    "w": 0,  # a preposition without a vowel leans on the next word
    "z": 0,
    "Dąbrowa": 3,  # Dą-bro-wa
    "ŹRÓDŁO": 2,  # źró-dło, in capitals
    "auto": 2,  # au-to: word-initial diphthong
    "Europa": 3,  # Eu-ro-pa
    "nauka": 3,  # na-u-ka: a prefix boundary, not a diphthong
    "pióro": 2,  # pió-ro
    "historia": 3,  # hi-sto-ria
    "chrząszcz": 1,
    "ogólnodostępny": 6,  # o-gól-no-do-stęp-ny
    "ciocia": 2,  # cio-cia
    "pięćdziesiąt": 3,  # pięć-dzie-siąt
    "poniedziałek": 4,  # po-nie-dzia-łek
    "zrozumieć": 3,  # zro-zu-mieć
    "biało-czerwony": 5,  # bia-ło-czer-wo-ny: a hyphen joins, it does not add
    "2024": 1,  # a number counts as one syllable by convention
}

ENGLISH = {
    "the": 1,
    "make": 1,  # silent e
    "table": 2,  # ta-ble: consonant + le
    "people": 2,
    "little": 2,
    "walked": 1,  # silent -ed
    "wanted": 2,  # want-ed
    "needed": 2,
    "disabled": 3,  # dis-a-bled
    "called": 1,
    "created": 3,  # cre-at-ed
    "idea": 3,  # i-de-a
    "area": 3,  # ar-e-a
    "consultation": 4,  # con-sul-ta-tion
    "information": 4,
    "community": 4,  # com-mu-ni-ty
    "council": 2,
    "meeting": 2,
    "going": 2,  # go-ing
    "player": 2,  # play-er
    "social": 2,  # so-cial
    "official": 3,  # of-fi-cial
    "media": 3,  # me-di-a
    "actual": 3,  # ac-tu-al
    "question": 2,
    "somewhere": 2,  # some-where
    "completely": 3,  # com-plete-ly
    "statement": 2,  # state-ment
    "boxes": 2,
    "makes": 1,
    "changes": 2,
    "quiet": 2,  # qui-et
    "experience": 4,  # ex-pe-ri-ence
    "society": 4,  # so-ci-e-ty
    "various": 3,  # var-i-ous
    "precious": 2,
    "video": 3,  # vid-e-o
    "environment": 4,
    "residents": 3,  # res-i-dents
    "available": 4,  # a-vail-a-ble
    "opportunity": 5,
    "approximately": 5,  # ap-prox-i-mate-ly
    "beautiful": 3,
    "unique": 2,
    "couldn't": 2,
    "isn't": 2,
    "don't": 1,
    "we're": 1,
    "well-being": 3,
    "15": 1,
}


@pytest.mark.parametrize(("word", "expected"), POLISH.items())
def test_polish_syllables(word: str, expected: int) -> None:
    assert count_syllables(word, "pl") == expected


@pytest.mark.parametrize(("word", "expected"), ENGLISH.items())
def test_english_syllables(word: str, expected: int) -> None:
    assert count_syllables(word, "en") == expected


def test_enough_hand_counted_examples() -> None:
    assert len(POLISH) >= 25
    assert len(ENGLISH) >= 25


def test_every_english_word_with_letters_has_a_syllable() -> None:
    for word in ("crwth", "rhythm", "by", "nth", "x"):
        assert count_syllables(word, "en") >= 1
