"""Plain-language checks for editors: the analyzer's report as words, marked text and advice.

Also the publishing gate: a consultation summary above the target level needs a confirmation,
and the confirmation is noted (who, score, target).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal
from markupsafe import Markup, escape
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation import i18n
from deliberation.events import catalogue as ev
from deliberation.events import record
from deliberation.i18n import _l
from deliberation.models import Consultation
from deliberation.models.report import ReadabilityConfirmation
from deliberation.readability import (
    DEFAULT_TARGETS,
    MARK_CODES,
    Level,
    Mark,
    MarkKind,
    Report,
    analyze,
    city_glossary,
)

MAX_TEXT = 50_000
DEFAULT_TARGET = 10.0

LEVEL_LABELS: dict[Level, Any] = {
    Level.EMPTY: _l("no text yet"),
    Level.VERY_EASY: _l("very easy"),
    Level.EASY: _l("easy"),
    Level.FAIRLY_EASY: _l("fairly easy"),
    Level.PLAIN: _l("plain"),
    Level.FAIRLY_HARD: _l("fairly hard"),
    Level.HARD: _l("hard"),
    Level.VERY_HARD: _l("very hard"),
}
MARK_LABELS: dict[str, Any] = {
    "sentence.long": _l("Long sentence (over 20 words)"),
    "sentence.very_long": _l("Very long sentence (over 30 words)"),
    "word.hard": _l("Hard word"),
    "passive.zostac": _l("Passive voice (zostać + participle)"),
    "passive.byc": _l("Passive voice (być + participle)"),
    "passive.impersonal": _l("Impersonal form (-no, -to)"),
    "passive.be": _l("Passive voice"),
    "officialese.replace": _l("Officialese"),
    "officialese.remove": _l("Officialese you can leave out"),
    "nominal.chain": _l("Chain of nouns"),
    "nominal.opener": _l("A noun where a verb would do"),
}
ADVICE: dict[MarkKind, Any] = {
    MarkKind.LONG_SENTENCE: _l("Split it into shorter sentences of up to 20 words."),
    MarkKind.HARD_WORD: _l("Use a shorter, more common word if there is one."),
    MarkKind.PASSIVE: _l("Say who does it: use an active verb."),
    MarkKind.OFFICIALESE: _l("Use a common word instead."),
    MarkKind.NOMINAL_CHAIN: _l("Use a verb instead of nouns ending in -anie, -enie."),
}
# When inline marks overlap, the most useful one is shown.
_PRIORITY = {
    MarkKind.OFFICIALESE: 0,
    MarkKind.PASSIVE: 1,
    MarkKind.NOMINAL_CHAIN: 2,
    MarkKind.HARD_WORD: 3,
}
if set(MARK_LABELS) != set(MARK_CODES):
    raise RuntimeError(f"mark codes without a label: {set(MARK_CODES) - set(MARK_LABELS)}")


@dataclass(frozen=True)
class Note:
    number: int
    code: str
    kind: str
    label: str
    passage: str
    advice: str
    suggestion: str | None


@dataclass(frozen=True)
class Check:
    report: Report
    language: str
    level: str
    target: float
    target_met: bool
    scores: list[tuple[str, str]]
    asl: str
    marked: Markup
    notes: list[Note]


def format_score(value: float) -> str:
    """12.34 -> "12,3" in Polish, "12.3" in English."""
    return format_decimal(round(value, 1), format="0.0", locale=i18n.get_language())


def normalize_language(language: str | None, default: str = "pl") -> str:
    return language if language in ("pl", "en") else default


def _score_rows(report: Report) -> list[tuple[str, float | None]]:
    if report.language == "pl":  # never Flesch for Polish: its constants are English
        return [
            ("FOG-PL", report.fog_pl),
            (str(_l("Pisarek index")), report.pisarek_linear),
        ]
    return [
        (str(_l("Flesch Reading Ease")), report.flesch_reading_ease),
        (str(_l("Flesch–Kincaid grade")), report.flesch_kincaid_grade),
    ]


def _inline(marks: tuple[Mark, ...], outer: list[Mark]) -> list[Mark]:
    chosen: list[Mark] = []
    candidates = sorted(
        (m for m in marks if m.kind is not MarkKind.LONG_SENTENCE),
        key=lambda m: (_PRIORITY[m.kind], m.start),
    )
    for mark in candidates:
        if any(mark.start < c.end and c.start < mark.end for c in chosen):
            continue
        if any(
            o.start < mark.end
            and mark.start < o.end
            and not (o.start <= mark.start and mark.end <= o.end)
            for o in outer
        ):
            continue  # crosses a sentence edge: cannot nest
        chosen.append(mark)
    return sorted(chosen, key=lambda m: m.start)


def _note(number: int, mark: Mark, text: str) -> Note:
    advice = ADVICE[mark.kind]
    if mark.code == "officialese.remove":
        advice = _l("Leave it out.")
    elif mark.suggestion:
        advice = _l("Write: %(suggestion)s", suggestion=mark.suggestion)
    passage = text[mark.start : mark.end]
    if len(passage) > 80:
        passage = passage[:77] + "…"
    return Note(
        number=number,
        code=mark.code,
        kind=mark.kind.value,
        label=str(MARK_LABELS[mark.code]),
        passage=passage,
        advice=str(advice),
        suggestion=mark.suggestion,
    )


def _mark_html(
    text: str, mark: Mark, number: int, prefix: str, inner: Markup | None = None
) -> Markup:
    body = inner if inner is not None else escape(text[mark.start : mark.end])
    return Markup(
        '<mark class="rl rl-{kind}" id="{prefix}-mark-{n}">'
        '<span class="visually-hidden">{label}: </span>{body}'
        '<sup class="rl-ref"><a href="#{prefix}-note-{n}" aria-label="{label} {n}">{n}</a></sup>'
        "</mark>"
    ).format(kind=mark.kind.value, prefix=prefix, n=number, label=MARK_LABELS[mark.code], body=body)


def _render(
    text: str, outer: list[Mark], inner: list[Mark], prefix: str
) -> tuple[Markup, list[Note]]:
    """The text with <mark>s: long sentences wrap their inner marks; notes numbered in order."""
    notes: list[Note] = []
    numbers: dict[Mark, int] = {}
    for mark in sorted([*outer, *inner], key=lambda m: (m.start, -m.end)):
        numbers[mark] = len(numbers) + 1
        notes.append(_note(numbers[mark], mark, text))

    def span(start: int, end: int, marks: list[Mark]) -> Markup:
        out = Markup()
        pos = start
        for mark in marks:
            if mark.start < start or mark.end > end:
                continue
            out += escape(text[pos : mark.start])
            out += _mark_html(text, mark, numbers[mark], prefix)
            pos = mark.end
        return out + escape(text[pos:end])

    html = Markup()
    pos = 0
    for sentence in outer:
        html += span(pos, sentence.start, inner)
        html += _mark_html(
            text, sentence, numbers[sentence], prefix, span(sentence.start, sentence.end, inner)
        )
        pos = sentence.end
    html += span(pos, len(text), inner)
    return html, notes


def _analyze(text: str, language: str, glossary_path: str | None) -> Report:
    return analyze(text, language, extra_glossary=city_glossary(glossary_path, language))


def check(
    text: str,
    language: str,
    *,
    target: float | None = None,
    prefix: str = "rl",
    glossary_path: str | None = None,
) -> Check:
    """Analyze ``text`` for an editor: level in words, scores, marked text and numbered notes.

    ``glossary_path`` (DELIBERATION_GLOSSARY_PATH) adds the city's own officialese."""
    text = text[:MAX_TEXT]
    report = _analyze(text, language, glossary_path)
    outer: list[Mark] = []
    for mark in report.marks:
        if mark.kind is MarkKind.LONG_SENTENCE and not any(
            o.start < mark.end and mark.start < o.end for o in outer
        ):
            outer.append(mark)
    marked, notes = _render(text, outer, _inline(report.marks, outer), prefix)
    goal = target if target is not None and report.language == "pl" else None
    resolved = goal if goal is not None else DEFAULT_TARGETS[report.language]
    return Check(
        report=report,
        language=report.language,
        level=str(LEVEL_LABELS[report.level]),
        target=resolved,
        target_met=report.target_met(resolved),
        scores=[
            (name, "–" if value is None else format_score(value))
            for name, value in _score_rows(report)
        ],
        asl=format_score(report.asl),
        marked=marked,
        notes=notes,
    )


# --- the publishing gate ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishCheck:
    score: float | None
    metric: str
    target: float
    level: str

    @property
    def score_text(self) -> str:
        return "–" if self.score is None else format_score(self.score)

    @property
    def needs_confirmation(self) -> bool:
        return self.score is not None and self.score > self.target


def check_publish_readability(
    consultation: Consultation,
    *,
    target: float = DEFAULT_TARGET,
    language: str = "pl",
    glossary_path: str | None = None,
) -> PublishCheck:
    """Is the consultation's summary at or below the FOG-PL target? (Pure: nothing is stored.)"""
    report = _analyze(consultation.summary or "", language, glossary_path)
    return PublishCheck(
        score=report.primary_score,
        metric=report.primary_metric,
        target=target,
        level=str(LEVEL_LABELS[report.level]),
    )


def note_confirmation(
    session: AsyncSession, consultation: Consultation, result: PublishCheck, user_id: int | None
) -> ReadabilityConfirmation:
    """Stage who published a summary above the target, and its score (the caller commits).

    Emits consultation.readability_confirmed after the commit.
    """
    row = ReadabilityConfirmation(
        consultation_id=consultation.id,
        field="summary",
        metric=result.metric,
        score=round(result.score or 0.0, 2),
        target=result.target,
        confirmed_by_id=user_id,
    )
    session.add(row)
    record(
        session,
        ev.ReadabilityConfirmed(
            consultation_id=consultation.id, score=row.score, target=result.target
        ),
    )
    return row
