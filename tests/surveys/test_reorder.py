"""Reordering options, rows, columns and questions in the builder, before and after answers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import Conflict, ValidationFailed
from deliberation.permissions import ANONYMOUS
from surveys import builder, responses, services
from surveys.results import compute_results
from tests.helpers import html
from tests.surveys.conftest import World, park_definition


def url(world: World, tail: str = "") -> str:
    return f"/consultations/{world.consultation.id}/surveys/{world.survey.id}{tail}"


def question(working: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for s in working["sections"] for q in s["questions"] if q["key"] == key)


def keys(items: list[dict[str, Any]]) -> list[str]:
    return [item["key"] for item in items]


def test_move_item_swaps_with_its_neighbour() -> None:
    working = park_definition()
    down = builder.move_item(working, "needs", "opt:benches", 1)
    assert keys(question(down, "needs")["options"]) == ["lights", "benches", "trees"]
    assert keys(question(working, "needs")["options"]) == ["benches", "lights", "trees"]  # copy
    up = builder.move_item(down, "needs", "opt:trees", -1)
    assert keys(question(up, "needs")["options"]) == ["lights", "trees", "benches"]
    edge = builder.move_item(up, "needs", "opt:lights", -1)  # already first: nothing moves
    assert keys(question(edge, "needs")["options"]) == ["lights", "trees", "benches"]
    with pytest.raises(ValidationFailed):
        builder.move_item(working, "needs", "opt:missing", 1)
    with pytest.raises(ValidationFailed):
        builder.move_item(working, "needs", "row:benches", 1)  # no rows in this question
    with pytest.raises(ValidationFailed):
        builder.move_item(working, "nope", "opt:benches", 1)


async def test_keyboard_reorder_with_htmx_keeps_the_form_open(client: Any, world: World) -> None:
    await client.login(world.facilitator.email)
    form = {
        "key": "needs",
        "title": "What does the park need most?",  # typed before moving: kept
        "max_choices": "2",
        "allow_other": "1",
        "opt_key": ["benches", "lights", "trees"],
        "opt_label": ["Benches", "Lights", "Trees"],
        "condition": "visit|equals|yes",
        "item": "opt:trees",
    }
    moved = await client.submit(url(world, "/edit/item-up"), form, headers={"hx-request": "true"})
    assert moved.status_code == 200, moved.text
    doc = html(moved)
    article = doc.find(id="question-needs")
    assert article.find("details").has_attr("open")
    assert article.find("h3").get_text(strip=True) == "What does the park need most?"
    labels = [i["value"] for i in article.find_all("input", attrs={"name": "opt_label"})]
    assert labels == ["Benches", "Trees", "Lights"]
    button = doc.find(id="opt-up-needs-trees")  # htmx puts the focus back on it by id
    assert button is not None and button["value"] == "opt:trees"
    assert button.find(class_="visually-hidden").get_text(strip=True) == ": Trees"


async def test_reorder_without_javascript_redirects_to_the_button(
    client: Any, session: AsyncSession, world: World
) -> None:
    await client.login(world.facilitator.email)
    form = {
        "key": "needs",
        "title": "What does the park need?",
        "opt_key": ["benches", "lights", "trees"],
        "opt_label": ["Benches", "Lights", "Trees"],
        "condition": "visit|equals|yes",
        "item": "opt:benches",
    }
    moved = await client.submit(url(world, "/edit/item-down"), form)
    assert moved.status_code == 303
    assert moved.headers["location"].endswith("/edit?open=needs#opt-down-needs-benches")
    await session.refresh(world.survey)
    assert keys(question(world.survey.working, "needs")["options"]) == [
        "lights",
        "benches",
        "trees",
    ]
    page = await client.get(moved.headers["location"])
    assert html(page).find(id="question-needs").find("details").has_attr("open")


async def test_only_facilitators_reorder(client: Any, session: AsyncSession, world: World) -> None:
    refused = await client.submit(
        url(world, "/edit/item-down"), {"key": "needs", "item": "opt:benches"}
    )
    assert refused.status_code in (303, 401, 403), refused.status_code
    await session.refresh(world.survey)
    assert keys(question(world.survey.working, "needs")["options"])[0] == "benches"


async def test_after_answers_a_new_order_keeps_the_version_and_the_counts(
    session: AsyncSession, world: World
) -> None:
    participant = await world.participant(session, "before")
    await responses.submit_response(
        session,
        ANONYMOUS,
        world.consultation,
        world.survey,
        participant.id,
        {"visit": "yes", "needs": ["benches"], "rating": 4},
    )
    working = builder.move_item(dict(world.survey.working), "needs", "opt:benches", 1)
    working = builder.move_question(working, "ideas", -1)  # above the rating question
    await services.save_working(session, world.staff, world.consultation, world.survey, working)
    applied = await services.apply_changes(session, world.staff, world.consultation, world.survey)
    assert applied.changed and not applied.new_version
    results = await compute_results(session, world.staff, world.consultation, world.survey)
    assert [c.question.key for c in results.questions][:4] == ["visit", "needs", "ideas", "rating"]
    needs = next(c for c in results.questions if c.question.key == "needs")
    assert [o.key for o in needs.question.options] == ["lights", "benches", "trees"]
    assert needs.count("benches") == 1


async def test_a_move_that_breaks_a_condition_is_refused(
    session: AsyncSession, world: World
) -> None:
    """ "needs" is shown when "visit" is yes: it cannot come before "visit"."""
    working = builder.move_question(dict(world.survey.working), "needs", -1)
    with pytest.raises(ValidationFailed):
        await services.save_working(session, world.staff, world.consultation, world.survey, working)


async def test_moving_into_a_conditional_section_after_answers_needs_a_new_version(
    session: AsyncSession, world: World
) -> None:
    participant = await world.participant(session, "early")
    await responses.submit_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, {"visit": "no"}
    )
    working = builder.add_section(dict(world.survey.working))
    new_section = working["sections"][-1]["key"]
    working["sections"][-1]["condition"] = {
        "question": "visit",
        "operator": "equals",
        "value": "yes",
    }
    await services.save_working(session, world.staff, world.consultation, world.survey, working)
    await services.apply_changes(session, world.staff, world.consultation, world.survey)
    last = working["sections"][0]["questions"][-1]["key"]
    moved = builder.move_question(dict(world.survey.working), last, 1)
    assert any(
        q["key"] == last
        for s in moved["sections"]
        if s["key"] == new_section
        for q in s["questions"]
    )
    await services.save_working(session, world.staff, world.consultation, world.survey, moved)
    with pytest.raises(Conflict) as refused:
        await services.apply_changes(session, world.staff, world.consultation, world.survey)
    assert refused.value.code == "new_version_needed"
    applied = await services.apply_changes(
        session, world.staff, world.consultation, world.survey, new_version=True
    )
    assert applied.new_version and applied.version == 2
