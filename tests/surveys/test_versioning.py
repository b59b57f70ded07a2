"""Which edits to a live survey are safe and which need a new version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

import pytest

from surveys.definition import Survey
from surveys.versioning import (
    BreakingCode,
    Edit,
    SafeCode,
    diff_definitions,
    requires_new_version,
)


def options(*keys: str) -> list[dict[str, str]]:
    return [{"key": key, "label": key.title()} for key in keys]


def base() -> dict[str, Any]:
    return {
        "title": "Park",
        "description": "About the park",
        "sections": [
            {
                "key": "one",
                "title": "First",
                "questions": [
                    {
                        "type": "single_choice",
                        "key": "visit",
                        "title": "Do you visit?",
                        "options": options("yes", "no"),
                    },
                    {
                        "type": "multiple_choice",
                        "key": "features",
                        "title": "What do you use?",
                        "max_choices": 2,
                        "options": options("benches", "lights", "paths"),
                        "condition": {"question": "visit", "operator": "equals", "value": "yes"},
                    },
                    {
                        "type": "scale",
                        "key": "rating",
                        "title": "Rate it",
                        "min_label": "Bad",
                        "max_label": "Good",
                    },
                    {
                        "type": "ranking",
                        "key": "priorities",
                        "title": "Order these",
                        "options": options("safety", "cost"),
                    },
                ],
            },
            {
                "key": "two",
                "condition": {"question": "visit", "operator": "equals", "value": "yes"},
                "questions": [
                    {"type": "short_text", "key": "street", "title": "Street", "max_length": 100},
                    {"type": "number", "key": "age", "title": "Age", "min": 0, "max": 120},
                    {"type": "date", "key": "when", "title": "When", "min": "2025-01-01"},
                    {
                        "type": "matrix",
                        "key": "grid",
                        "title": "Rate each part",
                        "rows": options("north", "south"),
                        "columns": options("good", "bad"),
                    },
                ],
            },
        ],
    }


Data = dict[str, Any]


def question(data: Data, key: str) -> dict[str, Any]:
    for section in data["sections"]:
        for item in section["questions"]:
            if item["key"] == key:
                return item  # type: ignore[no-any-return]
    raise KeyError(key)


def set_(key: str, **changes: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        question(data, key).update(changes)

    return mutate


def add_question(required: bool) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        new = {"type": "long_text", "key": "more", "title": "More?", "required": required}
        data["sections"][1]["questions"].append(new)

    return mutate


def remove_question(data: Data) -> None:
    data["sections"][1]["questions"].pop(0)


def move_question_to_new_section(data: Data) -> None:
    street = data["sections"][1]["questions"].pop(0)
    data["sections"].append({"key": "three", "questions": [street]})


def add_section(data: Data) -> None:
    data["sections"].append(
        {"key": "three", "questions": [{"type": "date", "key": "d", "title": "D"}]}
    )


def move_all_to_first_section(data: Data) -> None:
    data["sections"][0]["questions"] += data["sections"].pop(1)["questions"]


def reorder_questions(data: Data) -> None:
    data["sections"][0]["questions"][2:4] = reversed(data["sections"][0]["questions"][2:4])


def drop_conditions(data: Data) -> None:
    for section in data["sections"]:
        section.pop("condition", None)
    question(data, "features").pop("condition")


def reorder_sections(data: Data) -> None:
    data["sections"].reverse()


def set_survey(**changes: Any) -> Callable[[Data], None]:
    return lambda data: data.update(changes)


def set_section(index: int, **changes: Any) -> Callable[[Data], None]:
    return lambda data: data["sections"][index].update(changes)


@dataclass(frozen=True)
class Case:
    name: str
    edit: Callable[[Data], None]
    code: str
    breaking: bool
    before: Callable[[Data], None] | None = None  # to set up the old definition

    def __str__(self) -> str:
        return self.name


CASES = [
    Case("survey title", set_survey(title="Park Zielona"), "label_changed", False),
    Case("survey description", set_survey(description="New"), "help_text_changed", False),
    Case("section title", set_section(0, title="Start"), "label_changed", False),
    Case("section description", set_section(0, description="Hi"), "help_text_changed", False),
    Case("question title", set_("visit", title="Do you come?"), "label_changed", False),
    Case("help text", set_("visit", help_text="Last year"), "help_text_changed", False),
    Case(
        "option label",
        set_("visit", options=[*options("yes"), {"key": "no", "label": "Nope"}]),
        "label_changed",
        False,
    ),
    Case("scale labels", set_("rating", min_label="Awful"), "label_changed", False),
    Case("add optional question", add_question(required=False), "question_added", False),
    Case("add section", add_section, "section_added", False),
    Case(
        "remove emptied section",
        move_all_to_first_section,
        "section_removed",
        False,
        drop_conditions,
    ),
    Case(
        "add option",
        set_("visit", options=options("yes", "no", "sometimes")),
        "option_added",
        False,
    ),
    Case("allow other", set_("visit", allow_other=True), "option_added", False),
    Case("add column", set_("grid", columns=options("good", "bad", "ok")), "option_added", False),
    Case(
        "add optional row",
        set_("grid", rows=options("north", "south", "east")),
        "option_added",
        False,
    ),
    Case("reorder options", set_("visit", options=options("no", "yes")), "order_changed", False),
    Case("reorder questions", reorder_questions, "order_changed", False),
    Case("reorder sections", reorder_sections, "order_changed", False, drop_conditions),
    Case("shuffle", set_("visit", shuffle=True), "display_changed", False),
    Case(
        "make optional",
        set_("visit", required=False),
        "made_optional",
        False,
        set_("visit", required=True),
    ),
    Case("widen number", set_("age", max=150), "bounds_widened", False),
    Case("drop a bound", set_("age", min=None), "bounds_widened", False),
    Case("widen date", set_("when", min="2024-01-01"), "bounds_widened", False),
    Case("raise max choices", set_("features", max_choices=3), "bounds_widened", False),
    Case("lift max choices", set_("features", max_choices=None), "bounds_widened", False),
    Case("longer text", set_("street", max_length=200), "bounds_widened", False),
    Case(
        "allow fractions",
        set_("age", integer=False),
        "bounds_widened",
        False,
        set_("age", integer=True),
    ),
    Case("remove question", remove_question, "question_removed", True),
    Case("add required question", add_question(required=True), "required_question_added", True),
    Case("change type", set_("street", type="long_text"), "type_changed", True),
    Case("make required", set_("visit", required=True), "made_required", True),
    Case("change condition", set_("features", condition=None), "condition_changed", True),
    Case("section condition", set_section(1, condition=None), "condition_changed", True),
    Case(
        "remove option",
        set_("features", options=options("benches", "lights")),
        "option_removed",
        True,
    ),
    Case(
        "rename option key",
        set_("visit", options=[*options("yes"), {"key": "n", "label": "No"}]),
        "option_removed",
        True,
    ),
    Case(
        "remove other",
        set_("visit", allow_other=False),
        "other_removed",
        True,
        set_("visit", allow_other=True),
    ),
    Case(
        "add ranking option",
        set_("priorities", options=options("safety", "cost", "looks")),
        "ranking_option_added",
        True,
    ),
    Case(
        "remove ranking option",
        set_("priorities", options=options("safety", "x")),
        "option_removed",
        True,
    ),
    Case("remove row", set_("grid", rows=options("north")), "row_removed", True),
    Case(
        "add required row",
        set_("grid", rows=options("north", "south", "east")),
        "required_row_added",
        True,
        set_("grid", required=True),
    ),
    Case("remove column", set_("grid", columns=options("good", "ok")), "column_removed", True),
    Case("change scale", set_("rating", max=10), "scale_changed", True),
    Case("narrow number", set_("age", min=18), "bounds_narrowed", True),
    Case("add a bound", set_("age", max=120), "bounds_narrowed", True, set_("age", max=None)),
    Case("narrow date", set_("when", max="2025-12-31"), "bounds_narrowed", True),
    Case("lower max choices", set_("features", max_choices=1), "bounds_narrowed", True),
    Case("shorter text", set_("street", max_length=50), "bounds_narrowed", True),
    Case("whole numbers only", set_("age", integer=True), "bounds_narrowed", True),
]


def survey(*edits: Callable[[Data], None] | None) -> Survey:
    data = base()
    for edit in edits:
        if edit is not None:
            edit(data)
    return Survey.model_validate(data)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_edit_is_classified(case: Case) -> None:
    old, new = survey(case.before), survey(case.before, case.edit)
    change = diff_definitions(old, new)
    assert case.code in [edit.code for edit in change.edits]
    assert requires_new_version(old, new) is case.breaking
    assert change.requires_new_version is case.breaking
    assert (case.code in change.reasons) is case.breaking


def test_every_code_is_exercised() -> None:
    assert {case.code for case in CASES} == set(get_args(SafeCode)) | set(get_args(BreakingCode))


def test_identical_definitions_differ_in_nothing() -> None:
    change = diff_definitions(survey(), survey())
    assert change.edits == ()
    assert not change.requires_new_version
    assert change.reasons == []


def test_edits_say_where() -> None:
    change = diff_definitions(survey(), survey(set_("grid", rows=options("north"))))
    assert change.breaking == (Edit("row_removed", "grid", "south"),)
    assert change.safe == ()


def test_moving_a_question_between_sections_keeps_its_answers() -> None:
    def move_within_condition(data: Data) -> None:
        move_question_to_new_section(data)
        data["sections"][2]["condition"] = data["sections"][1]["condition"]

    change = diff_definitions(survey(), survey(move_within_condition))
    assert change.edits == (Edit("section_added", item="three"), Edit("order_changed"))
    assert not change.requires_new_version


def test_moving_a_question_out_of_a_conditional_section_changes_who_sees_it() -> None:
    change = diff_definitions(survey(), survey(move_question_to_new_section))
    assert change.breaking == (Edit("condition_changed", "street"),)


def test_reasons_are_distinct_and_in_order() -> None:
    def many(data: Data) -> None:
        remove_question(data)
        set_("grid", rows=options("north"))(data)
        set_("features", options=options("benches", "lights"))(data)
        set_("visit", options=options("yes", "no", "maybe"))(data)
        question(data, "age")["title"] = "How old are you?"
        question(data, "priorities")["options"] = options("safety", "looks")

    change = diff_definitions(survey(), survey(many))
    assert change.reasons == [
        "question_removed",
        "option_removed",
        "ranking_option_added",
        "row_removed",
    ]
    assert {edit.code for edit in change.safe} == {"option_added", "label_changed"}
