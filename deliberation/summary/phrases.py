"""Sentence templates for summaries in Polish and English, with CLDR plural forms from babel.

Each counted phrase lists a whole sentence per plural category, because Polish changes the verb
as well as the noun ("poparła 1 osoba", "poparły 2 osoby", "poparło 5 osób").
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from babel import Locale
from babel.numbers import format_decimal, format_percent

from deliberation.summary.model import Channel, Language

Plural = Mapping[str, str]

QUOTE_MARKS: dict[Language, tuple[str, str]] = {"pl": ("„", "”"), "en": ("“", "”")}

_PL: dict[str, str | Plural] = {
    "heading.participation": "Kto się wypowiedział",
    "heading.other": "Inne sprawy",
    "heading.live_questions": "Pytania na żywo",
    "heading.survey": "Ankieta",
    "heading.meeting": "Spotkanie: {title}",
    "heading.meeting_untitled": "Notatki ze spotkań",
    "meeting.word": "spotkanie",
    "heading.empty": "Co usłyszeliśmy",
    "empty": "Nie mamy jeszcze żadnych głosów.",
    "total": {
        "one": "Zebraliśmy {n} głos.",
        "few": "Zebraliśmy {n} głosy.",
        "many": "Zebraliśmy {n} głosów.",
        "other": "Zebraliśmy {n} głosu.",
    },
    "channel.online_comment": {
        "one": "W internecie napisaliście {n} komentarz.",
        "few": "W internecie napisaliście {n} komentarze.",
        "many": "W internecie napisaliście {n} komentarzy.",
        "other": "W internecie napisaliście {n} komentarza.",
    },
    "channel.live_question": {
        "one": "Na żywo zadaliście {n} pytanie.",
        "few": "Na żywo zadaliście {n} pytania.",
        "many": "Na żywo zadaliście {n} pytań.",
        "other": "Na żywo zadaliście {n} pytania.",
    },
    "channel.survey_answer": {
        "one": "W ankiecie napisaliście {n} odpowiedź.",
        "few": "W ankiecie napisaliście {n} odpowiedzi.",
        "many": "W ankiecie napisaliście {n} odpowiedzi.",
        "other": "W ankiecie napisaliście {n} odpowiedzi.",
    },
    "channel.meeting_note": {
        "one": "Na spotkaniach zapisaliśmy {n} uwagę.",
        "few": "Na spotkaniach zapisaliśmy {n} uwagi.",
        "many": "Na spotkaniach zapisaliśmy {n} uwag.",
        "other": "Na spotkaniach zapisaliśmy {n} uwagi.",
    },
    "channel.paper_form": {
        "one": "Na papierze oddaliście {n} formularz.",
        "few": "Na papierze oddaliście {n} formularze.",
        "many": "Na papierze oddaliście {n} formularzy.",
        "other": "Na papierze oddaliście {n} formularza.",
    },
    "channel.email": {
        "one": "E-mailem wysłaliście {n} wiadomość.",
        "few": "E-mailem wysłaliście {n} wiadomości.",
        "many": "E-mailem wysłaliście {n} wiadomości.",
        "other": "E-mailem wysłaliście {n} wiadomości.",
    },
    "theme.count": {
        "one": "W tym temacie zebraliśmy {n} głos.",
        "few": "W tym temacie zebraliśmy {n} głosy.",
        "many": "W tym temacie zebraliśmy {n} głosów.",
        "other": "W tym temacie zebraliśmy {n} głosu.",
    },
    "theme.automatic": "Ten temat znalazł komputer po wspólnych słowach.",
    # The preposition belongs to each name: "ze spotkań" but "z ankiety".
    "theme.channels": "Głosy przyszły {channels}.",
    "theme.channels_more": "Także {channels}.",
    "from.online_comment": "z internetu",
    "from.live_question": "z pokoju na żywo",
    "from.survey_answer": "z ankiety",
    "from.meeting_note": "ze spotkań",
    "from.paper_form": "z formularzy papierowych",
    "from.email": "z e-maili",
    "and": " i ",
    "supported": {
        "one": "Ten głos poparła {n} osoba: {quote}",
        "few": "Ten głos poparły {n} osoby: {quote}",
        "many": "Ten głos poparło {n} osób: {quote}",
        "other": "Ten głos poparło {n} osoby: {quote}",
    },
    "quote.online_comment": "Ktoś napisał w internecie: {quote}",
    "quote.live_question": "Ktoś zapytał na żywo: {quote}",
    "quote.survey_answer": "Ktoś odpowiedział w ankiecie: {quote}",
    "quote.meeting_note": "Z notatki ze spotkania: {quote}",
    "quote.paper_form": "Ktoś napisał na formularzu: {quote}",
    "quote.email": "Ktoś napisał w e-mailu: {quote}",
    "other.count": {
        "one": "Jeszcze {n} głos dotyczy innych spraw.",
        "few": "Jeszcze {n} głosy dotyczą innych spraw.",
        "many": "Jeszcze {n} głosów dotyczy innych spraw.",
        "other": "Jeszcze {n} głosu dotyczy innych spraw.",
    },
    "live.answered": {
        "one": "Na sali odpowiedzieliśmy na {answered} z {n} pytania.",
        "few": "Na sali odpowiedzieliśmy na {answered} z {n} pytań.",
        "many": "Na sali odpowiedzieliśmy na {answered} z {n} pytań.",
        "other": "Na sali odpowiedzieliśmy na {answered} z {n} pytania.",
    },
    "live.none_answered": {
        "one": "Na to pytanie nie odpowiedzieliśmy jeszcze na sali.",
        "few": "Na żadne z {n} pytań nie odpowiedzieliśmy jeszcze na sali.",
        "many": "Na żadne z {n} pytań nie odpowiedzieliśmy jeszcze na sali.",
        "other": "Na żadne z {n} pytań nie odpowiedzieliśmy jeszcze na sali.",
    },
    "live.supported": {
        "one": "To pytanie poparła {n} osoba: {quote}",
        "few": "To pytanie poparły {n} osoby: {quote}",
        "many": "To pytanie poparło {n} osób: {quote}",
        "other": "To pytanie poparło {n} osoby: {quote}",
    },
    "live.question": "Ktoś zapytał: {quote}",
    "live.was_answered": "Na to pytanie odpowiedzieliśmy na sali.",
    "survey.majority": "Większość ankietowanych ({share}) wybrała {option} w pytaniu {question}.",
    "survey.half": "Połowa ankietowanych ({share}) wybrała {option} w pytaniu {question}.",
    "survey.plurality": "Najwięcej osób ({share}) wybrało {option} w pytaniu {question}.",
    "survey.share": "{percent} spośród {n}",
    "meeting.count": {
        "one": "Z tego spotkania mamy {n} uwagę.",
        "few": "Z tego spotkania mamy {n} uwagi.",
        "many": "Z tego spotkania mamy {n} uwag.",
        "other": "Z tego spotkania mamy {n} uwagi.",
    },
    "meeting.point": "W notatce: {quote}",
}

_EN: dict[str, str | Plural] = {
    "heading.participation": "Who took part",
    "heading.other": "Other matters",
    "heading.live_questions": "Live questions",
    "heading.survey": "Survey",
    "heading.meeting": "Meeting: {title}",
    "heading.meeting_untitled": "Meeting notes",
    "meeting.word": "meeting",
    "heading.empty": "What we heard",
    "empty": "We have not received any contributions yet.",
    "total": {"one": "We received {n} contribution.", "other": "We received {n} contributions."},
    "channel.online_comment": {
        "one": "You wrote {n} comment online.",
        "other": "You wrote {n} comments online.",
    },
    "channel.live_question": {
        "one": "You asked {n} question in the live room.",
        "other": "You asked {n} questions in the live room.",
    },
    "channel.survey_answer": {
        "one": "You gave {n} answer in the survey.",
        "other": "You gave {n} answers in the survey.",
    },
    "channel.meeting_note": {
        "one": "We noted {n} point at meetings.",
        "other": "We noted {n} points at meetings.",
    },
    "channel.paper_form": {
        "one": "You sent {n} paper form.",
        "other": "You sent {n} paper forms.",
    },
    "channel.email": {"one": "You sent {n} email.", "other": "You sent {n} emails."},
    "theme.count": {
        "one": "We heard {n} voice on this theme.",
        "other": "We heard {n} voices on this theme.",
    },
    "theme.automatic": "A computer grouped these voices by shared words.",
    "theme.channels": "They came from {channels}.",
    "theme.channels_more": "Also from {channels}.",
    "from.online_comment": "online comments",
    "from.live_question": "the live room",
    "from.survey_answer": "the survey",
    "from.meeting_note": "meetings",
    "from.paper_form": "paper forms",
    "from.email": "emails",
    "and": " and ",
    "supported": {
        "one": "{n} person backed this: {quote}",
        "other": "{n} people backed this: {quote}",
    },
    "quote.online_comment": "Someone wrote online: {quote}",
    "quote.live_question": "Someone asked in the live room: {quote}",
    "quote.survey_answer": "Someone answered in the survey: {quote}",
    "quote.meeting_note": "From the meeting notes: {quote}",
    "quote.paper_form": "Someone wrote on a paper form: {quote}",
    "quote.email": "Someone wrote in an email: {quote}",
    "other.count": {
        "one": "{n} more voice is about other matters.",
        "other": "{n} more voices are about other matters.",
    },
    "live.answered": {
        "one": "We answered {answered} of {n} question in the room.",
        "other": "We answered {answered} of {n} questions in the room.",
    },
    "live.none_answered": {
        "one": "We have not answered this question in the room yet.",
        "other": "We have not answered any of the {n} questions in the room yet.",
    },
    "live.supported": {
        "one": "{n} person backed this question: {quote}",
        "other": "{n} people backed this question: {quote}",
    },
    "live.question": "Someone asked: {quote}",
    "live.was_answered": "We answered this question in the room.",
    "survey.majority": "Most respondents ({share}) chose {option} for {question}.",
    "survey.half": "Half of respondents ({share}) chose {option} for {question}.",
    "survey.plurality": "The top answer ({share}) to {question} was {option}.",
    "survey.share": "{percent} of {n}",
    "meeting.count": {
        "one": "We have {n} point from this meeting.",
        "other": "We have {n} points from this meeting.",
    },
    "meeting.point": "From the notes: {quote}",
}

_TABLES: dict[Language, dict[str, str | Plural]] = {"pl": _PL, "en": _EN}


@functools.cache
def _locale(language: Language) -> Locale:
    return Locale.parse(language)


def plural_form(language: Language, n: int) -> str:
    """CLDR plural category of `n`: 'one', 'few', 'many' or 'other'."""
    return _locale(language).plural_form(n)


def number(language: Language, n: int) -> str:
    return format_decimal(n, locale=language)


def percent(language: Language, value: float) -> str:
    return format_percent(value / 100, locale=language)


def quote(language: Language, text: str) -> str:
    opening, closing = QUOTE_MARKS[language]
    return f"{opening}{text}{closing}"


def say(language: Language, key: str, n: int | None = None, **params: str) -> str:
    """The template `key` filled in; counted templates pick their form by the plural of `n`."""
    template = _TABLES[language][key]
    if isinstance(template, str):
        text = template
    else:
        if n is None:
            raise ValueError(f"template {key!r} is counted and needs n")
        form = plural_form(language, n)
        # English and the tables' "other" fallback share one form; a missing form is a bug here.
        text = template[form] if form in template else template["other"]
    if n is not None:
        params = {"n": number(language, n), **params}
    return text.format(**params)


def from_channels(language: Language, parts: Sequence[tuple[Channel, int]]) -> str:
    """'z internetu (3), z ankiety (1) i ze spotkań (1)': where a theme's voices came from."""
    named = [
        f"{say(language, f'from.{channel.value}')} ({number(language, n)})" for channel, n in parts
    ]
    if len(named) == 1:
        return named[0]
    return ", ".join(named[:-1]) + say(language, "and") + named[-1]
