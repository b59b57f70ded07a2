"""Survey definitions: every question type, the structural rules and the JSON round trip."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from surveys.definition import (
    DateQuestion,
    LongTextQuestion,
    MatrixQuestion,
    MultipleChoiceQuestion,
    NumberQuestion,
    RankingQuestion,
    ScaleQuestion,
    ShortTextQuestion,
    SingleChoiceQuestion,
    Survey,
    display_order,
)


def options(*keys: str) -> list[dict[str, str]]:
    return [{"key": key, "label": key.title()} for key in keys]


def survey_data() -> dict[str, Any]:
    """One survey with every question type and a condition of each kind."""
    return {
        "title": "Park Zielona",
        "description": "What should change in the park?",
        "sections": [
            {
                "key": "visits",
                "title": "Visits",
                "questions": [
                    {
                        "type": "single_choice",
                        "key": "visit",
                        "title": "Do you visit the park?",
                        "help_text": "Think of the last year.",
                        "required": True,
                        "allow_other": True,
                        "options": options("yes", "no"),
                    },
                    {
                        "type": "multiple_choice",
                        "key": "features",
                        "title": "What do you use?",
                        "max_choices": 2,
                        "shuffle": True,
                        "options": options("benches", "lights", "paths"),
                        "condition": {"question": "visit", "operator": "equals", "value": "yes"},
                    },
                    {
                        "type": "scale",
                        "key": "rating",
                        "title": "How do you rate it?",
                        "min": 0,
                        "max": 10,
                        "min_label": "Very bad",
                        "max_label": "Very good",
                    },
                ],
            },
            {
                "key": "lights",
                "condition": {"question": "features", "operator": "includes", "value": "lights"},
                "questions": [
                    {
                        "type": "ranking",
                        "key": "priorities",
                        "title": "Order these",
                        "options": options("safety", "cost", "looks"),
                    },
                    {"type": "short_text", "key": "name", "title": "Your street"},
                    {"type": "long_text", "key": "ideas", "title": "Ideas", "max_length": 3000},
                    {
                        "type": "number",
                        "key": "age",
                        "title": "Your age",
                        "min": 0,
                        "max": 120,
                        "integer": True,
                        "condition": {"question": "rating", "operator": "not_equals", "value": 5},
                    },
                    {
                        "type": "date",
                        "key": "when",
                        "title": "Last visit",
                        "min": "2025-01-01",
                        "max": "2025-12-31",
                    },
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


def rejection(data: dict[str, Any]) -> list[str]:
    """The error types pydantic reports for an invalid definition."""
    with pytest.raises(ValidationError) as caught:
        Survey.model_validate(data)
    return [error["type"] for error in caught.value.errors()]


def test_every_question_type_parses_to_its_own_model() -> None:
    survey = Survey.model_validate(survey_data())
    assert [type(q) for q in survey.questions()] == [
        SingleChoiceQuestion,
        MultipleChoiceQuestion,
        ScaleQuestion,
        RankingQuestion,
        ShortTextQuestion,
        LongTextQuestion,
        NumberQuestion,
        DateQuestion,
        MatrixQuestion,
    ]
    assert survey.question("age") is not None
    assert survey.question("missing") is None


def test_json_round_trip_keeps_everything() -> None:
    survey = Survey.model_validate(survey_data())
    again = Survey.model_validate_json(survey.model_dump_json())
    assert again == survey
    assert again.model_dump(mode="json") == survey.model_dump(mode="json")


def test_defaults_for_text_lengths_and_scale() -> None:
    survey = Survey.model_validate(survey_data())
    name, ideas = survey.question("name"), survey.question("ideas")
    assert isinstance(name, ShortTextQuestion) and name.max_length == 200
    assert isinstance(ideas, LongTextQuestion) and ideas.max_length == 3000
    assert LongTextQuestion(key="x", title="X").max_length == 5000
    scale = ScaleQuestion(key="s", title="S", min_label="Low", max_label="High")
    assert (scale.min, scale.max) == (1, 5)


def test_unknown_type_is_refused() -> None:
    data = survey_data()
    data["sections"][0]["questions"][2]["type"] = "slider"
    assert rejection(data) == ["union_tag_invalid"]


def test_extra_fields_are_refused() -> None:
    data = survey_data()
    data["sections"][0]["questions"][0]["requried"] = True
    assert rejection(data) == ["extra_forbidden"]


@pytest.mark.parametrize("key", ["has_underscore", "", "-leading", "space d", "ż"])
def test_keys_are_form_safe(key: str) -> None:
    data = survey_data()
    data["sections"][0]["questions"][0]["key"] = key
    assert "string_pattern_mismatch" in rejection(data)


def edit(path: tuple[int, int], **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(survey_data())
    data["sections"][path[0]]["questions"][path[1]].update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (edit((0, 0), options=options("yes", "yes")), "duplicate_key"),
        (edit((0, 0), options=[*options("yes"), {"key": "y2", "label": "YES"}]), "duplicate_label"),
        (edit((0, 0), options=options("yes")), "too_short"),
        (edit((0, 0), options=options("yes", "other")), "reserved_key"),
        (edit((0, 1), max_choices=4), "max_choices_too_large"),
        (edit((0, 1), max_choices=0), "greater_than_equal"),
        (edit((0, 2), min=1, max=10), None),
        (edit((0, 2), min=0, max=5), "scale_range"),
        (edit((0, 2), min=2), "literal_error"),
        (edit((0, 2), min_label=""), "string_too_short"),
        (edit((1, 1), max_length=201), "less_than_equal"),
        (edit((1, 2), max_length=5001), "less_than_equal"),
        (edit((1, 3), min=10, max=5), "bounds_inverted"),
        (edit((1, 3), min=5, max=5), None),
        (edit((1, 3), min=float("nan")), "finite_number"),
        (edit((1, 3), max=True), "int_type"),
        (edit((1, 4), min="2025-06-01", max="2025-05-01"), "bounds_inverted"),
        (edit((1, 5), rows=options("north", "north")), "duplicate_key"),
        (edit((1, 5), columns=options("good")), "too_short"),
    ],
)
def test_question_rules(data: dict[str, Any], code: str | None) -> None:
    if code is None:
        Survey.model_validate(data)
    else:
        assert code in rejection(data)


def test_other_counts_towards_max_choices() -> None:
    Survey.model_validate(edit((0, 1), max_choices=4, allow_other=True))


def test_question_keys_are_unique_across_sections() -> None:
    data = survey_data()
    data["sections"][1]["questions"][1]["key"] = "visit"
    assert rejection(data) == ["duplicate_key"]


def test_section_keys_are_unique() -> None:
    data = survey_data()
    data["sections"][1]["key"] = "visits"
    assert rejection(data) == ["duplicate_key"]


def condition(question: str, operator: str, value: Any) -> dict[str, Any]:
    return {"question": question, "operator": operator, "value": value}


@pytest.mark.parametrize(
    ("where", "cond", "code"),
    [
        ((0, 0), condition("visit", "equals", "yes"), "condition_not_earlier"),  # itself
        ((0, 0), condition("rating", "equals", 3), "condition_not_earlier"),  # later
        ((0, 1), condition("nowhere", "equals", "yes"), "condition_not_earlier"),
        ((0, 1), condition("visit", "includes", "yes"), "condition_operator"),
        ((0, 1), condition("visit", "equals", "maybe"), "condition_value"),
        ((0, 1), condition("visit", "equals", "other"), None),  # allow_other makes it possible
        ((0, 2), condition("features", "equals", "lights"), "condition_operator"),
        ((0, 2), condition("features", "includes", "swings"), "condition_value"),
        ((1, 0), condition("rating", "equals", 11), "condition_value"),
        ((1, 0), condition("rating", "equals", "7"), "condition_value"),
        ((1, 0), condition("rating", "equals", True), "int_type"),
        ((1, 1), condition("age", "equals", 30), "condition_not_earlier"),
        ((1, 4), condition("age", "equals", 30.5), None),
        ((1, 4), condition("age", "equals", "30"), "condition_value"),
        ((1, 4), condition("name", "equals", "Main"), "condition_target"),
        ((1, 5), condition("when", "equals", "2025-01-01"), "condition_target"),
    ],
)
def test_question_conditions(
    where: tuple[int, int], cond: dict[str, Any], code: str | None
) -> None:
    data = edit(where, condition=cond)
    if code is None:
        Survey.model_validate(data)
    else:
        assert code in rejection(data)


def test_section_condition_may_not_use_its_own_questions() -> None:
    data = survey_data()
    data["sections"][1]["condition"] = condition("age", "equals", 30)
    assert rejection(data) == ["condition_not_earlier"]


def test_conditions_only_look_back_so_cycles_cannot_form() -> None:
    data = survey_data()
    # visit -> rating would close a loop with rating -> visit; the forward half is refused.
    data["sections"][0]["questions"][0]["condition"] = condition("rating", "equals", 3)
    data["sections"][0]["questions"][2]["condition"] = condition("visit", "equals", "yes")
    assert rejection(data) == ["condition_not_earlier"]


def test_display_order_is_stable_per_seed_and_differs_between_seeds() -> None:
    survey = Survey.model_validate(edit((0, 1), options=options("lights", *"abcdefg")))
    features = survey.question("features")
    assert isinstance(features, MultipleChoiceQuestion)
    first = [option.key for option in display_order(features, "respondent-1")]
    assert first == [option.key for option in display_order(features, "respondent-1")]
    assert sorted(first) == sorted(["lights", *"abcdefg"])
    orders = {tuple(o.key for o in display_order(features, f"r{i}")) for i in range(10)}
    assert len(orders) > 1


def test_display_order_keeps_order_without_shuffle() -> None:
    survey = Survey.model_validate(survey_data())
    grid = survey.question("grid")
    assert isinstance(grid, MatrixQuestion)
    assert [row.key for row in display_order(grid, "any")] == ["north", "south"]
