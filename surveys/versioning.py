"""Edits to a survey that already has responses: which are safe and which need a new version.

A breaking edit would make stored answers wrong or invalid (a removed option, a changed type).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from surveys.definition import (
    Condition,
    DateQuestion,
    LongTextQuestion,
    MatrixQuestion,
    MultipleChoiceQuestion,
    NumberQuestion,
    Option,
    Question,
    RankingQuestion,
    ScaleQuestion,
    ShortTextQuestion,
    SingleChoiceQuestion,
    Survey,
)

SafeCode = Literal[
    "label_changed",
    "help_text_changed",
    "question_added",
    "section_added",
    "section_removed",
    "option_added",
    "order_changed",
    "display_changed",
    "made_optional",
    "bounds_widened",
]
BreakingCode = Literal[
    "question_removed",
    "required_question_added",
    "type_changed",
    "made_required",
    "condition_changed",
    "option_removed",
    "other_removed",
    "ranking_option_added",
    "row_removed",
    "required_row_added",
    "column_removed",
    "scale_changed",
    "bounds_narrowed",
]
Code = SafeCode | BreakingCode
BREAKING_CODES: frozenset[str] = frozenset(get_args(BreakingCode))


@dataclass(frozen=True)
class Edit:
    """One difference; `question` and `item` (an option, row, column or section key) say where."""

    code: Code
    question: str | None = None
    item: str | None = None

    @property
    def breaking(self) -> bool:
        return self.code in BREAKING_CODES


@dataclass(frozen=True)
class Change:
    edits: tuple[Edit, ...]

    @property
    def safe(self) -> tuple[Edit, ...]:
        return tuple(edit for edit in self.edits if not edit.breaking)

    @property
    def breaking(self) -> tuple[Edit, ...]:
        return tuple(edit for edit in self.edits if edit.breaking)

    @property
    def reasons(self) -> list[str]:
        """The distinct breaking codes, in the order first met: why a new version is needed."""
        return list(dict.fromkeys(edit.code for edit in self.breaking))

    @property
    def requires_new_version(self) -> bool:
        return bool(self.breaking)


def requires_new_version(old: Survey, new: Survey) -> bool:
    """Whether saving `new` over `old` would corrupt existing responses (see diff_definitions)."""
    return diff_definitions(old, new).requires_new_version


def diff_definitions(old: Survey, new: Survey) -> Change:
    """Every difference between two definitions, each classified as safe or breaking.

    Label edits count as safe, as the product asks, so a typo can be fixed while a survey runs;
    rewording an option into its opposite is for the people editing to avoid. A changed
    condition is breaking: stored answers were collected under the old rule, and results
    computed over "who saw this question" would mix the two.
    """
    edits: list[Edit] = []
    if old.title != new.title:
        edits.append(Edit("label_changed"))
    if old.description != new.description:
        edits.append(Edit("help_text_changed"))
    edits += _diff_sections(old, new)
    old_questions = {question.key: question for question in old.questions()}
    new_questions = {question.key: question for question in new.questions()}
    edits += [Edit("question_removed", key) for key in old_questions if key not in new_questions]
    old_gates, new_gates = _section_conditions(old), _section_conditions(new)
    for key, question in new_questions.items():
        if key not in old_questions:
            edits.append(
                Edit("required_question_added" if question.required else "question_added", key)
            )
            continue
        edits += _diff_question(old_questions[key], question)
        if old_gates[key] != new_gates[key]:  # moved into a section shown to other people
            edits.append(Edit("condition_changed", key))
    if _common_order(list(old_questions), list(new_questions)):
        edits.append(Edit("order_changed"))
    return Change(tuple(edits))


def _section_conditions(survey: Survey) -> dict[str, Condition | None]:
    """The condition of the section each question sits in, by question key."""
    return {q.key: section.condition for section in survey.sections for q in section.questions}


def _diff_sections(old: Survey, new: Survey) -> list[Edit]:
    # Only the sections themselves: questions are compared across sections, so moving one to
    # another section is a reorder, not a removal (nor, under the same condition, a change).
    edits: list[Edit] = []
    old_sections = {section.key: section for section in old.sections}
    new_sections = {section.key: section for section in new.sections}
    edits += [Edit("section_removed", item=key) for key in old_sections if key not in new_sections]
    edits += [Edit("section_added", item=key) for key in new_sections if key not in old_sections]
    for key, section in new_sections.items():
        before = old_sections.get(key)
        if before is None:
            continue
        if before.title != section.title:
            edits.append(Edit("label_changed", item=key))
        if before.description != section.description:
            edits.append(Edit("help_text_changed", item=key))
        if before.condition != section.condition:
            edits.append(Edit("condition_changed", item=key))
    if _common_order(list(old_sections), list(new_sections)):
        edits.append(Edit("order_changed"))
    return edits


def _diff_question(old: Question, new: Question) -> list[Edit]:
    key = new.key
    if old.type != new.type:
        return [Edit("type_changed", key)]
    edits: list[Edit] = []
    if old.title != new.title:
        edits.append(Edit("label_changed", key))
    if old.help_text != new.help_text:
        edits.append(Edit("help_text_changed", key))
    if old.required != new.required:
        edits.append(Edit("made_required" if new.required else "made_optional", key))
    if old.condition != new.condition:
        edits.append(Edit("condition_changed", key))
    edits += _diff_details(old, new)
    return edits


def _diff_details(old: Question, new: Question) -> list[Edit]:
    """The edits particular to one question type (old and new have the same type)."""
    key = new.key
    edits: list[Edit] = []
    match old, new:
        case (
            SingleChoiceQuestion() | MultipleChoiceQuestion(),
            SingleChoiceQuestion() | MultipleChoiceQuestion(),
        ):
            edits += _diff_items(key, old.options, new.options, "option_removed", "option_added")
            if old.allow_other != new.allow_other:
                other_code: Code = "option_added" if new.allow_other else "other_removed"
                edits.append(Edit(other_code, key, "other"))
            if isinstance(old, MultipleChoiceQuestion) and isinstance(new, MultipleChoiceQuestion):
                edits += _diff_bounds(key, (None, old.max_choices), (None, new.max_choices))
        case RankingQuestion(), RankingQuestion():
            # Every stored ranking orders all options, so a new option makes them incomplete.
            added: Code = "ranking_option_added"
            edits += _diff_items(key, old.options, new.options, "option_removed", added)
        case MatrixQuestion(), MatrixQuestion():
            added = "required_row_added" if new.required else "option_added"
            edits += _diff_items(key, old.rows, new.rows, "row_removed", added)
            edits += _diff_items(key, old.columns, new.columns, "column_removed", "option_added")
        case ScaleQuestion(), ScaleQuestion():
            # Moving an end changes what every stored number means: 5 of 5 is not 5 of 10.
            if (old.min, old.max) != (new.min, new.max):
                edits.append(Edit("scale_changed", key))
            if (old.min_label, old.max_label) != (new.min_label, new.max_label):
                edits.append(Edit("label_changed", key))
        case (
            ShortTextQuestion() | LongTextQuestion(),
            ShortTextQuestion() | LongTextQuestion(),
        ):
            edits += _diff_bounds(key, (None, old.max_length), (None, new.max_length))
        case NumberQuestion(), NumberQuestion():
            edits += _diff_bounds(key, (old.min, old.max), (new.min, new.max))
            if old.integer != new.integer:
                edits.append(Edit("bounds_narrowed" if new.integer else "bounds_widened", key))
        case DateQuestion(), DateQuestion():
            edits += _diff_bounds(key, (old.min, old.max), (new.min, new.max))
    if getattr(old, "shuffle", False) != getattr(new, "shuffle", False):
        edits.append(Edit("display_changed", key))
    return edits


def _diff_items(
    key: str,
    old: Sequence[Option],
    new: Sequence[Option],
    removed: BreakingCode,
    added: Code,
) -> list[Edit]:
    old_labels = {item.key: item.label for item in old}
    new_labels = {item.key: item.label for item in new}
    edits = [Edit(removed, key, item) for item in old_labels if item not in new_labels]
    for item, label in new_labels.items():
        if item not in old_labels:
            edits.append(Edit(added, key, item))
        elif old_labels[item] != label:
            edits.append(Edit("label_changed", key, item))
    if _common_order(list(old_labels), list(new_labels)):
        edits.append(Edit("order_changed", key))
    return edits


Bound = int | float | date | None


def _diff_bounds(key: str, old: tuple[Bound, Bound], new: tuple[Bound, Bound]) -> list[Edit]:
    """Compare (low, high) limits, None meaning no limit: any tighter end is a narrowing."""
    old_low, old_high = (_comparable(bound) for bound in old)
    new_low, new_high = (_comparable(bound) for bound in new)
    edits: list[Edit] = []
    if _tighter(old_low, new_low, lower=True) or _tighter(old_high, new_high, lower=False):
        edits.append(Edit("bounds_narrowed", key))
    if _tighter(new_low, old_low, lower=True) or _tighter(new_high, old_high, lower=False):
        edits.append(Edit("bounds_widened", key))
    return edits


def _comparable(bound: Bound) -> float | None:
    return bound.toordinal() if isinstance(bound, date) else bound


def _tighter(before: float | None, after: float | None, *, lower: bool) -> bool:
    if after is None:
        return False
    if before is None:
        return True
    return after > before if lower else after < before


def _common_order(old: list[str], new: list[str]) -> bool:
    """Whether the keys present in both lists appear in a different order."""
    shared = set(old) & set(new)
    return [k for k in old if k in shared] != [k for k in new if k in shared]
