"""Results of one question for people: an accessible SVG bar chart and one plain sentence.

The chart, the table beside it and the sentence all take their numbers from result_rows.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from deliberation.i18n import _, get_language, ngettext
from deliberation.i18n import language as active_language
from surveys.definition import OTHER, OTHER_LABEL, ChoiceQuestion, ScaleQuestion

TEXT_COLOUR = "#1b1b1b"  # 17.2:1 on white
BAR_COLOUR = "#1d5fa8"  # 6.5:1 on white, so it also passes as a text colour
BACKGROUND = "#ffffff"  # drawn, so the contrast holds on a dark page too

_WIDTH, _PAD, _ROW, _BAR, _VALUE_SPACE, _MAX_LABEL = 640, 16, 52, 20, 120, 80
# Characters XML 1.0 forbids even when escaped: one in a label would make the SVG unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class ResultRow:
    label: str
    count: int
    share: float  # of all respondents to the question, 0 to 1
    percent: str  # formatted for the language, e.g. "62%"
    count_text: str  # formatted for the language, e.g. "1 234"


def result_rows(
    labels_and_counts: Sequence[tuple[str, int]], total: int, language: str | None = None
) -> list[ResultRow]:
    """The numbers behind a chart, for the table that repeats them and for the reading."""
    lang = language or get_language()
    if total < 0 or any(count < 0 or count > total for _label, count in labels_and_counts):
        raise ValueError(f"counts must be between 0 and the total {total}")
    return [
        ResultRow(
            label,
            count,
            count / total if total else 0.0,
            _percent(count, total, lang),
            format_decimal(count, locale=lang),
        )
        for label, count in labels_and_counts
    ]


def _percent(count: int, total: int, lang: str) -> str:
    share = count / total if total else 0.0
    # A rounded figure must not say something false: 0% for a few, 100% for not all, or 50%
    # for a majority. One decimal usually settles it; if not, say which side of the line.
    for decimals, pattern in ((0, "#,##0%"), (1, "#,##0.0%")):
        shown = round(share * 100, decimals)
        misleading = (
            (shown == 0 and count > 0)
            or (shown == 100 and count < total)
            or (shown == 50 and count * 2 != total)
        )
        if not misleading:
            return format_percent(share, pattern, locale=lang)
    edge = 0.001 if shown == 0 else 0.999 if shown == 100 else 0.5
    return ("<" if share < edge else ">") + format_percent(edge, "#,##0.#%", locale=lang)


def bar_chart_svg(
    title: str,
    description: str,
    labels_and_counts: Sequence[tuple[str, int]],
    *,
    total: int,
    language: str | None = None,
    chart_id: str | None = None,
) -> str:
    """A self-contained SVG of horizontal bars, one per label, with percentages as text.

    Screen readers announce it as one image named by its <title> and <desc>; the same numbers
    go in a table beside it (see result_rows). chart_id must be unique on the page; by default
    it is derived from the content. No scripts, styles or external references.
    """
    rows = result_rows(labels_and_counts, total, language)
    if chart_id is None:
        digest = hashlib.sha256(repr((title, description, rows)).encode()).hexdigest()
        chart_id = f"chart-{digest[:12]}"
    elif not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart_id {chart_id!r} is not a valid XML id")
    height = _PAD * 2 + _ROW * max(len(rows), 1)
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {_WIDTH} {height}",
            "width": "100%",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "font-family": "system-ui, sans-serif",
            "font-size": "14",
        },
    )
    ET.SubElement(svg, "title", id=f"{chart_id}-title").text = _xml_text(title)
    ET.SubElement(svg, "desc", id=f"{chart_id}-desc").text = _xml_text(description)
    background = {"width": str(_WIDTH), "height": str(height), "fill": BACKGROUND}
    ET.SubElement(svg, "rect", background)
    for index, row in enumerate(rows):
        _draw_row(svg, row, _PAD + index * _ROW)
    return ET.tostring(svg, encoding="unicode")


def _draw_row(svg: ET.Element, row: ResultRow, top: int) -> None:
    full = _WIDTH - 2 * _PAD - _VALUE_SPACE
    label = _xml_text(row.label)
    if len(label) > _MAX_LABEL:  # the table beside the chart carries the full label
        label = label[: _MAX_LABEL - 1].rstrip() + "…"
    text = {"x": str(_PAD), "y": str(top + 14), "fill": TEXT_COLOUR}
    ET.SubElement(svg, "text", text).text = label
    # A sliver for any count above zero, so "a few" never looks like "none".
    width = max(round(row.share * full), 2) if row.count else 0
    bar = {"x": str(_PAD), "y": str(top + 22), "height": str(_BAR), "fill": BAR_COLOUR}
    ET.SubElement(svg, "rect", {**bar, "width": str(width)})
    value = {"x": str(_PAD + width + 8), "y": str(top + 37), "fill": TEXT_COLOUR}
    ET.SubElement(svg, "text", value).text = f"{row.percent} ({row.count_text})"


def _xml_text(text: str) -> str:
    # ElementTree escapes markup characters; it does not drop characters XML cannot hold.
    return _NOT_XML.sub("", text)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def plain_reading(
    question_title: str,
    labels_and_counts: Sequence[tuple[str, int]],
    total: int,
    language: str,
) -> str:
    """One plain sentence on the most chosen answer, e.g. "Most respondents (62%) chose “Yes”."

    The sentence sits under the question, so it names the answer, not question_title.
    """
    with active_language(language):
        if total == 0:
            return _("Nobody has answered this question yet.")
        rows = result_rows(labels_and_counts, total, language)
        top = max((row.count for row in rows), default=0)
        if top == 0:
            return _("No one chose any of the options.")
        leaders = [row for row in rows if row.count == top]
        quoted = [_("“%(label)s”", label=row.label) for row in leaders]
        params = {"percent": leaders[0].percent, "labels": format_list(quoted, locale=language)}
        majority = top * 2 > total
        if len(leaders) == 1 and majority:
            return _("Most respondents (%(percent)s) chose %(labels)s.", **params)
        if len(leaders) == 1:
            return _("The largest group of respondents (%(percent)s) chose %(labels)s.", **params)
        if majority:  # a tie above half needs a question that allows several answers
            return _("Most respondents chose %(labels)s (%(percent)s each).", **params)
        return _("The largest groups of respondents chose %(labels)s (%(percent)s each).", **params)


def mean_reading(question: ScaleQuestion, counts: Mapping[int, int], language: str) -> str:
    """One sentence with the average rating of a scale question; counts maps value to count."""
    if any(not question.min <= value <= question.max or n < 0 for value, n in counts.items()):
        raise ValueError(f"scale values must lie between {question.min} and {question.max}")
    with active_language(language):
        answered = sum(counts.values())
        if answered == 0:
            return _("Nobody has answered this question yet.")
        mean = sum(value * n for value, n in counts.items()) / answered
        return ngettext(
            "The average rating is %(mean)s on a scale from %(min)s (“%(min_label)s”) "
            "to %(max)s (“%(max_label)s”), from %(count)s answer.",
            "The average rating is %(mean)s on a scale from %(min)s (“%(min_label)s”) "
            "to %(max)s (“%(max_label)s”), from %(count)s answers.",
            answered,
            mean=format_decimal(mean, "0.0", locale=language),
            min=question.min,
            max=question.max,
            min_label=question.min_label,
            max_label=question.max_label,
            count=format_decimal(answered, locale=language),
        )


def count_choices(question: ChoiceQuestion, answers: Iterable[Any]) -> list[tuple[str, int]]:
    """Labels and counts in the survey's order, "Other" last, from clean answers to one question."""
    counts = dict.fromkeys(question.option_keys(), 0)
    for answer in answers:
        for item in answer if isinstance(answer, list) else [answer]:
            key = OTHER if isinstance(item, dict) else item
            # An answer kept from an older version may name an option that is gone.
            if isinstance(key, str) and key in counts:
                counts[key] += 1
    labels = {option.key: option.label for option in question.options}
    return [(labels.get(key) or str(OTHER_LABEL), n) for key, n in counts.items()]


def count_scale(question: ScaleQuestion, answers: Iterable[Any]) -> dict[int, int]:
    """How many chose each value of a scale, every value present, from clean answers."""
    counts = dict.fromkeys(range(question.min, question.max + 1), 0)
    for answer in answers:
        if type(answer) is int and answer in counts:  # bool is an int, and True == 1
            counts[answer] += 1
    return counts
