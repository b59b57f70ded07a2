"""Survey pages: answering (both layouts), confirmation, results, paper entry, builder, API."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from surveys.models import Layout, SurveyResponse
from tests.helpers import html
from tests.surveys.conftest import World


def url(world: World, tail: str = "") -> str:
    return f"/consultations/{world.consultation.id}/surveys/{world.survey.id}{tail}"


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(SurveyResponse)) or 0)


async def test_answer_all_at_once_and_confirm(
    client: Any, session: AsyncSession, world: World
) -> None:
    page = await client.get(url(world))
    assert page.status_code == 200
    doc = html(page)
    assert doc.find(id="question-needs") is not None
    assert doc.find(id="cond-q_needs") is not None  # without JS the condition is explained
    sent = await client.submit(
        url(world), {"nav": "submit", "q_visit": "yes", "q_needs": ["benches"], "q_rating": "5"}
    )
    assert sent.status_code == 200, sent.text
    code = html(sent).find(id="claim-code")
    assert code is not None and len(code.get_text(strip=True)) == 14
    assert await count(session) == 1
    again = await client.get(url(world))
    assert "?edit=1" in str(html(again).find("a", class_="button")["href"])
    second = await client.submit(url(world), {"nav": "submit", "q_visit": "no"})
    assert second.status_code == 200  # an edit of the same response, not a second one
    assert await count(session) == 1


async def test_errors_are_shown_in_polish(client: Any, session: AsyncSession, world: World) -> None:
    sent = await client.submit(
        url(world),
        {
            "nav": "submit",
            "q_visit": "yes",
            "q_needs": ["benches", "lights", "trees"],
            "q_rating": "7",
        },
    )
    assert sent.status_code == 422
    doc = html(sent)
    assert doc.find(id="error-q_rating").get_text(strip=True) == "Wybierz wartość od 1 do 5."
    assert doc.find(id="error-q_needs") is not None
    assert await count(session) == 0


async def test_refresh_hides_the_conditional_question(client: Any, world: World) -> None:
    shown = await client.submit(url(world), {"nav": "refresh", "q_visit": "no"})
    assert html(shown).find(id="question-needs").has_attr("hidden")
    shown = await client.submit(url(world), {"nav": "refresh", "q_visit": "yes"})
    assert not html(shown).find(id="question-needs").has_attr("hidden")


async def test_one_per_screen_with_condition(
    client: Any, session: AsyncSession, world: World
) -> None:
    world.survey.layout = Layout.ONE_PER_SCREEN
    await session.commit()
    first = await client.get(url(world))
    assert html(first).find("progress") is not None
    step = await client.submit(url(world), {"step": "0", "nav": "next"})
    assert step.status_code == 422  # required
    step = await client.submit(url(world), {"step": "0", "nav": "next", "q_visit": "no"})
    doc = html(step)
    assert doc.find(id="question-rating") is not None  # "needs" was skipped
    assert "2" in doc.find(id="progress-text").get_text()
    await client.submit(url(world), {"step": "1", "nav": "next", "q_rating": "3"})
    await client.submit(url(world), {"step": "2", "nav": "next"})  # no idea to add
    review = await client.submit(url(world), {"step": "3", "nav": "next"})  # nor a district
    assert html(review).find("dl", class_="review") is not None
    done = await client.submit(url(world), {"step": "4", "nav": "submit"})
    assert html(done).find(id="claim-code") is not None
    response = await session.scalar(select(SurveyResponse))
    assert response is not None and response.answers == {"visit": "no", "rating": 3}


async def test_paper_entry(client: Any, session: AsyncSession, world: World) -> None:
    await client.login(world.facilitator.email)
    form = await client.get(url(world, "/paper"))
    assert form.status_code == 200
    saved = await client.submit(
        url(world, "/paper"),
        {"received_on": date.today().isoformat(), "q_visit": "no", "q_ideas": "=HYPERLINK(1)"},
    )
    assert saved.status_code == 303
    response = await session.scalar(select(SurveyResponse))
    assert response is not None and response.channel.value == "paper"
    exported = await client.get(url(world, "/export/responses.csv"))
    assert exported.status_code == 200
    assert "'=HYPERLINK(1)" in exported.content.decode("utf-8-sig")
    for fmt in ("xlsx", "json"):
        assert (await client.get(url(world, f"/export/responses.{fmt}"))).status_code == 200
        assert (await client.get(url(world, f"/export/results.{fmt}"))).status_code == 200


async def test_results_page(client: Any, world: World) -> None:
    await client.submit(
        url(world),
        {
            "nav": "submit",
            "q_visit": "yes",
            "q_needs": ["benches"],
            "q_rating": "5",
            "q_district": "golonog",
        },
    )
    await client.login(world.facilitator.email)
    page = await client.get(url(world, "/results?by=district"))
    assert page.status_code == 200, page.text
    doc = html(page)
    section = doc.find(id="result-visit")
    svg = section.find("svg")
    assert svg["role"] == "img" and svg.find("title") and svg.find("desc")
    assert section.find("table") is not None
    assert "100" in section.find(class_="reading").get_text()
    assert doc.find(id="result-needs").find("table", class_="crosstab") is not None


async def test_api_submit(client: Any, session: AsyncSession, world: World) -> None:
    sent = await client.api("POST", "/api" + url(world, "/responses"), {"answers": {"visit": "no"}})
    assert sent.status_code == 201, sent.text
    assert len(sent.json()["claim_code"]) == 14
    again = await client.api(
        "POST", "/api" + url(world, "/responses"), {"answers": {"visit": "no"}}
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_answered"
    bad = await client.api(
        "POST",
        "/api" + url(world, "/responses"),
        {"answers": {"visit": "maybe"}},
        headers={"accept-language": "pl"},
    )
    assert bad.status_code in (409, 422)
    assert await count(session) == 1


async def test_builder_steps(client: Any, session: AsyncSession, world: World) -> None:
    await client.login(world.facilitator.email)
    page = await client.get(url(world, "/edit"))
    assert page.status_code == 200, page.text
    added = await client.submit(
        url(world, "/edit/add-question"),
        {"section": "main", "type": "matrix"},
        headers={"hx-request": "true"},
    )
    assert added.status_code == 200, added.text
    assert html(added).find(id="question-q1") is not None
    moved = await client.submit(
        url(world, "/edit/up"), {"key": "q1"}, headers={"hx-request": "true"}
    )
    keys = [a["id"] for a in html(moved).find_all("article")]
    assert keys.index("question-q1") < keys.index("question-ideas")
    edited = await client.submit(
        url(world, "/edit/question"),
        {
            "key": "rating",
            "title": "Rate it",
            "range": "1-10",
            "min_label": "a",
            "max_label": "b",
            "condition": "visit|equals|yes",
        },
    )
    assert edited.status_code == 303
    await session.refresh(world.survey)
    question = next(
        q for q in world.survey.working["sections"][0]["questions"] if q["key"] == "rating"
    )
    assert question["condition"] == {"question": "visit", "operator": "equals", "value": "yes"}
    applied = await client.submit(url(world, "/edit/apply"), {})
    assert applied.status_code == 303
    assert (await client.get(url(world, "/preview"))).status_code == 200
    duplicate = await client.submit(url(world, "/edit/duplicate"), {})
    assert duplicate.status_code == 303
