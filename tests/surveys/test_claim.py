"""A respondent types the survey's claim code on the one "what happened to my input?" page
(/my-input): the answers as counted and the city's response to each open answer; errors, the
shared per-network rate limit and the old /surveys/claim address."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import NotFound
from deliberation.models import ModerationState
from deliberation.permissions import ANONYMOUS
from deliberation.services import claims
from deliberation.services import responses as core_responses
from surveys import responses
from tests.conftest import Client
from tests.helpers import html
from tests.surveys.conftest import World


def url(world: World, tail: str = "") -> str:
    return f"/consultations/{world.consultation.id}/surveys/{world.survey.id}{tail}"


def review(page: Any) -> dict[str, str]:
    return {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
        for dt in page.find("dl", class_="review").find_all("dt")
    }


async def _submit(session: AsyncSession, world: World, name: str, answers: dict[str, Any]) -> Any:
    participant = await world.participant(session, name)
    submitted = await responses.submit_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, answers
    )
    await session.commit()
    return submitted


async def test_code_from_the_thanks_page_shows_the_answers(client: Any, world: World) -> None:
    sent = await client.submit(
        url(world), {"nav": "submit", "q_visit": "yes", "q_needs": ["benches"], "q_rating": "5"}
    )
    doc = html(sent)
    code = doc.find(id="claim-code").get_text(strip=True)
    assert doc.find("a", href="/my-input") is not None
    form = await client.get("/my-input")
    assert html(form).find("input", id="field-code") is not None
    shown = await client.submit("/my-input", {"code": f"  {code.lower()} "})
    assert shown.status_code == 200, shown.text
    page = html(shown)
    assert page.find(id="claimed-title").get_text(strip=True) == "Park survey"
    answers = review(page)
    assert answers["Do you visit the park?"] == "Yes"
    assert answers["How do you rate the park?"] == "5"
    assert "Benches" in answers["What does the park need?"]
    assert page.select_one(".claimed-open") is None  # no open answer, nothing to answer


async def test_the_citys_answer_to_an_open_answer_and_nobody_elses_data(
    session: AsyncSession, client: Any, world: World
) -> None:
    mine = await _submit(
        session, world, "me", {"visit": "no", "rating": 2, "ideas": "Więcej cienia przy ławkach."}
    )
    await _submit(
        session, world, "other", {"visit": "yes", "rating": 5, "ideas": "Tajny pomysł sąsiada."}
    )
    before = html(await client.submit("/my-input", {"code": mine.claim_code}))
    item = before.select_one(".claimed-open li")
    assert "Więcej cienia przy ławkach." in item.get_text()
    assert item.select_one(".answer-none") is not None  # no answer yet
    contribution_id = int(item["id"].removeprefix("open-answer-"))
    await core_responses.respond(
        session,
        world.staff,
        world.consultation,
        status="partly_accepted",
        justification="Posadzimy drzewa przy alejkach.",
        contribution_ids=[contribution_id],
    )
    await session.commit()
    shown = await client.submit(
        "/my-input", {"code": mine.claim_code}, headers={"accept-language": "pl"}
    )
    assert shown.status_code == 200
    page = html(shown)
    answer = page.select_one(f"#open-answer-{contribution_id} .answer")
    assert answer.select_one(".answer-status").get_text(strip=True) == "Częściowo uwzględniona"
    assert "Posadzimy drzewa przy alejkach." in answer.get_text()
    assert page.find("h3", string="Odpowiedzi miasta na to, co napisałeś lub napisałaś")
    text = page.get_text()
    assert "Tajny pomysł sąsiada." not in text and len(page.select(".claimed-open li")) == 1

    # Hidden by a moderator: its state in plain words, the city's answer still shown.
    contribution = await session.get(core_responses.Contribution, contribution_id)
    assert contribution is not None
    contribution.moderation_state = ModerationState.HIDDEN
    await session.commit()
    hidden = html(
        await client.submit(
            "/my-input", {"code": mine.claim_code}, headers={"accept-language": "en"}
        )
    )
    item = hidden.select_one(f"#open-answer-{contribution_id}")
    assert item.select_one(".claimed-state").get_text(strip=True) == (
        "This answer is not public: Hidden by a moderator."
    )
    assert item.select_one("blockquote") is None
    assert "Posadzimy drzewa" in item.get_text()


async def test_paper_response_and_version(session: AsyncSession, world: World) -> None:
    participant = await world.participant(session, "claimer")
    submitted = await responses.submit_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, {"visit": "no"}
    )
    claimed = await responses.claim(session, submitted.claim_code.replace("-", " "))
    assert claimed.response.id == submitted.response.id
    assert claimed.version_number == 1
    assert claimed.survey.id == world.survey.id
    # The core finds a survey code only through the provider of the wired feature.
    with pytest.raises(NotFound):
        await claims.find(session, submitted.claim_code, claims.providers_for([]))
    wired = claims.providers_for([type("F", (), {"name": "surveys"})()])
    found = await claims.find(session, submitted.claim_code.lower(), wired)
    assert isinstance(found, claims.FeatureClaim)
    assert found.data.claimed.response.id == submitted.response.id
    paper = await responses.enter_paper_response(
        session, world.staff, world.consultation, world.survey, {"visit": "no"},
        received_on=date.today(),
    )  # fmt: skip
    assert paper.claim_hash is None  # paper forms get no code: nothing to find


async def test_wrong_codes_are_explained_in_polish(client: Any, world: World) -> None:
    short = await client.submit("/my-input", {"code": "ABC"}, headers={"accept-language": "pl"})
    assert short.status_code == 404
    assert html(short).find(id="error-code").get_text(strip=True) == (
        "Kod ma 12 liter i cyfr. Sprawdź go i spróbuj jeszcze raz."
    )
    unknown = await client.submit(
        "/my-input", {"code": "AAAA-BBBB-CCCC"}, headers={"accept-language": "pl"}
    )
    assert unknown.status_code == 404
    assert html(unknown).find(id="error-code").get_text(strip=True) == (
        "Nie znaleźliśmy niczego z tym kodem. Sprawdź kod i spróbuj jeszcze raz."
    )
    assert html(unknown).find(id="claimed-title") is None


async def test_the_old_address_still_works(client: Any, world: World) -> None:
    sent = await client.submit(url(world), {"nav": "submit", "q_visit": "no", "q_rating": "3"})
    code = html(sent).find(id="claim-code").get_text(strip=True)
    moved = await client.get("/surveys/claim")
    assert moved.status_code == 301 and moved.headers["location"] == "/my-input"
    shown = await client.submit("/surveys/claim", {"code": code})  # an old form or bookmark
    assert shown.status_code == 200
    page = html(shown)
    assert page.find(id="claimed-title").get_text(strip=True) == "Park survey"
    assert review(page)["How do you rate the park?"] == "3"
    assert page.find("form", action="/my-input") is not None


async def test_one_bucket_per_network_for_every_kind_of_code(
    session: AsyncSession, app: Any, world: World
) -> None:
    survey_code = (await _submit(session, world, "limited", {"visit": "no"})).claim_code

    def client_from(host: str, language: str) -> Client:
        transport = httpx.ASGITransport(app=app, client=(host, 4321))
        return Client(
            transport=transport, base_url="http://testserver", headers={"accept-language": language}
        )

    async with (
        client_from("203.0.113.7", "pl") as guesser,
        client_from("203.0.113.99", "en") as neighbour,
        client_from("198.51.100.1", "en") as elsewhere,
    ):
        capacity = core_responses.CLAIM_LIMIT.capacity
        for n in range(capacity):  # tries alternate between both addresses: one bucket
            wrong = await guesser.submit(
                "/my-input" if n % 2 else "/surveys/claim", {"code": "ZZZZ-ZZZZ-ZZZZ"}
            )
            assert wrong.status_code == 404
        for page in ("/my-input", "/surveys/claim"):
            refused = await guesser.submit(page, {"code": survey_code})  # even the right one
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) > 0
            assert "Z Twojej sieci wpisano zbyt wiele kodów" in (
                html(refused).find(id="error-code").get_text()
            )
            assert html(refused).find(id="claimed-title") is None
        same_net = await neighbour.submit("/my-input", {"code": survey_code})
        assert same_net.status_code == 429
        assert "Too many codes were tried from your network" in html(same_net).get_text()
        other = await elsewhere.submit("/my-input", {"code": survey_code})
        assert other.status_code == 200
        assert html(other).find(id="claimed-title").get_text(strip=True) == "Park survey"
