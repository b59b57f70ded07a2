"""Results arranged for people: per question a chart, the same numbers as a table, a sentence.

Takes the database's counts (``surveys.results``) and the charts module's formatting; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from babel.numbers import format_decimal

from deliberation.i18n import get_language, gettext
from surveys import definition as d
from surveys.answers import TEXT_TYPES
from surveys.charts import ResultRow, bar_chart_svg, mean_reading, plain_reading, result_rows
from surveys.results import CHANNELS, QuestionCounts, Results, labels_of
from surveys.tallies import single_choice_keys


@dataclass
class QuestionView:
    question: d.Question
    total: int
    by_channel: dict[str, int]
    chart: str = ""
    rows: list[ResultRow] = field(default_factory=list)
    channel_rows: list[tuple[str, int, int]] = field(default_factory=list)  # label, online, paper
    reading: str = ""
    matrix: list[tuple[str, list[int]]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    crosstab: list[tuple[str, list[int], int]] = field(default_factory=list)  # group, counts, n
    crosstab_labels: list[str] = field(default_factory=list)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return format_decimal(round(value, 2), locale=get_language())


def question_views(results: Results) -> list[QuestionView]:
    lang = get_language()
    return [_view(results, c, lang) for c in results.questions]


def _items(c: QuestionCounts) -> list[tuple[str, str]]:
    """(item key, label) in the survey's order for charted questions."""
    q = c.question
    if isinstance(q, d.RankingQuestion):
        return [(o.key, o.label) for o in q.options]
    return list(labels_of(q).items())


def _view(results: Results, c: QuestionCounts, lang: str) -> QuestionView:
    q = c.question
    view = QuestionView(q, c.total, {ch: c.answered.get(ch, 0) for ch in CHANNELS})
    if isinstance(q, d.SingleChoiceQuestion | d.MultipleChoiceQuestion | d.ScaleQuestion):
        pairs = [(label, c.count(key)) for key, label in _items(c)]
        _chart(view, q.title, pairs, c.total, lang)
        view.channel_rows = [
            (label, c.count(key, "", "online"), c.count(key, "", "paper"))
            for key, label in _items(c)
        ]
        if isinstance(q, d.ScaleQuestion):
            counts = {int(key): c.count(key) for key, _label in _items(c)}
            view.reading = mean_reading(q, counts, lang)
        else:
            view.reading = plain_reading(q.title, pairs, c.total, lang)
        _crosstab(results, view, c)
    elif isinstance(q, d.RankingQuestion):
        pairs = [(label, c.count(key, "1")) for key, label in _items(c)]
        _chart(view, gettext("Ranked first"), pairs, c.total, lang)
        view.reading = plain_reading(q.title, pairs, c.total, lang)
        view.channel_rows = [
            (label, c.count(key, "1", "online"), c.count(key, "1", "paper"))
            for key, label in _items(c)
        ]
    elif isinstance(q, d.MatrixQuestion):
        view.columns = [column.label for column in q.columns]
        view.matrix = [
            (row.label, [c.count(row.key, column.key) for column in q.columns]) for row in q.rows
        ]
    elif isinstance(q, d.NumberQuestion) and c.total:
        view.reading = gettext(
            "Average %(mean)s, lowest %(low)s, highest %(high)s.",
            mean=_number(c.mean),
            low=_number(c.low),
            high=_number(c.high),
        )
    if q.type in TEXT_TYPES:
        view.quotes = c.quotes
    return view


def _chart(
    view: QuestionView, title: str, pairs: list[tuple[str, int]], total: int, lang: str
) -> None:
    view.rows = result_rows(pairs, total, lang)
    description = "; ".join(f"{row.label}: {row.percent} ({row.count_text})" for row in view.rows)
    view.chart = bar_chart_svg(
        title, description, pairs, total=total, language=lang, chart_id=f"chart-{view.question.key}"
    )


def _crosstab(results: Results, view: QuestionView, c: QuestionCounts) -> None:
    by = results.crosstab_by
    if by is None or by.key == c.question.key:
        return
    table = results.crosstab.get(c.question.key, {})
    items = _items(c)
    view.crosstab_labels = [label for _key, label in items]
    for group in [o for o in by.options] + (
        [d.Option(key=d.OTHER, label=str(d.OTHER_LABEL))] if by.allow_other else []
    ):
        cells = table.get(group.key, {})
        counts = [cells.get((key, ""), 0) for key, _label in items]
        view.crosstab.append((group.label, counts, sum(counts)))


def crosstab_choices(definition: d.Survey) -> list[tuple[str, str]]:
    groups = single_choice_keys(definition)
    return [(q.key, q.title) for q in definition.questions() if q.key in groups]


def summary_line(results: Results) -> dict[str, Any]:
    return {"total": results.total, **results.responses}
