"""Readability formulas (FOG-PL, Pisarek, Flesch, Flesch–Kincaid) and the level scale.

ASL is words per sentence, PHW the percentage of hard words, SPW syllables per word.
"""

from __future__ import annotations

import math
from enum import StrEnum

from deliberation.readability.language import Language

# What "plain" means by default: FOG-PL at most 10 (9–10 is recommended for public
# communication), Flesch Reading Ease at least 60 (60–70 is plain English).
DEFAULT_TARGETS: dict[Language, float] = {"pl": 10.0, "en": 60.0}
# A Polish hard word has 4+ syllables; an English one 3+ (Gunning).
HARD_WORD_SYLLABLES: dict[Language, int] = {"pl": 4, "en": 3}


class Level(StrEnum):
    """Stable codes; the web layer translates them. "fairly_easy" exists only for English."""

    EMPTY = "empty"
    VERY_EASY = "very_easy"
    EASY = "easy"
    FAIRLY_EASY = "fairly_easy"
    PLAIN = "plain"
    FAIRLY_HARD = "fairly_hard"
    HARD = "hard"
    VERY_HARD = "very_hard"


# FOG-PL upper bounds, inclusive. The edges are this project's choice, anchored on the recommended
# 9–10 band: ≤7 very easy, ≤9 easy, ≤10 plain, ≤13 fairly hard, ≤16 hard, above that very hard.
FOG_PL_BANDS: tuple[tuple[float, Level], ...] = (
    (7.0, Level.VERY_EASY),
    (9.0, Level.EASY),
    (10.0, Level.PLAIN),
    (13.0, Level.FAIRLY_HARD),
    (16.0, Level.HARD),
)
# Flesch's own bands (1948), lower bounds inclusive: 90 very easy, 80 easy, 70 fairly easy,
# 60 standard (plain), 50 fairly difficult, 30 difficult, below: very confusing.
FLESCH_BANDS: tuple[tuple[float, Level], ...] = (
    (90.0, Level.VERY_EASY),
    (80.0, Level.EASY),
    (70.0, Level.FAIRLY_EASY),
    (60.0, Level.PLAIN),
    (50.0, Level.FAIRLY_HARD),
    (30.0, Level.HARD),
)


def fog_pl(asl: float, phw: float) -> float:
    return 0.4 * (asl + phw)


def pisarek_linear(asl: float, phw: float) -> float:
    return asl / 3 + phw / 3 + 1


def pisarek_nonlinear(asl: float, phw: float) -> float:
    return math.sqrt(asl * asl + phw * phw) / 2


def flesch_reading_ease(asl: float, spw: float) -> float:
    return 206.835 - 1.015 * asl - 84.6 * spw


def flesch_kincaid_grade(asl: float, spw: float) -> float:
    return 0.39 * asl + 11.8 * spw - 15.59


def fog_pl_level(score: float) -> Level:
    for upper, level in FOG_PL_BANDS:
        if score <= upper:
            return level
    return Level.VERY_HARD


def flesch_level(score: float) -> Level:
    for lower, level in FLESCH_BANDS:
        if score >= lower:
            return level
    return Level.VERY_HARD
