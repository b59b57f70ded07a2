"""Answers to a survey: which questions a respondent sees, and whether the answers fit them.

Every problem becomes an AnswerError with a stable code and a message in the reader's language.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.support import LazyProxy

from deliberation.i18n import _l, get_language, ngettext
from surveys.definition import (
    OTHER,
    OTHER_MAX_LENGTH,
    ChoiceQuestion,
    Condition,
    DateQuestion,
    LongTextQuestion,
    MatrixQuestion,
    MultipleChoiceQuestion,
    NumberQuestion,
    Question,
    RankingQuestion,
    ScaleQuestion,
    Section,
    ShortTextQuestion,
    Survey,
)

# fmt: off
ErrorCode = Literal[
    "required", "unknown_question", "hidden_question", "wrong_type",
    "option_unknown", "duplicate_choice", "too_many_choices",
    "other_missing", "other_too_long", "other_not_allowed",
    "scale_out_of_range", "ranking_not_permutation",
    "not_a_number", "number_not_integer", "number_out_of_range",
    "date_invalid", "date_out_of_range", "text_too_long", "text_blank",
    "matrix_row_unknown", "matrix_column_unknown", "matrix_row_missing",
]
# fmt: on


@dataclass(frozen=True)
class AnswerError:
    question_key: str
    code: ErrorCode
    message: LazyProxy  # rendered in the language active when it is turned into a str


class AnswerErrors(Exception):
    """The answers do not fit the survey; `errors` lists each problem in question order."""

    def __init__(self, errors: Sequence[AnswerError]) -> None:
        self.errors = list(errors)
        super().__init__(", ".join(f"{e.question_key}: {e.code}" for e in self.errors))

    def by_question(self) -> dict[str, AnswerError]:
        return {error.question_key: error for error in reversed(self.errors)}


@dataclass(frozen=True)
class CleanAnswers(Mapping[str, Any]):
    """Answers in canonical JSON form, only for visible, answered questions."""

    answers: dict[str, Any]
    visible: tuple[str, ...] = field(default=())  # keys of every question the respondent saw

    def __getitem__(self, key: str) -> Any:
        return self.answers[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.answers)

    def __len__(self) -> int:
        return len(self.answers)


class _Invalid(Exception):
    def __init__(self, code: ErrorCode, message: LazyProxy) -> None:
        self.code, self.message = code, message


def _later(render: Callable[[], str]) -> LazyProxy:
    """Text made when it is shown, in the language active then.

    Plural messages use it around a literal ngettext call, which pybabel extracts with its
    default keywords (a helper of our own would need an extra -k option everywhere).
    """
    return LazyProxy(render, enable_cache=False)


def _number(value: float) -> LazyProxy:
    return _later(lambda: format_decimal(value, locale=get_language()))


def _date(value: datetime.date) -> LazyProxy:
    return _later(lambda: format_date(value, "long", locale=get_language()))


def _wrong_type() -> _Invalid:
    return _Invalid("wrong_type", _l("This answer has the wrong format."))


def _option_unknown() -> _Invalid:
    return _Invalid("option_unknown", _l("The chosen option does not belong to this question."))


# Questions, sections and conditions -----------------------------------------------------------


def _holds(condition: Condition | None, walk: _Walk) -> bool | None:
    """Whether a condition is met; None when it rests on an answer that was invalid.

    An unanswered or hidden question meets no condition, not even not_equals: a follow-up to
    "anything but yes" waits until there is an answer.
    """
    if condition is None:
        return True
    if condition.question in walk.undecided:
        return None
    if condition.question not in walk.clean:
        return False
    answer = walk.clean[condition.question]
    if condition.operator == "includes":
        chosen = [_choice_key(item) for item in answer] if isinstance(answer, list) else []
        return condition.value in chosen
    matches = _choice_key(answer) == condition.value
    return matches if condition.operator == "equals" else not matches


def _choice_key(item: Any) -> Any:
    return OTHER if isinstance(item, dict) else item


@dataclass
class _Walk:
    sections: list[Section] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    clean: dict[str, Any] = field(default_factory=dict)
    errors: list[AnswerError] = field(default_factory=list)
    # Questions with an invalid or missing required answer, or whose visibility hangs on one:
    # until the respondent fixes that, nobody can tell whether they apply, so no "hidden" error.
    undecided: set[str] = field(default_factory=set)


def _walk(definition: Survey, answers: Mapping[str, Any]) -> _Walk:
    # Conditions look only backwards, so one pass in order decides every question.
    walk = _Walk()
    for section in definition.sections:
        section_shown = _holds(section.condition, walk)
        if section_shown:
            walk.sections.append(section)
        for question in section.questions:
            shown = section_shown and _holds(question.condition, walk)
            if shown:
                walk.questions.append(question)
                _check(walk, question, answers.get(question.key))
            elif shown is None:
                walk.undecided.add(question.key)
    known = {question.key for question in definition.questions()}
    seen = {question.key for question in walk.questions} | walk.undecided
    for key, raw in answers.items():
        if key not in known:
            message = _l("This survey has no such question.")
            walk.errors.append(AnswerError(key, "unknown_question", message))
        elif key not in seen and not _is_blank(raw, strict=False):
            message = _l("This question does not apply after your earlier answers. Leave it empty.")
            walk.errors.append(AnswerError(key, "hidden_question", message))
    return walk


def _check(walk: _Walk, question: Question, raw: Any) -> None:
    try:
        value = None if _is_blank(raw, strict=True) else _CLEANERS[question.type](question, raw)
    except _Invalid as invalid:
        walk.errors.append(AnswerError(question.key, invalid.code, invalid.message))
        walk.undecided.add(question.key)
        return
    if value is not None:
        walk.clean[question.key] = value
    elif question.required:
        message = _l("Please answer this question.")
        walk.errors.append(AnswerError(question.key, "required", message))
        walk.undecided.add(question.key)


def _is_blank(raw: Any, *, strict: bool) -> bool:
    """No answer; unless strict, also a whitespace-only string (as an empty browser field sends)."""
    if raw is None or (isinstance(raw, str | list | dict) and len(raw) == 0):
        return True
    return not strict and isinstance(raw, str) and not raw.strip()


def visible_sections(definition: Survey, answers: Mapping[str, Any]) -> list[Section]:
    """The sections shown to a respondent who has given these answers so far."""
    return _walk(definition, answers).sections


def visible_questions(definition: Survey, answers: Mapping[str, Any]) -> list[Question]:
    """The questions shown, in order, to a respondent who has given these answers so far."""
    return _walk(definition, answers).questions


def validate_answers(definition: Survey, answers: Mapping[str, Any]) -> CleanAnswers:
    """Check a whole submission; raises AnswerErrors listing every problem."""
    walk = _walk(definition, answers)
    if walk.errors:
        raise AnswerErrors(walk.errors)
    return CleanAnswers(walk.clean, tuple(question.key for question in walk.questions))


# One cleaner per question type: raise _Invalid, return None for "no answer", or the value -----


def _clean_other(question: ChoiceQuestion, raw: Any) -> Any:
    if not isinstance(raw, dict) or set(raw) != {OTHER} or not isinstance(raw[OTHER], str):
        raise _wrong_type()
    if not question.allow_other:
        raise _Invalid("other_not_allowed", _l("This question has no “other” option."))
    text = _normalize_text(raw[OTHER])
    if not text:
        raise _Invalid("other_missing", _l("Describe your “other” answer."))
    if len(text) > OTHER_MAX_LENGTH:
        length = len(text)
        message = _later(
            lambda: ngettext(
                "Your “other” answer can have at most %(count)s character (now: %(length)s).",
                "Your “other” answer can have at most %(count)s characters (now: %(length)s).",
                OTHER_MAX_LENGTH,
                count=_number(OTHER_MAX_LENGTH),
                length=_number(length),
            )
        )
        raise _Invalid("other_too_long", message)
    return {OTHER: text}


def _clean_choice(question: ChoiceQuestion, raw: Any) -> Any:
    if isinstance(raw, dict):
        return _clean_other(question, raw)
    if not isinstance(raw, str):
        raise _wrong_type()
    if raw == OTHER and question.allow_other:
        raise _Invalid("other_missing", _l("Describe your “other” answer."))
    if raw not in (option.key for option in question.options):
        raise _option_unknown()
    return raw


def _clean_multiple(question: MultipleChoiceQuestion, raw: Any) -> Any:
    if not isinstance(raw, list):
        raise _wrong_type()
    chosen = [_clean_choice(question, item) for item in raw]
    keys = [_choice_key(item) for item in chosen]
    if len(set(keys)) != len(keys):
        raise _Invalid("duplicate_choice", _l("Each option can be chosen only once."))
    if question.max_choices is not None and len(keys) > question.max_choices:
        limit = question.max_choices
        message = _later(
            lambda: ngettext(
                "Choose at most %(count)s option.",
                "Choose at most %(count)s options.",
                limit,
                count=_number(limit),
            )
        )
        raise _Invalid("too_many_choices", message)
    order = question.option_keys()  # stored in the survey's order, "other" last
    return sorted(chosen, key=lambda item: order.index(_choice_key(item)))


def _clean_scale(question: ScaleQuestion, raw: Any) -> Any:
    if type(raw) is not int:  # a JSON true is a bool, and bool is an int in Python
        raise _wrong_type()
    if not question.min <= raw <= question.max:
        message = _l("Choose a value from %(min)s to %(max)s.", min=question.min, max=question.max)
        raise _Invalid("scale_out_of_range", message)
    return raw


def _clean_ranking(question: RankingQuestion, raw: Any) -> Any:
    keys = [option.key for option in question.options]
    not_permutation = _Invalid(
        "ranking_not_permutation",
        _l("Give every option a different place, from 1 to %(max)s.", max=len(keys)),
    )
    if isinstance(raw, dict):  # {option: place}, as a form sends it
        if any(key not in keys for key in raw):
            raise _option_unknown()
        places = list(raw.values())
        if any(type(place) is not int for place in places):
            raise not_permutation
        if sorted(places) != list(range(1, len(keys) + 1)):
            raise not_permutation
        raw = sorted(raw, key=raw.__getitem__)
    if not isinstance(raw, list) or not all(isinstance(key, str) for key in raw):
        raise _wrong_type()
    if any(key not in keys for key in raw):
        raise _option_unknown()
    if sorted(raw) != sorted(keys):
        raise not_permutation
    return raw


def _normalize_text(raw: str) -> str:
    # Browsers send textarea line breaks as CRLF, which would count twice against the limit;
    # NUL and other control characters cannot be stored in PostgreSQL text or shown usefully.
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(question: ShortTextQuestion | LongTextQuestion, raw: Any) -> Any:
    if not isinstance(raw, str):
        raise _wrong_type()
    text = _normalize_text(raw)
    if not text:
        if question.required:
            raise _Invalid("text_blank", _l("Write your answer: spaces alone do not count."))
        return None
    if len(text) > question.max_length:
        limit, length = question.max_length, len(text)
        message = _later(
            lambda: ngettext(
                "Your answer can have at most %(count)s character (now: %(length)s).",
                "Your answer can have at most %(count)s characters (now: %(length)s).",
                limit,
                count=_number(limit),
                length=_number(length),
            )
        )
        raise _Invalid("text_too_long", message)
    return text


def _clean_number(question: NumberQuestion, raw: Any) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise _Invalid("not_a_number", _l("Enter a number."))
    if question.integer:
        if isinstance(raw, float) and not raw.is_integer():
            raise _Invalid("number_not_integer", _l("Enter a whole number."))
        raw = int(raw)
    low, high = question.min, question.max
    if low is not None and high is not None:
        if low <= raw <= high:
            return raw
        message = _l("Enter a number from %(min)s to %(max)s.", min=_number(low), max=_number(high))
    elif low is not None and raw < low:
        message = _l("Enter a number no smaller than %(min)s.", min=_number(low))
    elif high is not None and raw > high:
        message = _l("Enter a number no larger than %(max)s.", max=_number(high))
    else:
        return raw
    raise _Invalid("number_out_of_range", message)


def _clean_date(question: DateQuestion, raw: Any) -> Any:
    # fromisoformat alone would also take week dates and compact forms such as 20250101.
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise _Invalid("date_invalid", _l("Enter a valid date."))
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        raise _Invalid("date_invalid", _l("Enter a valid date.")) from None
    low, high = question.min, question.max
    if low is not None and high is not None:
        if low <= day <= high:
            return raw
        message = _l("Enter a date from %(min)s to %(max)s.", min=_date(low), max=_date(high))
    elif low is not None and day < low:
        message = _l("Enter a date no earlier than %(min)s.", min=_date(low))
    elif high is not None and day > high:
        message = _l("Enter a date no later than %(max)s.", max=_date(high))
    else:
        return raw
    raise _Invalid("date_out_of_range", message)


def _clean_matrix(question: MatrixQuestion, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise _wrong_type()
    rows = [row.key for row in question.rows]
    columns = {column.key for column in question.columns}
    for row, column in raw.items():
        if row not in rows:
            raise _Invalid("matrix_row_unknown", _l("This table has no such row."))
        if not isinstance(column, str):
            raise _wrong_type()
        if column not in columns:
            message = _l("The chosen answer does not belong to this row.")
            raise _Invalid("matrix_column_unknown", message)
    missing = [row.label for row in question.rows if row.key not in raw]
    if question.required and missing:
        labels = _later(lambda: format_list(missing, locale=get_language()))
        message = _l("Choose an answer in every row. Missing: %(rows)s.", rows=labels)
        raise _Invalid("matrix_row_missing", message)
    return {row: raw[row] for row in rows if row in raw}


_CLEANERS: dict[str, Callable[[Any, Any], Any]] = {
    "single_choice": _clean_choice,
    "multiple_choice": _clean_multiple,
    "scale": _clean_scale,
    "ranking": _clean_ranking,
    "short_text": _clean_text,
    "long_text": _clean_text,
    "number": _clean_number,
    "date": _clean_date,
    "matrix": _clean_matrix,
}
