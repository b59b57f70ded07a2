"""Passive voice and nominal chains: what is flagged, what is left alone, and the exact spans."""

from __future__ import annotations

import pytest

from deliberation.readability.language import Language
from deliberation.readability.segmenter import segment
from deliberation.readability.style import find_nominal_chains, find_passives


def passives(text: str, language: Language = "pl") -> list[tuple[str, str]]:
    seg = segment(text, language)
    return [
        (text[seg.words[first].start : seg.words[stop - 1].end], code)
        for first, stop, code in find_passives(seg, language)
    ]


def chains(text: str) -> list[tuple[str, str]]:
    seg = segment(text, "pl")
    return [
        (text[seg.words[first].start : seg.words[stop - 1].end], code)
        for first, stop, code in find_nominal_chains(seg)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Spotkanie zostanie przeprowadzone online.", ("zostanie przeprowadzone", "zostac")),
        ("Uwagi zostały uwzględnione.", ("zostały uwzględnione", "zostac")),
        ("Zgoda jest wymagana.", ("jest wymagana", "byc")),
        ("Uwagi nie zostaną uwzględnione.", ("zostaną uwzględnione", "zostac")),
        ("Prace są już zaplanowane.", ("są już zaplanowane", "byc")),
        ("Plan został w maju przyjęty.", ("został w maju przyjęty", "zostac")),
        ("Mieszkańcy będą zaproszeni.", ("będą zaproszeni", "byc")),
        ("Park jest otwarty.", ("jest otwarty", "byc")),
        ("Zdecydowano o budowie.", ("Zdecydowano", "impersonal")),
        ("Wniosek przyjęto.", ("przyjęto", "impersonal")),
    ],
)
def test_polish_passive(text: str, expected: tuple[str, str]) -> None:
    phrase, code = expected
    assert passives(text) == [(phrase, f"passive.{code}")]


@pytest.mark.parametrize(
    "text",
    [
        "To jest ważne.",
        "Czy są zmiany w planie?",
        "Zostanie w domu.",
        "Jest to dobry plan.",
        "Są one potrzebne.",
        "Park jest zielony.",
        "Rano jest święto.",
        "Zostały, niestety, przyjęte.",  # the commas make it a different construction to flag
    ],
)
def test_polish_non_passive(text: str) -> None:
    assert passives(text) == []


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("The park was renovated in 2019.", "was renovated"),
        ("The plan is being reviewed.", "is being reviewed"),
        ("Decisions were taken quickly.", "were taken"),
        ("Works are currently planned.", "are currently planned"),
        ("It has been built.", "been built"),
    ],
)
def test_english_passive(text: str, phrase: str) -> None:
    assert passives(text, "en") == [(phrase, "passive.be")]


@pytest.mark.parametrize(
    "text", ["The park is ready.", "This is indeed a plan.", "We were there.", "It is red."]
)
def test_english_non_passive(text: str) -> None:
    assert passives(text, "en") == []


def test_nominal_chains() -> None:
    text = (
        "Pieniądze wydamy w celu realizacji planu. Przeprowadzenie konsultacji trwa. "
        "Mają możliwość zgłaszania uwag. Spotkanie mieszkańców jest jutro. "
        "Realizacja inwestycji trwa. Centrum Aktywności Obywatelskiej działa."
    )
    assert chains(text) == [
        ("w celu realizacji", "nominal.opener"),
        ("Przeprowadzenie konsultacji", "nominal.chain"),
        ("możliwość zgłaszania", "nominal.chain"),
    ]


def test_long_chain_of_abstract_nouns() -> None:
    assert chains("Czekamy na ocenę zasadności realizacji koncepcji.") == [
        ("zasadności realizacji koncepcji", "nominal.chain")
    ]
