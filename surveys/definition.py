"""Survey definitions: sections of typed questions with conditions, stored as JSON.

A definition is validated once, when it is built or loaded, so the rest of the engine can trust it.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Sequence
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from deliberation.i18n import _l

# No underscores in keys: form field names are built as q_<key>_other, q_<key>__<row> and
# q_<key>_rank_<option>, and keys without underscores keep those names unambiguous.
Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
HelpText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
# Strict: a JSON true must not quietly become the number 1; finite: NaN compares with nothing.
Number = StrictInt | Annotated[StrictFloat, Field(allow_inf_nan=False)]

# The option key that stands for "other" in answers when a choice question allows it.
OTHER = "other"
OTHER_LABEL = _l("Other")
OTHER_MAX_LENGTH = 200
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
SCALE_RANGES: frozenset[tuple[int, int]] = frozenset({(1, 5), (1, 10), (0, 10)})

Operator = Literal["equals", "not_equals", "includes"]
_EQUALITY = frozenset({"equals", "not_equals"})
_INCLUDES = frozenset({"includes"})


def _error(code: str, message: str, **context: object) -> PydanticCustomError:
    # A stable error type lets the builder UI show its own translated message for each code.
    return PydanticCustomError(code, message, context)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    """An answer option, or a row or column of a matrix."""

    key: Key
    label: Label


class Condition(_Model):
    """Show a question or section only when an earlier answer matches."""

    question: Key
    operator: Operator
    value: Annotated[str, Field(max_length=500)] | Number


def _check_unique(items: Sequence[Option], what: str) -> None:
    keys = [item.key for item in items]
    labels = [item.label.casefold() for item in items]
    if len(set(keys)) != len(keys):
        raise _error("duplicate_key", "{what} keys must be unique", what=what)
    if len(set(labels)) != len(labels):
        raise _error("duplicate_label", "{what} labels must be unique", what=what)


class _Question(_Model):
    key: Key
    title: Label
    help_text: HelpText = ""
    required: bool = False
    condition: Condition | None = None


class _ChoiceQuestion(_Question):
    options: Annotated[list[Option], Field(min_length=2, max_length=100)]
    allow_other: bool = False
    shuffle: bool = False

    @model_validator(mode="after")
    def _options_valid(self) -> Self:
        _check_unique(self.options, "option")
        if self.allow_other and any(option.key == OTHER for option in self.options):
            raise _error("reserved_key", "the key 'other' is reserved when allow_other is set")
        return self

    def option_keys(self) -> list[str]:
        keys = [option.key for option in self.options]
        return [*keys, OTHER] if self.allow_other else keys


class SingleChoiceQuestion(_ChoiceQuestion):
    type: Literal["single_choice"] = "single_choice"


class MultipleChoiceQuestion(_ChoiceQuestion):
    type: Literal["multiple_choice"] = "multiple_choice"
    max_choices: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _max_choices_valid(self) -> Self:
        if self.max_choices is not None and self.max_choices > len(self.option_keys()):
            raise _error("max_choices_too_large", "max_choices exceeds the number of options")
        return self


class ScaleQuestion(_Question):
    type: Literal["scale"] = "scale"
    min: Literal[0, 1] = 1
    max: Literal[5, 10] = 5
    min_label: Label
    max_label: Label

    @model_validator(mode="after")
    def _range_valid(self) -> Self:
        if (self.min, self.max) not in SCALE_RANGES:
            raise _error("scale_range", "scale must be 1-5, 1-10 or 0-10")
        return self


class RankingQuestion(_Question):
    type: Literal["ranking"] = "ranking"
    options: Annotated[list[Option], Field(min_length=2, max_length=20)]
    shuffle: bool = False

    @model_validator(mode="after")
    def _options_valid(self) -> Self:
        _check_unique(self.options, "option")
        return self


class ShortTextQuestion(_Question):
    type: Literal["short_text"] = "short_text"
    max_length: Annotated[int, Field(ge=1, le=SHORT_TEXT_MAX)] = SHORT_TEXT_MAX


class LongTextQuestion(_Question):
    type: Literal["long_text"] = "long_text"
    max_length: Annotated[int, Field(ge=1, le=LONG_TEXT_MAX)] = LONG_TEXT_MAX


class NumberQuestion(_Question):
    type: Literal["number"] = "number"
    min: Number | None = None
    max: Number | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _bounds_valid(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise _error("bounds_inverted", "min must not be greater than max")
        return self


class DateQuestion(_Question):
    type: Literal["date"] = "date"
    min: datetime.date | None = None
    max: datetime.date | None = None

    @model_validator(mode="after")
    def _bounds_valid(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise _error("bounds_inverted", "min must not be later than max")
        return self


class MatrixQuestion(_Question):
    """One choice per row; when required, every row needs an answer."""

    type: Literal["matrix"] = "matrix"
    rows: Annotated[list[Option], Field(min_length=1, max_length=50)]
    columns: Annotated[list[Option], Field(min_length=2, max_length=20)]
    shuffle: bool = False

    @model_validator(mode="after")
    def _items_valid(self) -> Self:
        _check_unique(self.rows, "row")
        _check_unique(self.columns, "column")
        return self


Question = Annotated[
    SingleChoiceQuestion
    | MultipleChoiceQuestion
    | ScaleQuestion
    | RankingQuestion
    | ShortTextQuestion
    | LongTextQuestion
    | NumberQuestion
    | DateQuestion
    | MatrixQuestion,
    Field(discriminator="type"),
]
ChoiceQuestion = SingleChoiceQuestion | MultipleChoiceQuestion


class Section(_Model):
    key: Key
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    description: HelpText = ""
    condition: Condition | None = None
    questions: Annotated[list[Question], Field(min_length=1, max_length=200)]


class Survey(_Model):
    title: Label
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10000)] = ""
    sections: Annotated[list[Section], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _structure_valid(self) -> Self:
        section_keys = [section.key for section in self.sections]
        if len(set(section_keys)) != len(section_keys):
            raise _error("duplicate_key", "section keys must be unique")
        seen: dict[str, Question] = {}
        for section in self.sections:
            # A section's condition is evaluated before its own questions are shown.
            _check_condition(section.condition, seen, f"section {section.key}")
            for question in section.questions:
                if question.key in seen:
                    raise _error("duplicate_key", "question keys must be unique")
                _check_condition(question.condition, seen, f"question {question.key}")
                seen[question.key] = question
        return self

    def questions(self) -> Iterator[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions() if q.key == key), None)


def _check_condition(condition: Condition | None, earlier: dict[str, Question], where: str) -> None:
    """Conditions may only look back, which also rules out cycles."""
    if condition is None:
        return
    target = earlier.get(condition.question)
    if target is None:
        raise _error(
            "condition_not_earlier",
            "{where}: a condition may only refer to an earlier question",
            where=where,
        )
    value, operator = condition.value, condition.operator
    if isinstance(target, ChoiceQuestion):
        allowed = _INCLUDES if isinstance(target, MultipleChoiceQuestion) else _EQUALITY
        valid_value = value in target.option_keys()
    elif isinstance(target, ScaleQuestion):
        allowed = _EQUALITY
        valid_value = isinstance(value, int) and target.min <= value <= target.max
    elif isinstance(target, NumberQuestion):
        allowed = _EQUALITY
        valid_value = not isinstance(value, str)
    else:
        raise _error("condition_target", "{where}: conditions cannot use this type", where=where)
    if operator not in allowed:
        raise _error("condition_operator", "{where}: operator not allowed here", where=where)
    if not valid_value:
        raise _error("condition_value", "{where}: value not possible here", where=where)


def display_order(
    question: ChoiceQuestion | RankingQuestion | MatrixQuestion,
    seed: str,
) -> list[Option]:
    """The options (matrix: rows) in the order to show one respondent.

    Shuffled stably per seed (say, the respondent's session id), so a form shown again after an
    error keeps its order; the question key is mixed in so questions are not shuffled alike.
    """
    items = list(question.rows if isinstance(question, MatrixQuestion) else question.options)
    if question.shuffle:
        # A str seed is hashed with SHA-512, so the order is the same in every process.
        random.Random(f"{seed}:{question.key}").shuffle(items)
    return items
