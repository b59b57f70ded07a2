"""Formulas against hand-computed values, and the level bands at their edges."""

from __future__ import annotations

import pytest

from deliberation.readability import scores
from deliberation.readability.scores import Level


def test_polish_formulas() -> None:
    # ASL 12, PHW 25: FOG-PL = 0.4 × 37 = 14.8; Pisarek linear = 4 + 8⅓ + 1 = 13⅓;
    # nonlinear = √(144 + 625) / 2 = √769 / 2 = 13.8654...
    assert scores.fog_pl(12, 25) == pytest.approx(14.8)
    assert scores.pisarek_linear(12, 25) == pytest.approx(13.3333, abs=1e-4)
    assert scores.pisarek_nonlinear(12, 25) == pytest.approx(13.8654, abs=1e-4)


def test_english_formulas() -> None:
    # ASL 10, 1.5 syllables a word: 206.835 − 10.15 − 126.9 = 69.785; 3.9 + 17.7 − 15.59 = 6.01
    assert scores.flesch_reading_ease(10, 1.5) == pytest.approx(69.785)
    assert scores.flesch_kincaid_grade(10, 1.5) == pytest.approx(6.01)


@pytest.mark.parametrize(
    ("fog", "level"),
    [
        (0.0, Level.VERY_EASY),
        (7.0, Level.VERY_EASY),
        (7.01, Level.EASY),
        (9.0, Level.EASY),
        (9.5, Level.PLAIN),
        (10.0, Level.PLAIN),
        (10.01, Level.FAIRLY_HARD),
        (13.0, Level.FAIRLY_HARD),
        (15.9, Level.HARD),
        (16.0, Level.HARD),
        (16.01, Level.VERY_HARD),
    ],
)
def test_fog_pl_bands(fog: float, level: Level) -> None:
    assert scores.fog_pl_level(fog) is level


@pytest.mark.parametrize(
    ("ease", "level"),
    [
        (120.0, Level.VERY_EASY),
        (90.0, Level.VERY_EASY),
        (89.9, Level.EASY),
        (70.0, Level.FAIRLY_EASY),
        (65.0, Level.PLAIN),
        (60.0, Level.PLAIN),
        (59.9, Level.FAIRLY_HARD),
        (30.0, Level.HARD),
        (29.9, Level.VERY_HARD),
        (-50.0, Level.VERY_HARD),
    ],
)
def test_flesch_bands(ease: float, level: Level) -> None:
    assert scores.flesch_level(ease) is level


def test_level_codes_are_plain_strings() -> None:
    # The web layer stores and translates these codes: renaming one is a breaking change.
    assert [str(level) for level in Level] == [
        "empty",
        "very_easy",
        "easy",
        "fairly_easy",
        "plain",
        "fairly_hard",
        "hard",
        "very_hard",
    ]
