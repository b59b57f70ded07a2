"""Word-level text tools for summaries: key lemmas of a contribution, and quote trimming.

simplemma is loaded on first use only (≈3 s); importing this module stays cheap.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from deliberation.lemmas import lemmatizer

if TYPE_CHECKING:
    from simplemma import Lemmatizer

QUOTE_LIMIT = 140
ELLIPSIS = "…"

# Words of letters, allowing inner hyphens ("e-mail", "Bielsko-Biała"); digits are never topics.
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SPACES = re.compile(r"\s+")

# Lemmas that say nothing about what a contribution is about in any city consultation: polite
# requests, reporting verbs from meeting notes, and words for the process itself. stopwordsiso
# covers grammar words only.


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


DOMAIN_STOP: dict[str, frozenset[str]] = {
    "pl": _word_set(
        """
        prosić proszę chcieć móc musieć mieć dać zostać potrzebny potrzeba potrzebować trzeba
        powinien przydać zrobić robić pomyśleć mówić powiedzieć zapytać pytać zgłosić zgłaszać
        poinformować ustalić zadeklarować zaproponować proponować uważać sądzić myśleć woleć
        mieszkaniec osoba ludzie człowiek pan pani miasto gmina urząd urzędnik konsultacja
        konsultacje projekt spotkanie uwaga pytanie odpowiedź pomysł sprawa kwestia problem
        część strona raz rok czas dzień miejsce sposób rzecz teraz zawsze nigdy cały dwa jeden
        dobry zły fajny fajnie bardzo nowy duży mały wielki inny żaden taki sam
        """
    ),
    "en": _word_set(
        """
        please want need needs would could should like think people resident residents city
        council project meeting question answer idea issue problem new good bad big small lot
        """
    ),
}

# One canonical lemma for words residents use for the same thing in city-space consultations,
# plus fixes for simplemma's few wrong guesses on common nouns ("stawie" -> "stawa"). Without
# this, short comments about the same lamp post share no word at all ("latarnie", "lampy",
# "oświetlenie") and cannot be grouped by shared lemmas.
_FOLD_GROUPS: dict[str, dict[str, str]] = {
    "pl": {
        "oświetlenie": "latarnia lampa światło oświetlić ciemno ciemny ciemność",
        "zieleń": "zielony trawa trawnik krzew łąka kwietny",
        "nasadzenie": "posadzić nasadzić sadzić sadzenie",
        "wycinka": "wyciąć wycinać",
        "pies": "psi",
        "rower": "rowerowy rowerzysta",
        "parking": "parkingowy parkować zaparkować",
        "śmieci": "śmieć odpad odpady",
        "monitoring": "kamera",
        "ogrodzenie": "ogrodzić",
        "toaleta": "wc szalet",
        "wydarzenie": "koncert festyn impreza",
        "autobus": "autobusowy",
        "kultura": "kulturalny",
        "niepełnosprawność": "niepełnosprawny",
        "staw": "stawa",
        "osiedle": "osiedlać",
        "droga": "drogi",
    },
    "en": {
        "lighting": "light lights lamp lamps streetlight dark",
        "bike": "bikes bicycle bicycles cycle cycling cyclist",
        "dog": "dogs",
        "tree": "trees",
    },
}


def _lemmatizer(language: str) -> Lemmatizer:
    return lemmatizer(language)


@functools.cache
def _stop_words(language: str) -> frozenset[str]:
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords(language)) | DOMAIN_STOP.get(language, frozenset())


@functools.cache
def _folds(language: str) -> dict[str, str]:
    groups = _FOLD_GROUPS.get(language, {})
    return {word: canonical for canonical, words in groups.items() for word in words.split()}


def warm_up(language: str = "pl") -> None:
    """Load the lemma dictionary and stop words for `language` (the slow part) now."""
    _lemmatizer(language)
    _stop_words(language)


@functools.lru_cache(maxsize=1 << 16)
def key_lemma(token: str, language: str) -> str | None:
    """The topic-bearing lemma of a lowercase token, or None for stop words and short words."""
    stop = _stop_words(language)
    if len(token) < 3 or token in stop:
        return None
    lemma = _lemmatizer(language).lemmatize(token, language).lower()
    lemma = _folds(language).get(lemma, lemma)
    if len(lemma) < 3 or lemma in stop:
        return None
    return lemma


def words(text: str) -> list[str]:
    """Lowercase word tokens, in order."""
    return _WORD.findall(text.lower())


def key_lemmas(text: str, language: str) -> tuple[str, ...]:
    """Distinct key lemmas of a text in first-seen order (short texts: presence beats counts)."""
    seen: dict[str, None] = {}
    for token in _WORD.findall(text.lower()):
        lemma = key_lemma(token, language)
        if lemma is not None:
            seen[lemma] = None  # re-inserting keeps the first position
    return tuple(seen)


def normalise_space(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def trim_quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters with "…"."""
    text = normalise_space(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS) + 1]
    space = cut.rfind(" ")
    # A single 140-character "word" (a pasted link) is cut mid-word rather than dropped.
    cut = cut[:space] if space > 0 else cut[: limit - len(ELLIPSIS)]
    return cut.rstrip(" ,;:-–—(") + ELLIPSIS
