"""Helpers the survey templates call: what a field holds, and conditions in words."""

from __future__ import annotations

from typing import Any

from deliberation.i18n import _l, gettext
from surveys import definition as d
from surveys.definition import OTHER
from surveys.validation import visible_questions


def chosen(answers: dict[str, Any], key: str) -> set[str]:
    """The option keys currently chosen for a choice question ("other" included)."""
    value = answers.get(key)
    items = value if isinstance(value, list) else [value] if value is not None else []
    return {OTHER if isinstance(item, dict) else str(item) for item in items}


def other_text(answers: dict[str, Any], key: str) -> str:
    value = answers.get(key)
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            return str(item.get(OTHER, ""))
    return ""


def text_value(answers: dict[str, Any], key: str) -> str:
    value = answers.get(key)
    if value is None or isinstance(value, list | dict):
        return ""
    return str(value)


def places(answers: dict[str, Any], key: str) -> dict[str, Any]:
    """Ranking: option -> place, from a stored list or a form's mapping."""
    value = answers.get(key)
    if isinstance(value, list):
        return {option: index + 1 for index, option in enumerate(value)}
    return dict(value) if isinstance(value, dict) else {}


def cells(answers: dict[str, Any], key: str) -> dict[str, Any]:
    value = answers.get(key)
    return dict(value) if isinstance(value, dict) else {}


def _label(question: d.Question | None, value: Any) -> str:
    if isinstance(question, d.SingleChoiceQuestion | d.MultipleChoiceQuestion):
        if value == OTHER:
            return str(d.OTHER_LABEL)
        for option in question.options:
            if option.key == value:
                return option.label
    return str(value)


def condition_text(definition: d.Survey, condition: d.Condition | None) -> str:
    """'Answer only if you chose “Yes” in “Do you visit the park?”' for pages without JS."""
    if condition is None:
        return ""
    question = definition.question(condition.question)
    params = {
        "question": question.title if question else condition.question,
        "value": _label(question, condition.value),
    }
    if condition.operator == "not_equals":
        return gettext("Answer only if you did not choose “%(value)s” in “%(question)s”.", **params)
    return gettext("Answer only if you chose “%(value)s” in “%(question)s”.", **params)


def answer_text(question: d.Question, answer: Any) -> str:
    """A stored answer in words, for the review screen and exports."""
    if answer is None:
        return ""
    if isinstance(question, d.MatrixQuestion):
        rows = {o.key: o.label for o in question.rows}
        columns = {o.key: o.label for o in question.columns}
        return "; ".join(f"{rows.get(r, r)}: {columns.get(c, c)}" for r, c in answer.items())
    if isinstance(question, d.RankingQuestion):
        labels = {o.key: o.label for o in question.options}
        order = answer if isinstance(answer, list) else sorted(answer, key=answer.__getitem__)
        return "; ".join(f"{n}. {labels.get(k, k)}" for n, k in enumerate(order, start=1))
    items = answer if isinstance(answer, list) else [answer]
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(f"{d.OTHER_LABEL}: {item.get(OTHER, '')}")
        else:
            out.append(_label(question, item))
    return "; ".join(out)


def visible_keys(definition: d.Survey, answers: dict[str, Any]) -> set[str]:
    return {question.key for question in visible_questions(definition, answers)}


TYPE_LABELS = {
    "single_choice": _l("Single choice"),
    "multiple_choice": _l("Multiple choice"),
    "scale": _l("Rating scale"),
    "ranking": _l("Ranking"),
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "number": _l("Number"),
    "date": _l("Date"),
    "matrix": _l("Table (one choice per row)"),
}
STATUS_LABELS = {"draft": _l("draft"), "open": _l("open"), "closed": _l("closed")}


def type_label(kind: str) -> str:
    return str(TYPE_LABELS.get(kind, kind))


def survey_status(status: Any) -> str:
    return str(STATUS_LABELS.get(str(getattr(status, "value", status)), status))


HELPERS: dict[str, Any] = {
    "type_label": type_label,
    "survey_status": survey_status,
    "visible_keys": visible_keys,
    "chosen": chosen,
    "other_text": other_text,
    "text_value": text_value,
    "places": places,
    "cells": cells,
    "condition_text": condition_text,
    "answer_text": answer_text,
    "display_order": d.display_order,
}
