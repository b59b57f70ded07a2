"""analyze(): hand-computed scores, the shared official/plain pairs, marks and speed."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from deliberation.readability import MARK_CODES, Level, Report, analyze
from tests.helpers import shared_data

PAIRS_FILE = shared_data("plain_language_pl.json")


def load_pairs() -> list[dict[str, str]]:
    pairs: list[dict[str, str]] = json.loads(PAIRS_FILE.read_text(encoding="utf-8"))["pairs"]
    return pairs


def marked(text: str, report: Report) -> list[tuple[str, str]]:
    return [(str(m.kind), text[m.start : m.end]) for m in report.marks]


def test_polish_scores_counted_by_hand() -> None:
    # Spo-tka-nie(3) od-bę-dzie(3) się(1) w(0) par-ku(2). Za-pra-sza-my(4) wszyst-kich(2)
    # miesz-kań-ców(3): 8 words, 2 sentences, 18 syllables, 1 hard word (4+ syllables).
    # ASL = 4, PHW = 12.5; FOG-PL = 0.4 × 16.5 = 6.6; Pisarek linear = 4/3 + 12.5/3 + 1 = 6.5;
    # nonlinear = √(16 + 156.25) / 2 = 6.5622.
    report = analyze("Spotkanie odbędzie się w parku. Zapraszamy wszystkich mieszkańców.", "pl")
    assert (report.words, report.sentences, report.syllables, report.hard_words) == (8, 2, 18, 1)
    assert (report.asl, report.phw) == (4.0, 12.5)
    assert report.fog_pl == pytest.approx(6.6)
    assert report.pisarek_linear == pytest.approx(6.5)
    assert report.pisarek_nonlinear == pytest.approx(6.5622, abs=1e-4)
    assert report.level is Level.VERY_EASY
    assert report.level.value == "very_easy"
    assert report.primary_metric == "fog_pl"
    assert report.primary_score == report.fog_pl
    assert report.target_met()
    assert report.flesch_reading_ease is None  # never Flesch for Polish
    assert report.flesch_kincaid_grade is None


def test_polish_officialese_counted_by_hand() -> None:
    # U-przej-mie(3) in-for-mu-je-my(5) że(1) kon-sul-ta-cje(4) zo-sta-ną(3)
    # prze-pro-wa-dzo-ne(5) w(0) ter-mi-nie(3) do(1) dnia(1) 15(1) czerw-ca(2):
    # 12 words, 1 sentence, 29 syllables, 3 hard (the number is not); ASL 12, PHW 25.
    text = (
        "Uprzejmie informujemy, że konsultacje zostaną przeprowadzone w terminie do dnia "
        "15 czerwca."
    )
    report = analyze(text, "pl")
    assert (report.words, report.sentences, report.syllables, report.hard_words) == (12, 1, 29, 3)
    assert report.fog_pl == pytest.approx(14.8)
    assert report.pisarek_linear == pytest.approx(13.3333, abs=1e-4)
    assert report.pisarek_nonlinear == pytest.approx(13.8654, abs=1e-4)
    assert report.level == Level.HARD
    assert not report.target_met()
    assert report.target_met(15)
    # "konsultacje" is hard but too common to flag; marks are sorted by position.
    assert marked(text, report) == [
        ("officialese", "Uprzejmie informujemy"),
        ("hard_word", "informujemy"),
        ("passive", "zostaną przeprowadzone"),
        ("hard_word", "przeprowadzone"),
        ("officialese", "w terminie do dnia"),
    ]
    suggestions = [m.suggestion for m in report.marks if m.kind == "officialese"]
    assert suggestions == ["informujemy", "do"]


def test_english_scores_counted_by_hand() -> None:
    # The(1) coun-cil(2) will(1) de-cide(2) in(1) June(1). Please(1) send(1) your(1)
    # com-ments(2) be-fore(2) the(1) meet-ing(2): 13 words, 2 sentences, 18 syllables.
    # FRE = 206.835 − 1.015 × 6.5 − 84.6 × 18/13 = 83.0990
    # FK = 0.39 × 6.5 + 11.8 × 18/13 − 15.59 = 3.2835
    text = "The council will decide in June. Please send your comments before the meeting."
    report = analyze(text, "en")
    assert (report.words, report.sentences, report.syllables, report.hard_words) == (13, 2, 18, 0)
    assert report.flesch_reading_ease == pytest.approx(83.0990, abs=1e-4)
    assert report.flesch_kincaid_grade == pytest.approx(3.2835, abs=1e-4)
    assert report.level == Level.EASY
    assert report.fog_pl is None
    assert report.primary_metric == "flesch_reading_ease"
    assert report.target_met()
    assert not report.target_met(90)
    assert report.marks == ()


def test_english_hard_words_counted_by_hand() -> None:
    # Our(1) com-mu-ni-ty(4) or-gan-i-sa-tion(5) fa-cil-i-tat-ed(5) an(1) in-for-ma-tion(4)
    # eve-ning(2): 7 words, 22 syllables, 4 of 3+ syllables: PHW = 57.14;
    # FRE = 206.835 − 7.105 − 84.6 × 22/7 = −66.1557; FK = 2.73 + 37.0857 − 15.59 = 24.2257
    text = "Our community organisation facilitated an information evening."
    report = analyze(text, "en")
    assert (report.words, report.syllables, report.hard_words) == (7, 22, 4)
    assert report.phw == pytest.approx(57.1429, abs=1e-4)
    assert report.flesch_reading_ease == pytest.approx(-66.1557, abs=1e-4)
    assert report.flesch_kincaid_grade == pytest.approx(24.2257, abs=1e-4)
    assert report.level == Level.VERY_HARD
    # "community" and "information" are too common to flag.
    assert marked(text, report) == [
        ("hard_word", "organisation"),
        ("hard_word", "facilitated"),
        ("officialese", "facilitated"),
    ]


def test_every_official_text_is_harder_than_its_plain_twin() -> None:
    for pair in load_pairs():
        official, plain = analyze(pair["official"], "pl"), analyze(pair["plain"], "pl")
        assert official.fog_pl is not None and plain.fog_pl is not None
        assert official.pisarek_linear is not None and plain.pisarek_linear is not None
        assert official.pisarek_nonlinear is not None and plain.pisarek_nonlinear is not None
        # "Clearly": at least 5 points of FOG-PL apart, and the official one is not plain.
        assert official.fog_pl > plain.fog_pl + 5, pair
        assert official.pisarek_linear > plain.pisarek_linear + 5, pair
        assert official.pisarek_nonlinear > plain.pisarek_nonlinear + 5, pair
        assert not official.target_met()
        assert len(official.marks) > len(plain.marks)


def test_marks_point_at_their_text() -> None:
    for pair in load_pairs():
        for text in pair.values():
            report = analyze(text, "pl")
            keys = [(m.start, m.end, m.kind, m.code) for m in report.marks]
            assert keys == sorted(keys)
            for mark in report.marks:
                passage = text[mark.start : mark.end]
                assert 0 <= mark.start < mark.end <= len(text)
                assert passage == passage.strip()
                assert MARK_CODES[mark.code] == mark.kind


def test_long_sentences_are_marked_whole() -> None:
    twenty_one = "Dom " + " ".join(["dom"] * 20) + "."
    thirty_one = "Dom " + " ".join(["dom"] * 30) + "."
    text = f"Krótko. {twenty_one} {thirty_one}"
    long_marks = [m for m in analyze(text, "pl").marks if m.kind == "long_sentence"]
    assert [(text[m.start : m.end], m.code) for m in long_marks] == [
        (twenty_one, "sentence.long"),
        (thirty_one, "sentence.very_long"),
    ]
    assert analyze(" ".join(["dom"] * 20), "pl").marks == ()


def test_names_numbers_and_acronyms_are_not_flagged() -> None:
    text = "Zapraszamy do Centrum Aktywności Obywatelskiej, BIP i 2024 rok."
    report = analyze(text, "pl")
    assert [text[m.start : m.end] for m in report.marks if m.kind == "hard_word"] == ["Zapraszamy"]
    assert report.hard_words == 3  # names count in the formula: Aktywności, Obywatelskiej


@pytest.mark.parametrize("text", ["", "   ", "\n\n- \n"])
def test_empty_text(text: str) -> None:
    report = analyze(text, "pl")
    assert (report.words, report.sentences, report.level) == (0, 0, Level.EMPTY)
    assert report.primary_score is None
    assert not report.target_met()


def test_language_codes() -> None:
    assert analyze("Dom.", "pl-PL").language == "pl"
    assert analyze("Home.", "EN").language == "en"
    with pytest.raises(ValueError, match=r"unsupported language 'de': expected one of 'pl', 'en'"):
        analyze("Haus.", "de")


def test_report_is_immutable() -> None:
    report = analyze("Dom.", "pl")
    attribute: Any = "words"
    with pytest.raises(AttributeError):
        setattr(report, attribute, 5)


def test_two_thousand_words_well_under_100_ms() -> None:
    base = (
        "W związku z realizacją przedsięwzięcia uprzejmie informujemy, że mieszkańcy mają "
        "możliwość zgłaszania uwag do dnia 15 czerwca. Spotkanie odbędzie się w parku, "
        "np. przy ul. Słowackiego. Napisz nam, co o tym myślisz! "
    )
    text = " ".join((base * 70).split()[:2000])
    analyze(text, "pl")  # warm the glossary and caches
    # CPU time, best of 5: what the analyzer costs, not how busy the test machine is.
    best = min(_cpu_seconds(text) for _ in range(5))
    assert best < 0.1, f"best of 5 runs took {best * 1000:.1f} ms of CPU time"


def _cpu_seconds(text: str) -> float:
    start = time.process_time()
    analyze(text, "pl")
    return time.process_time() - start
