"""A respondent checks their answers with the claim code: online, paper, errors, rate limit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation import ratelimit
from deliberation.errors import NotFound, RateLimited
from deliberation.permissions import ANONYMOUS
from surveys import responses
from tests.helpers import html
from tests.surveys.conftest import World


def url(world: World, tail: str = "") -> str:
    return f"/consultations/{world.consultation.id}/surveys/{world.survey.id}{tail}"


async def test_code_from_the_thanks_page_shows_the_answers(client: Any, world: World) -> None:
    sent = await client.submit(
        url(world), {"nav": "submit", "q_visit": "yes", "q_needs": ["benches"], "q_rating": "5"}
    )
    doc = html(sent)
    code = doc.find(id="claim-code").get_text(strip=True)
    link = doc.find("a", href="/surveys/claim")
    assert link is not None
    form = await client.get("/surveys/claim")
    assert html(form).find("input", id="field-code") is not None
    shown = await client.submit("/surveys/claim", {"code": f"  {code.lower()} "})
    assert shown.status_code == 200, shown.text
    page = html(shown)
    assert page.find(id="claimed-title").get_text(strip=True) == "Park survey"
    review = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
        for dt in page.find("dl", class_="review").find_all("dt")
    }
    assert review["Do you visit the park?"] == "Yes"
    assert review["How do you rate the park?"] == "5"
    assert "Benches" in review["What does the park need?"]


async def test_paper_response_and_version(session: AsyncSession, world: World) -> None:
    participant = await world.participant(session, "claimer")
    submitted = await responses.submit_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, {"visit": "no"}
    )
    claimed = await responses.claim(session, submitted.claim_code.replace("-", " "))
    assert claimed.response.id == submitted.response.id
    assert claimed.version_number == 1
    assert claimed.survey.id == world.survey.id
    paper = await responses.enter_paper_response(
        session, world.staff, world.consultation, world.survey, {"visit": "no"},
        received_on=date.today(),
    )  # fmt: skip
    assert paper.claim_hash is None  # paper forms get no code: nothing to find


async def test_wrong_codes_are_explained_in_polish(client: Any, world: World) -> None:
    short = await client.submit(
        "/surveys/claim", {"code": "ABC"}, headers={"accept-language": "pl"}
    )
    assert short.status_code == 404
    assert html(short).find(id="error-code").get_text(strip=True) == (
        "Kod ma 12 liter i cyfr. Sprawdź go i spróbuj jeszcze raz."
    )
    unknown = await client.submit("/surveys/claim", {"code": "AAAA-BBBB-CCCC"})
    assert unknown.status_code == 404
    assert html(unknown).find(id="error-code") is not None


async def test_tries_are_limited_per_network(session: AsyncSession) -> None:
    limit = ratelimit.Limit(capacity=2, period_seconds=600)
    for _ in range(2):
        with pytest.raises(NotFound):
            await responses.claim(session, "AAAA-BBBB-CCCC", network="n1", limit=limit)
    with pytest.raises(RateLimited) as refused:
        await responses.claim(session, "AAAA-BBBB-CCCC", network="n1", limit=limit)
    assert refused.value.retry_after > 0
