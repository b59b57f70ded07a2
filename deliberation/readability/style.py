"""Style patterns plain-language guides warn about: the passive voice and nominal chains.

Both work on the words of a Segmentation and return word ranges (first, stop, code); they look
only at words joined by white space, so a comma or a sentence break ends a pattern.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from deliberation.readability import lexicon
from deliberation.readability.language import Language
from deliberation.readability.segmenter import Segmentation

Span = tuple[int, int, str]
WordTest = Callable[[str], bool]

PASSIVE_ZOSTAC = "passive.zostac"
PASSIVE_BYC = "passive.byc"
PASSIVE_IMPERSONAL = "passive.impersonal"
PASSIVE_BE = "passive.be"
NOMINAL_CHAIN = "nominal.chain"
NOMINAL_OPENER = "nominal.opener"

# How many words may stand between the auxiliary and the participle ("zostały w zeszłym roku
# przyjęte" has three; two keeps false alarms rare).
MAX_GAP = 2
_MIN_PARTICIPLE = 6  # shorter words with these endings are nouns and pronouns ("one", "pani")
_MIN_NOMINAL = 6  # "kość", "gość" are not abstract nouns


def find_passives(seg: Segmentation, language: Language) -> list[Span]:
    if language == "pl":
        return _polish_passives(seg)
    return _english_passives(seg)


_AUXILIARIES = {
    **dict.fromkeys(lexicon.PL_BYC, PASSIVE_BYC),
    **dict.fromkeys(lexicon.PL_ZOSTAC, PASSIVE_ZOSTAC),
}


def _polish_passives(seg: Segmentation) -> list[Span]:
    words = seg.lowers
    spans: list[Span] = []
    i = 0
    while i < len(words):
        word = words[i]
        code = _AUXILIARIES.get(word)
        if code is None:
            if _is_impersonal(word):
                spans.append((i, i + 1, PASSIVE_IMPERSONAL))
            i += 1
            continue
        # "zostać" + anything + participle is almost always passive; after "być" only a few
        # small words may intervene, or "jest ważne" style adjectives would be flagged.
        gap = _any_word if code == PASSIVE_ZOSTAC else lexicon.PL_PASSIVE_GAP.__contains__
        stop = _participle_after(words, seg.linked, i, _is_polish_participle, gap)
        if stop is None:
            i += 1
            continue
        spans.append((i, stop, code))
        i = stop
    return spans


def _english_passives(seg: Segmentation) -> list[Span]:
    words = seg.lowers
    spans: list[Span] = []
    i = 0
    while i < len(words):
        stop = None
        if words[i] in lexicon.EN_BE:
            stop = _participle_after(words, seg.linked, i, _is_english_participle, _english_gap)
        if stop is None:
            i += 1
            continue
        spans.append((i, stop, PASSIVE_BE))
        i = stop
    return spans


def _participle_after(
    words: list[str], linked: list[bool], i: int, is_participle: WordTest, may_skip: WordTest
) -> int | None:
    """The word index after the participle that completes the auxiliary at `i`, if any."""
    for j in range(i + 1, min(i + 2 + MAX_GAP, len(words))):
        if not linked[j]:
            return None
        if is_participle(words[j]):
            return j + 1
        if not may_skip(words[j]):
            return None
    return None


def _any_word(word: str) -> bool:
    return True


def _english_gap(word: str) -> bool:
    return word in lexicon.EN_PASSIVE_GAP or word.endswith("ly")  # "is currently reviewed"


@lru_cache(maxsize=65536)
def _is_impersonal(word: str) -> bool:
    return bool(lexicon.PL_IMPERSONAL.match(word)) and word not in lexicon.PL_NOT_IMPERSONAL


def _is_polish_participle(word: str) -> bool:
    return (
        len(word) >= _MIN_PARTICIPLE
        and lexicon.PL_PARTICIPLE.search(word) is not None
        and word not in lexicon.PL_NOT_PARTICIPLE
    )


def _is_english_participle(word: str) -> bool:
    if word in lexicon.EN_IRREGULAR_PARTICIPLES:
        return True
    return len(word) >= 4 and word.endswith("ed") and word not in lexicon.EN_NOT_PARTICIPLE


def find_nominal_chains(seg: Segmentation) -> list[Span]:
    """Polish "-anie/-enie" chains ("przeprowadzenie konsultacji", "w celu realizacji")."""
    kinds = [_nominal_kind(seg, i) for i in range(len(seg.words))]
    words = seg.lowers
    spans: list[Span] = []
    i = 0
    while i < len(words):
        if not kinds[i] and words[i] not in _OPENERS:
            i += 1  # the common case, kept cheap
            continue
        opener = _opener_length(words, seg.linked, i)
        start = i + opener
        stop = start
        while stop < len(words) and kinds[stop] and (stop == i or seg.linked[stop]):
            stop += 1
        run = kinds[start:stop]
        if opener and run:
            spans.append((i, stop, NOMINAL_OPENER))
        elif len(run) >= 3 or (len(run) == 2 and _VERBAL in run):
            spans.append((i, stop, NOMINAL_CHAIN))
        else:
            i += 1
            continue
        i = stop
    return spans


_VERBAL = 2  # "realizowanie", "przeprowadzenie"
_ABSTRACT = 1  # "realizacja", "zasadność"


def _nominal_kind(seg: Segmentation, i: int) -> int:
    kind = _noun_kind(seg.lowers[i])
    if kind and seg.words[i].text[0].isupper() and not seg.starts[i]:
        return 0  # a capital inside a sentence is a name: "Centrum Aktywności Obywatelskiej"
    return kind


@lru_cache(maxsize=65536)
def _noun_kind(word: str) -> int:
    if len(word) < _MIN_NOMINAL:
        return 0
    if lexicon.PL_VERBAL_NOUN.search(word):
        return 0 if lexicon.PL_LEXICALISED_NOUN.match(word) else _VERBAL
    return _ABSTRACT if lexicon.PL_ABSTRACT_NOUN.search(word) else 0


_OPENERS: dict[str, list[tuple[str, ...]]] = {}
for _opener in sorted(lexicon.PL_NOMINAL_OPENERS, key=len, reverse=True):
    _OPENERS.setdefault(_opener[0], []).append(_opener)


def _opener_length(words: list[str], linked: list[bool], i: int) -> int:
    for opener in _OPENERS.get(words[i], ()):
        n = len(opener)
        if tuple(words[i : i + n]) == opener and all(linked[i + 1 : i + n]):
            return n
    return 0
