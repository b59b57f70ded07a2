"""Syllable counting: Polish by vowel nuclei, English by a spelling heuristic.

Both are plain rules checked against hand-counted words in tests/readability/test_syllables.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from deliberation.readability.language import Language

_DIGIT = re.compile(r"\d")

# Polish: every vowel letter is a syllable nucleus, except an "i" that only softens the consonant
# before another vowel ("nie", "się", "cia"). Hyphenation dictionaries undercount ("uczestniczyć").
_PL_VOWEL = re.compile(r"[aąeęioóuyéáöü]")
_PL_SOFTENING_I = re.compile(r"i(?=[aąeęioóuyéáöü])")
# "au"/"eu" at the start of a word is one syllable ("auto", "Europa"); inside a word it is
# usually a prefix boundary ("na-u-ka", "za-u-fa-nie"), so only the start is merged.
_PL_DIPHTHONG = re.compile(r"^(?:au|eu)")

_EN_ACCENTS = str.maketrans("áàâäãåéèêëíìîïóòôöõúùûüýÿçñ", "aaaaaaeeeeiiiiooooouuuuyycn")
_EN_NON_LETTER = re.compile(r"[^a-z]")
_EN_CONTRACTION = re.compile(r"(?:n['’]t|['’](?:s|re|ll|ve|d|m))$")
_EN_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_EN_VOWELS = frozenset("aeiouy")
# Words the rules get wrong and that are common enough to matter.
_EN_SPECIAL = {
    "science": 2,
    "sciences": 3,
    "scientific": 4,
    "scientist": 3,
    "scientists": 3,
    "conscience": 2,
    "anyone": 3,
    "maybe": 2,
    "recipe": 3,
    "eye": 1,
    "eyes": 1,
    "business": 2,
    "businesses": 3,
    "element": 3,
    "elements": 3,
    "theatre": 3,
    "theater": 3,
    "moreover": 3,
    "ratio": 3,
    "wednesday": 2,
    "european": 4,
    "every": 2,
    "evening": 2,
    "naive": 2,
    "cafe": 2,
}
# Vowel pairs that are two syllables although the letters touch ("me-di-a", "ac-tu-al").
_EN_ADD = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?<![tscgxhln])i[aou]",  # media, period, various; not -tion, -cial, -sion, million
        r"[ct]ia(?:te|tion|ble|tive)",  # associate, negotiation, initiative
        r"[aeiou]y[aeo]",  # player, mayor, employee
        r"[aeiouy]ing$",  # going, being, playing
        r"(?<![qg])ua",  # actual, usual, situation; not quality, language
        r"(?<![qg])uen",  # influence, fluent
        r"uou",  # continuous
        r"uel$",  # fuel
        r"uity$",  # continuity
        r"(?<!g)eous$",  # simultaneous; not gorgeous
        r"(?<![ct])ie(?:nce|ncy|nt)",  # experience, client; not patient, efficient
        r"iety",  # society, variety
        r"iet$",  # quiet, diet
        r"[^aeiouy]ie(?:r|st)$",  # easier, happiest
        r"eo(?!ple|ne?s?$)",  # video, theory; not people, someone, surgeon
        r"oe[mt]",  # poem, poet
        r"eum$",  # museum
        r"ism$",  # tourism
        r"^crea(?!tur|m)",  # create, creation; not creature, cream
        r"^(?:id|ar)ea",  # idea, area
        r"^rea(?:ct|li[sz])",  # react, realise
        r"^coo(?:p|rd)",  # cooperate, coordinate
    )
)
_EN_SUBTRACT = tuple(re.compile(pattern) for pattern in (r"que$",))  # unique, technique
# A silent "e" before a suffix ("state-ment", "safe-ly", "care-ful").
_EN_SILENT_E_SUFFIX = re.compile(r"[aeiouy][^aeiouy]e(?:ment|ly|ful|less|ness|ty)(?:ness|ly|s)?$")
# A silent "e" closing the first half of a compound ("some-where", "time-table").
_EN_COMPOUND_HEADS = (
    "some",
    "there",
    "where",
    "here",
    "home",
    "life",
    "time",
    "whole",
    "care",
    "side",
    "base",
    "case",
    "place",
    "state",
    "space",
    "note",
    "safe",
    "fire",
    "game",
    "house",
    "like",
    "guide",
    "wide",
    "store",
    "stone",
)


def count_syllables(word: str, language: Language) -> int:
    """Syllables in one word; a token without letters (a number) counts as one."""
    return _count(word.lower(), language)


@lru_cache(maxsize=65536)
def _count(lower: str, language: Language) -> int:
    parts = [part for part in lower.split("-") if part]
    counter = _polish if language == "pl" else _english
    total = sum(counter(part) for part in parts)
    if total == 0 and _DIGIT.search(lower):
        return 1
    return total


def _polish(word: str) -> int:
    count = len(_PL_VOWEL.findall(word)) - len(_PL_SOFTENING_I.findall(word))
    if _PL_DIPHTHONG.match(word):
        count -= 1
    return count


def _english(word: str) -> int:
    word = word.translate(_EN_ACCENTS)
    extra = 0
    contraction = _EN_CONTRACTION.search(word)
    if contraction:
        word = word[: contraction.start()]
        # "did-n't", "is-n't", "have-n't" gain a syllable; "don't", "can't", "aren't" do not.
        if (
            contraction.group()[0] == "n"
            and word
            and (word[-1] not in _EN_VOWELS or word.endswith("ve"))
        ):
            extra = 1
    word = _EN_NON_LETTER.sub("", word)
    if not word:
        return extra
    special = _EN_SPECIAL.get(word)
    if special is not None:
        return special + extra
    return max(1, _english_rules(word)) + extra


def _english_rules(word: str) -> int:
    count = len(_EN_VOWEL_GROUP.findall(word))
    count += _silent_ending(word, count)
    for pattern in _EN_ADD:
        count += len(pattern.findall(word))
    for pattern in _EN_SUBTRACT:
        count -= len(pattern.findall(word))
    if _EN_SILENT_E_SUFFIX.search(word) or any(
        word.startswith(head) and len(word) >= len(head) + 3 and word[len(head)] not in _EN_VOWELS
        for head in _EN_COMPOUND_HEADS
    ):
        count -= 1
    return count


def _syllabic_lr(word: str) -> bool:
    """A consonant before final "le"/"re"/"les"/"res" keeps it a syllable: "ta-ble", "cen-tre"."""
    stem = word[:-1] if word.endswith("s") else word
    # A doubled letter ("ca-lled", "pre-ferred") is not syllabic.
    if len(stem) <= 3 or stem[-2] not in "lr":
        return False
    return stem[-3] not in _EN_VOWELS and stem[-3] != stem[-2]


def _silent_ending(word: str, groups: int) -> int:
    """-1 for a silent final "e" ("make"), "-ed" ("walked") or "-es" ("makes")."""
    if len(word) < 3 or groups < 2:
        return 0
    if word.endswith("e") and word[-2] not in _EN_VOWELS and not _syllabic_lr(word):
        return -1
    if (
        word.endswith("ed")
        and len(word) > 3
        and word[-3] not in _EN_VOWELS
        and word[-3] not in "td"
        and not _syllabic_lr(word[:-1])  # "disa-bled", "han-dled"
    ):
        return -1
    if (
        word.endswith("es")
        and len(word) > 3
        and word[-3] not in _EN_VOWELS
        and word[-3] not in "sxzcgh"
        and not _syllabic_lr(word)
    ):
        return -1
    return 0
