"""Glossary files: size, syntax, errors that name file and line, and merging a city's own list."""

from __future__ import annotations

from pathlib import Path

import pytest

from deliberation.readability import (
    Glossary,
    GlossaryError,
    analyze,
    clear_glossary_cache,
    load_glossary,
    parse_glossary,
    read_glossary,
)
from deliberation.readability.language import Language
from deliberation.readability.segmenter import segment


def officialese(
    text: str, language: Language = "pl", extra_glossary: Glossary | None = None
) -> list[tuple[str, str]]:
    report = analyze(text, language, extra_glossary=extra_glossary)
    return [
        (text[m.start : m.end], m.suggestion or "-")
        for m in report.marks
        if m.kind == "officialese"
    ]


def test_built_in_glossaries_are_big_enough() -> None:
    assert len(load_glossary("pl")) >= 110
    assert len(load_glossary("en")) >= 55


@pytest.mark.parametrize("language", ["pl", "en"])
def test_every_built_in_phrase_finds_itself(language: Language) -> None:
    # Write each phrase with its first form of every word; the glossary must mark exactly that
    # span, or the entry is shadowed by another one and never shown.
    glossary = load_glossary(language)
    for entry in glossary.entries:
        sample = " ".join(alternatives[0].text for alternatives in entry.pattern)
        seg = segment(sample, language)
        hits = glossary.index.find([w.lower for w in seg.words], seg.linked)
        assert [(first, stop) for first, stop, _ in hits] == [(0, len(seg.words))], entry


def test_matching_ignores_case_and_follows_inflection() -> None:
    text = (
        "Zastrzeżenia i ZASTRZEŻEŃ nie ma. Mieli możliwość. Mają Państwo możliwość. "
        "Prosimy zweryfikować dane."
    )
    assert officialese(text) == [
        ("Zastrzeżenia", "uwagi"),
        ("ZASTRZEŻEŃ", "uwagi"),
        ("Mieli możliwość", "móc"),
        ("Mają Państwo możliwość", "mogą Państwo / możesz"),
        ("zweryfikować", "sprawdzić / sprawdzenie"),
    ]


def test_longest_phrase_wins() -> None:
    assert officialese("W związku z powyższym prosimy o uwagi.") == [
        ("W związku z powyższym", "dlatego")
    ]
    assert officialese("Czekamy w terminie do dnia 5 maja.") == [("w terminie do dnia", "do")]


def test_phrase_does_not_run_across_punctuation() -> None:
    assert officialese("Jesteśmy w, celu nie ma.") == []


def test_delete_suggestion_has_no_text() -> None:
    report = analyze("Uprzejmie dziękujemy.", "pl")
    (mark,) = [m for m in report.marks if m.kind == "officialese"]
    assert (mark.code, mark.suggestion) == ("officialese.remove", None)


def test_english_phrases() -> None:
    text = "Prior to the meeting we will commence work in accordance with the plan."
    assert officialese(text, "en") == [
        ("Prior to", "before"),
        ("commence", "start"),
        ("in accordance with", "under / by / following"),
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("w celu    żeby\n", "expected 2 or 3 columns separated by tabs"),
        ("a\tb\tc\td\n", "found 4"),
        ("\tżeby\n", "phrase (first column) is empty"),
        ("w celu\t\n", "no plain alternative"),
        ("ab*\tx\n", "at least 3 letters"),
        ("za*strzeżenia\tuwagi\n", "may only end a word"),
        ("tj.\tczyli\n", "is not one word"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "miasto.tsv"
    path.write_text("# komentarz\n\nniniejszy\tten\n" + content, encoding="utf-8")
    with pytest.raises(GlossaryError) as error:
        read_glossary(path, "pl")
    assert str(error.value).startswith(f"{path}, line 4: ")
    assert problem in str(error.value)
    assert error.value.line == 4


def test_duplicate_phrase_is_an_error() -> None:
    with pytest.raises(GlossaryError, match="already defined on line 1"):
        parse_glossary("w celu\tżeby\nW  CELU\taby\n", "pl", source="x.tsv")


def test_city_glossary_adds_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "dabrowa.tsv"
    path.write_text(
        "\ufeff# Słownik miasta\njednost* pomocnicz*\tdzielnica\nw celu\tżeby\tkrócej\n",
        encoding="utf-8",
    )
    text = "Rada jednostki pomocniczej zbiera się w celu narady."
    assert officialese(text) == [("w celu", "żeby / aby")]

    city = load_glossary("pl", extra_paths=[path])
    assert len(city) == len(load_glossary("pl")) + 1
    expected = [("jednostki pomocniczej", "dzielnica"), ("w celu", "żeby")]
    assert officialese(text, extra_glossary=city) == expected
    # A file of its own, merged by analyze() over the built-in list, gives the same result.
    assert officialese(text, extra_glossary=read_glossary(path, "pl")) == expected


def test_loaded_glossaries_are_cached(tmp_path: Path) -> None:
    path = tmp_path / "extra.tsv"
    path.write_text("ławeczka\tławka\n", encoding="utf-8")
    assert load_glossary("pl", [path]) is load_glossary("pl", (str(path),))
    path.write_text("ławeczka\tsiedzisko\n", encoding="utf-8")
    clear_glossary_cache()
    (entry,) = [e for e in load_glossary("pl", [path]).entries if e.phrase == "ławeczka"]
    assert entry.plain == "siedzisko"


def test_glossary_language_must_match_the_text() -> None:
    with pytest.raises(ValueError, match="'en'"):
        analyze("Tekst.", "pl", extra_glossary=load_glossary("en"))
