"""Sentence and word splitting: abbreviations, lists, headings, numbers and offsets."""

from __future__ import annotations

from deliberation.readability.language import Language
from deliberation.readability.segmenter import segment


def sentences(text: str, language: Language = "pl") -> list[str]:
    seg = segment(text, language)
    return [text[s.start : s.end] for s in seg.sentences]


def test_polish_abbreviations_do_not_end_a_sentence() -> None:
    text = (
        "Spotkanie odbędzie się przy ul. Słowackiego 5, np. w sali nr 3 o godz. 17. "
        "Zapraszamy m.in. seniorów, tzw. aktywnych mieszkańców, dr Nowak i os. Centrum. "
        "Plan przyjęto w 2024 r. Rada zbierze się przy al. Róż i pl. Wolności obok św. Jana."
    )
    assert sentences(text) == [
        "Spotkanie odbędzie się przy ul. Słowackiego 5, np. w sali nr 3 o godz. 17.",
        "Zapraszamy m.in. seniorów, tzw. aktywnych mieszkańców, dr Nowak i os. Centrum.",
        "Plan przyjęto w 2024 r. Rada zbierze się przy al. Róż i pl. Wolności obok św. Jana.",
    ]


def test_numeric_abbreviations_need_a_number() -> None:
    assert sentences("Dom nr. 5 stoi. Sala ma nr. Potem obiad.") == [
        "Dom nr. 5 stoi.",
        "Sala ma nr.",
        "Potem obiad.",
    ]


def test_initials_and_capitalised_abbreviations() -> None:
    assert sentences("Prezydent M. Woźniak zaprasza. Np. Ty. Wszystko jest OK. Dziękujemy.") == [
        "Prezydent M. Woźniak zaprasza.",
        "Np. Ty.",
        "Wszystko jest OK.",
        "Dziękujemy.",
    ]


def test_ellipsis_quotes_and_question_marks() -> None:
    text = "Czekamy… na Ciebie. Czy to „dobry pomysł”? Tak! Napisz: „Zgadzam się.” Dziękujemy..."
    assert sentences(text) == [
        "Czekamy… na Ciebie.",
        "Czy to „dobry pomysł”?",
        "Tak!",
        "Napisz: „Zgadzam się.”",
        "Dziękujemy...",
    ]


def test_each_list_item_is_a_sentence() -> None:
    text = "Możesz:\n- przyjść osobiście,\n- napisać e-mail\n  do nas,\n• zadzwonić.\n1) albo nic"
    assert sentences(text) == [
        "Możesz",
        "przyjść osobiście",
        "napisać e-mail\n  do nas",
        "zadzwonić.",
        "albo nic",
    ]


def test_headings_and_blank_lines_end_sentences_but_wrapped_lines_do_not() -> None:
    text = (
        "Harmonogram konsultacji\n"
        "Spotkanie odbędzie się w parku, a potem zbierzemy wszystkie uwagi mieszkańców\n"
        "Dąbrowy i opublikujemy raport\n\n"
        "Dziękujemy"
    )
    assert sentences(text) == [
        "Harmonogram konsultacji",
        "Spotkanie odbędzie się w parku, a potem zbierzemy wszystkie uwagi mieszkańców\n"
        "Dąbrowy i opublikujemy raport",
        "Dziękujemy",
    ]


def test_words_and_numbers() -> None:
    seg = segment("Koszt: 1,5 mln zł do 15.06.2024, godz. 10:30, e-mail i biało-czerwony.", "pl")
    assert [w.text for w in seg.words] == [
        "Koszt",
        "1,5",
        "mln",
        "zł",
        "do",
        "15.06.2024",
        "godz",
        "10:30",
        "e-mail",
        "i",
        "biało-czerwony",
    ]


def test_english_abbreviations() -> None:
    text = "Mr. Smith lives on Elm St. near the park, e.g. by the lake. See No. 5. It is new."
    assert sentences(text, "en") == [
        "Mr. Smith lives on Elm St. near the park, e.g. by the lake.",
        "See No. 5.",
        "It is new.",
    ]


def test_offsets_point_into_the_original_text() -> None:
    text = "  Zdanie  pierwsze.\r\n\r\n„Drugie”   zdanie!  "
    seg = segment(text, "pl")
    for word in seg.words:
        assert text[word.start : word.end] == word.text
    assert sentences(text) == ["Zdanie  pierwsze.", "Drugie”   zdanie!"]
    assert seg.starts == [True, False, True, False]
    assert seg.linked == [False, True, False, False]  # a closing quote separates the last two


def test_punctuation_breaks_the_link_between_words() -> None:
    seg = segment("w, celu - tak", "pl")
    assert seg.linked == [False, False, False]


def test_empty_and_blank_text() -> None:
    for text in ("", "   \n\n ", "... !"):
        seg = segment(text, "pl")
        assert seg.words == []
        assert seg.sentences == []
