"""Clean answers as countable rows: one per (question, item), so results are a GROUP BY.

| type            | item                    | value        | num        | text         |
|-----------------|-------------------------|--------------|------------|--------------|
| single choice   | option key or "other"   |              |            | other text   |
| multiple choice | one row per chosen key  |              |            | other text   |
| scale           | the value as text       |              | the value  |              |
| ranking         | one row per option key  | place (text) | place      |              |
| short/long text |                         |              |            | the text     |
| number          |                         |              | the number |              |
| date            |                         | ISO date     |            |              |
| matrix          | one row per row key     | column key   |            |              |
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from surveys.definition import OTHER, Survey


@dataclass(frozen=True)
class Row:
    question: str
    item: str = ""
    value: str = ""
    num: float | None = None
    text: str | None = None


TEXT_TYPES = frozenset({"short_text", "long_text"})
# Types with several rows per respondent: totals need COUNT(DISTINCT response_id).
MULTI_ROW_TYPES = frozenset({"multiple_choice", "ranking", "matrix"})


def answer_rows(definition: Survey, answers: Mapping[str, Any]) -> Iterator[Row]:
    for question in definition.questions():
        if question.key not in answers:
            continue
        yield from _rows(question.type, question.key, answers[question.key])


def _rows(kind: str, key: str, answer: Any) -> Iterator[Row]:
    if kind in ("single_choice", "multiple_choice"):
        for item in answer if isinstance(answer, list) else [answer]:
            if isinstance(item, dict):
                yield Row(key, OTHER, text=item[OTHER])
            else:
                yield Row(key, item)
    elif kind == "scale":
        yield Row(key, str(answer), num=answer)
    elif kind == "ranking":
        for place, option in enumerate(answer, start=1):
            yield Row(key, option, str(place), num=place)
    elif kind in TEXT_TYPES:
        yield Row(key, text=answer)
    elif kind == "number":
        yield Row(key, num=float(answer))
    elif kind == "date":
        yield Row(key, value=answer)
    elif kind == "matrix":
        for row, column in answer.items():
            yield Row(key, row, column)
    else:  # pragma: no cover - the definition allows no other type
        raise ValueError(f"unknown question type {kind}")
