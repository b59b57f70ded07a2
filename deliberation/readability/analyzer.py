"""analyze(): readability scores, a level code and marks with character offsets for one text.

Pure and deterministic: no I/O after the first glossary load, no web imports.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from deliberation.readability import lexicon, scores, style
from deliberation.readability.glossary import Glossary, load_glossary
from deliberation.readability.language import Language, normalize_language
from deliberation.readability.scores import Level
from deliberation.readability.segmenter import Segmentation, segment
from deliberation.readability.syllables import count_syllables

# Sentences longer than this are marked; government guidance asks for 15–20 words at most.
LONG_SENTENCE_WORDS = 20
VERY_LONG_SENTENCE_WORDS = 30
_DIGIT = re.compile(r"\d")
_ACRONYM_MAX = 6  # "BIP", "UNESCO"; a longer word in capitals is a shouted word, not an acronym


class MarkKind(StrEnum):
    LONG_SENTENCE = "long_sentence"
    HARD_WORD = "hard_word"
    PASSIVE = "passive"
    OFFICIALESE = "officialese"
    NOMINAL_CHAIN = "nominal_chain"


# Every code a Mark can carry, with its kind: the web layer needs a message for each.
MARK_CODES: dict[str, MarkKind] = {
    "sentence.long": MarkKind.LONG_SENTENCE,
    "sentence.very_long": MarkKind.LONG_SENTENCE,
    "word.hard": MarkKind.HARD_WORD,
    style.PASSIVE_ZOSTAC: MarkKind.PASSIVE,
    style.PASSIVE_BYC: MarkKind.PASSIVE,
    style.PASSIVE_IMPERSONAL: MarkKind.PASSIVE,
    style.PASSIVE_BE: MarkKind.PASSIVE,
    "officialese.replace": MarkKind.OFFICIALESE,
    "officialese.remove": MarkKind.OFFICIALESE,
    style.NOMINAL_CHAIN: MarkKind.NOMINAL_CHAIN,
    style.NOMINAL_OPENER: MarkKind.NOMINAL_CHAIN,
}


@dataclass(frozen=True, slots=True)
class Mark:
    """text[start:end] is the marked passage; `suggestion` is a plain alternative, if any."""

    start: int
    end: int
    kind: MarkKind
    code: str
    suggestion: str | None = None


@dataclass(frozen=True)
class Report:
    """Counts, scores and marks of one text. Scores of the other language are None.

    `hard_words` and `phw` follow the formulas (every word of 4+ syllables in Polish, 3+ in
    English, numbers and acronyms excepted); hard-word marks skip names and very common words.
    """

    language: Language
    sentences: int
    words: int
    syllables: int
    hard_words: int
    asl: float  # words per sentence
    phw: float  # percentage of hard words
    level: Level
    fog_pl: float | None = None
    pisarek_linear: float | None = None
    pisarek_nonlinear: float | None = None
    flesch_reading_ease: float | None = None
    flesch_kincaid_grade: float | None = None
    marks: tuple[Mark, ...] = ()

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words if self.words else 0.0

    @property
    def primary_metric(self) -> str:
        """Which score to show first: "fog_pl" for Polish, "flesch_reading_ease" for English."""
        return "fog_pl" if self.language == "pl" else "flesch_reading_ease"

    @property
    def primary_score(self) -> float | None:
        return self.fog_pl if self.language == "pl" else self.flesch_reading_ease

    def target_met(self, target: float | None = None) -> bool:
        """FOG-PL at most `target` (default 10), or Flesch at least `target` (default 60)."""
        score = self.primary_score
        if score is None:
            return False  # nothing to read is not plain writing
        goal = scores.DEFAULT_TARGETS[self.language] if target is None else target
        return score <= goal if self.language == "pl" else score >= goal


def analyze(text: str, language: str, *, extra_glossary: Glossary | None = None) -> Report:
    """Score `text` and mark what makes it hard; `extra_glossary` adds a city's own phrases."""
    lang = normalize_language(language)
    seg = segment(text, lang)
    glossary = _glossary(lang, extra_glossary)
    syllables = [count_syllables(word, lang) for word in seg.lowers]
    threshold = scores.HARD_WORD_SYLLABLES[lang]
    hard = [
        count >= threshold and _may_be_hard(word.text)
        for word, count in zip(seg.words, syllables, strict=True)
    ]
    marks = [
        *_sentence_marks(seg),
        *_hard_word_marks(seg, hard, lang),
        *_span_marks(seg, style.find_passives(seg, lang)),
        *_glossary_marks(seg, glossary),
    ]
    if lang == "pl":
        marks.extend(_span_marks(seg, style.find_nominal_chains(seg)))
    marks.sort(key=lambda m: (m.start, m.end, m.kind, m.code))
    return _report(lang, seg, sum(syllables), sum(hard), tuple(marks))


def _report(
    lang: Language, seg: Segmentation, syllables: int, hard: int, marks: tuple[Mark, ...]
) -> Report:
    sentences, words = len(seg.sentences), len(seg.words)
    if not words:
        return Report(lang, 0, 0, 0, 0, 0.0, 0.0, Level.EMPTY)
    asl = words / sentences
    phw = 100 * hard / words
    counts = (lang, sentences, words, syllables, hard, asl, phw)
    if lang == "pl":
        fog = scores.fog_pl(asl, phw)
        return Report(
            *counts,
            level=scores.fog_pl_level(fog),
            fog_pl=fog,
            pisarek_linear=scores.pisarek_linear(asl, phw),
            pisarek_nonlinear=scores.pisarek_nonlinear(asl, phw),
            marks=marks,
        )
    spw = syllables / words
    ease = scores.flesch_reading_ease(asl, spw)
    return Report(
        *counts,
        level=scores.flesch_level(ease),
        flesch_reading_ease=ease,
        flesch_kincaid_grade=scores.flesch_kincaid_grade(asl, spw),
        marks=marks,
    )


def _glossary(lang: Language, extra: Glossary | None) -> Glossary:
    builtin = load_glossary(lang)
    if extra is None:
        return builtin
    if extra.language != lang:
        raise ValueError(f"extra_glossary is for {extra.language!r}, the text is {lang!r}")
    return _merged(builtin, extra)


@functools.lru_cache(maxsize=16)
def _merged(builtin: Glossary, extra: Glossary) -> Glossary:
    # Glossaries hash by identity, so a city glossary loaded once is merged (and indexed) once.
    return builtin.merged(extra)


def _may_be_hard(word: str) -> bool:
    """Numbers and acronyms never count as hard words, however they are read aloud."""
    if _DIGIT.search(word):
        return False
    return not (len(word) <= _ACRONYM_MAX and len(word) > 1 and word.isupper())


def _sentence_marks(seg: Segmentation) -> list[Mark]:
    return [
        Mark(
            sentence.start,
            sentence.end,
            MarkKind.LONG_SENTENCE,
            "sentence.very_long"
            if sentence.word_count > VERY_LONG_SENTENCE_WORDS
            else "sentence.long",
        )
        for sentence in seg.sentences
        if sentence.word_count > LONG_SENTENCE_WORDS
    ]


def _hard_word_marks(seg: Segmentation, hard: list[bool], lang: Language) -> list[Mark]:
    marks = []
    for i, word in enumerate(seg.words):
        if not hard[i] or (word.text[0].isupper() and not seg.starts[i]):
            continue  # a capital inside a sentence is a name the writer cannot change
        if _too_common(word.lower, lang):
            continue
        marks.append(Mark(word.start, word.end, MarkKind.HARD_WORD, "word.hard"))
    return marks


def _too_common(word: str, lang: Language) -> bool:
    if lang == "pl":
        return lexicon.PL_COMMON_LONG.match(word) is not None
    if word in lexicon.EN_COMMON_LONG:
        return True
    # Gunning: a word made long only by -ed, -es or -ing ("created", "decided") is not hard.
    for suffix in ("ed", "es", "ing"):
        if word.endswith(suffix) and count_syllables(word[: -len(suffix)], "en") < 3:
            return True
    return False


def _span_marks(seg: Segmentation, spans: list[style.Span]) -> list[Mark]:
    return [
        Mark(seg.words[first].start, seg.words[stop - 1].end, MARK_CODES[code], code)
        for first, stop, code in spans
    ]


def _glossary_marks(seg: Segmentation, glossary: Glossary) -> list[Mark]:
    return [
        Mark(
            seg.words[first].start,
            seg.words[stop - 1].end,
            MarkKind.OFFICIALESE,
            "officialese.remove" if entry.plain is None else "officialese.replace",
            entry.plain,
        )
        for first, stop, entry in glossary.index.find(seg.lowers, seg.linked)
    ]
