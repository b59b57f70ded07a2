"""HTML form submissions of a survey turned into the answers mapping that validation checks.

Field names: q_<key>, q_<key>_other, q_<key>__<row> (matrix), q_<key>_rank_<option> (ranking).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

from babel.numbers import NumberFormatError, parse_decimal

from deliberation.i18n import get_language
from surveys.definition import (
    OTHER,
    ChoiceQuestion,
    MatrixQuestion,
    NumberQuestion,
    Question,
    RankingQuestion,
    ScaleQuestion,
    SingleChoiceQuestion,
    Survey,
)
from surveys.validation import _is_blank, _walk


class MultiItems(Protocol):
    """A form with repeated keys, such as Starlette's FormData."""

    def multi_items(self) -> list[tuple[str, Any]]: ...


def normalize_form_data(
    definition: Survey, form: MultiItems | Iterable[tuple[str, Any]], *, drop_hidden: bool = False
) -> dict[str, Any]:
    """Turn an HTML form submission into the answers mapping that validate_answers checks.

    Fields: q_<key> (repeated for multiple choice), q_<key>_other, q_<key>__<row> (matrix),
    q_<key>_rank_<option> (ranking, the place as a number). Empty fields mean "no answer";
    values that do not parse are kept as sent so validation can name the problem. With
    drop_hidden, answers to questions that the other answers hide are dropped, for forms shown
    without JavaScript, where every question is on the page.
    """
    pairs = form.multi_items() if hasattr(form, "multi_items") else form
    fields: dict[str, dict[tuple[str, str], list[Any]]] = {}
    for name, value in pairs:
        if name.startswith("q_"):
            key, part = _split_field(name[2:])
            fields.setdefault(key, {}).setdefault(part, []).append(value)
    questions = {question.key: question for question in definition.questions()}
    answers: dict[str, Any] = {}
    for key, parts in fields.items():
        question = questions.get(key)
        value = _from_form(question, parts) if question else _one(parts.get(("", ""), []))
        if not _is_blank(value, strict=True):
            answers[key] = value
    if drop_hidden:
        # Undecided answers stay: they wait on an earlier answer the respondent must fix first.
        walk = _walk(definition, answers)
        kept = {question.key for question in walk.questions} | walk.undecided
        answers = {k: v for k, v in answers.items() if k in kept or k not in questions}
    return answers


def _split_field(rest: str) -> tuple[str, tuple[str, str]]:
    # Keys contain no underscores (see definition.Key), so these splits cannot be ambiguous.
    if "__" in rest:
        key, row = rest.split("__", 1)
        return key, ("row", row)
    key, sep, option = rest.partition("_rank_")
    if sep:
        return key, ("rank", option)
    if rest.endswith("_other"):
        return rest.removesuffix("_other"), ("other", "")
    return rest, ("", "")


def _one(values: list[Any]) -> Any:
    """One field's value; several values for a one-value field go on as a list, to be refused."""
    filled = [value for value in values if value != ""]
    return filled[0] if len(filled) == 1 else filled


def _from_form(question: Question, parts: dict[tuple[str, str], list[Any]]) -> Any:
    main = [value for value in parts.get(("", ""), []) if value != ""]
    if isinstance(question, ChoiceQuestion):
        other = _one(parts.get(("other", ""), [])) if question.allow_other else []
        typed_other = isinstance(other, str) and bool(other.strip())
        if isinstance(question, SingleChoiceQuestion):
            # Text typed into the "other" box without ticking it still means "other".
            if question.allow_other and (main == [OTHER] or (not main and typed_other)):
                return {OTHER: other if isinstance(other, str) else ""}
            return _one(main)
        picked_other = question.allow_other and OTHER in main
        chosen = [
            {OTHER: other or ""} if value == OTHER and picked_other else value for value in main
        ]
        if typed_other and not picked_other:
            chosen.append({OTHER: other})
        return chosen
    if isinstance(question, RankingQuestion | MatrixQuestion):
        kind = "rank" if isinstance(question, RankingQuestion) else "row"
        convert = _parse_int if kind == "rank" else (lambda value: value)
        subs = {sub: _one(values) for (k, sub), values in parts.items() if k == kind}
        return {sub: convert(value) for sub, value in subs.items() if value != []}
    value = _one(main)
    if isinstance(question, ScaleQuestion):
        return _parse_int(value)
    if isinstance(question, NumberQuestion):
        return _parse_number(value)
    return value


def _parse_int(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        return int(value)
    return value


def _parse_number(value: Any) -> Any:
    """A typed number, read with the active language's decimal sign (Polish: 1,5)."""
    if not isinstance(value, str):
        return value
    compact = "".join(value.split())  # "1 000" with any kind of space as a thousands separator
    if len(compact) > 40:  # Python refuses to parse ints past 4300 digits; no survey needs 40
        return value
    if re.fullmatch(r"-?\d+", compact):
        return int(compact)
    if re.fullmatch(r"-?\d+\.\d+", compact):  # what <input type="number"> always sends
        return float(compact)
    try:
        number = parse_decimal(compact, locale=get_language(), strict=True)
    except NumberFormatError:
        return value
    if not number.is_finite():
        return value
    return int(number) if number == number.to_integral_value() else float(number)


def keep_visible(definition: Survey, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers to questions still shown (or waiting on a fix); a draft drops the rest."""
    walk = _walk(definition, answers)
    kept = {question.key for question in walk.questions} | walk.undecided
    return {key: value for key, value in answers.items() if key in kept}
