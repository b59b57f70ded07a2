"""Who may do what in the report: role x action, over HTTP."""

from __future__ import annotations

import pytest

from tests.report.conftest import add

ROLES = ("admin", "facilitator", "other_facilitator", "moderator", "resident", None)
STAFF_PAGES = ("report", "responses", "summary")
WRITERS = {"admin", "facilitator"}


def expected(who: str | None, allowed: int, visitor: int = 303) -> int:
    """Writers get through; visitors are asked to log in; everyone else is refused."""
    if who in WRITERS:
        return allowed
    return visitor if who is None else 403


async def as_client(make_client, cast, who):
    client = make_client()
    if who is not None:
        await client.login(getattr(cast, who).email)
    else:
        await client.prime()
    return client


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("page", STAFF_PAGES)
async def test_staff_pages(session, cast, make_client, who, page):
    client = await as_client(make_client, cast, who)
    response = await client.get(f"/staff/consultations/{cast.consultation.id}/{page}")
    assert response.status_code == expected(who, 200)


@pytest.mark.parametrize("who", ROLES)
async def test_respond(session, cast, make_client, who):
    contribution = await add(session, cast.consultation, "Uwaga.")
    await session.commit()
    client = await as_client(make_client, cast, who)
    response = await client.submit(
        f"/staff/consultations/{cast.consultation.id}/responses",
        {"contribution_id": str(contribution.id), "status": "accepted", "justification": "Tak."},
    )
    assert response.status_code == expected(who, 303, visitor=401)


@pytest.mark.parametrize("who", ROLES)
async def test_generate_summary(session, cast, make_client, who):
    client = await as_client(make_client, cast, who)
    response = await client.submit(f"/staff/consultations/{cast.consultation.id}/summary/generate")
    assert response.status_code == expected(who, 303, visitor=401)


@pytest.mark.parametrize("who", ROLES)
async def test_unpublished_report_is_for_its_staff(session, cast, make_client, who):
    client = await as_client(make_client, cast, who)
    response = await client.get(f"/consultations/{cast.consultation.id}/report.json")
    readers = {"admin", "facilitator", "moderator"}
    assert response.status_code == (200 if who in readers else 404)
