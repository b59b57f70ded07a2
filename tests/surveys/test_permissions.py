"""Who sees what: unpublished results and single responses only for the consultation's staff."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.models import Role, StaffRole
from deliberation.services import accounts
from surveys import services
from tests.helpers import create_user
from tests.surveys.conftest import World, make_world

WHO = ["anonymous", "resident", "other_facilitator", "moderator", "facilitator", "admin"]
STAFF = {"facilitator", "admin"}


async def as_who(session: AsyncSession, world: World, make_client: Any, who: str) -> Any:
    client = make_client()
    if who == "anonymous":
        return client
    if who == "facilitator":
        email = world.facilitator.email
    elif who == "other_facilitator":
        other = await make_world(session)
        email = other.facilitator.email
    elif who == "moderator":
        user = await create_user(session, Role.MODERATOR)
        await accounts.assign_staff(
            session,
            consultation_id=world.consultation.id,
            user_id=user.id,
            role=StaffRole.MODERATOR,
        )
        email = user.email
    else:
        email = (
            await create_user(session, Role.RESIDENT if who == "resident" else Role.ADMIN)
        ).email
    await client.login(email)
    return client


PAGES = [
    "/results",
    "/responses",
    "/export/responses.csv",
    "/export/results.csv",
    "/edit",
    "/paper",
]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("published", [False, True], ids=["unpublished", "published"])
async def test_matrix(
    session: AsyncSession, world: World, make_client: Any, who: str, published: bool
) -> None:
    if published:
        await services.publish_results(session, world.staff, world.consultation, world.survey, True)
    client = await as_who(session, world, make_client, who)
    base = f"/consultations/{world.consultation.id}/surveys/{world.survey.id}"
    for tail in PAGES:
        response = await client.get(base + tail)
        public = published and tail in ("/results", "/export/results.csv")
        allowed = who in STAFF or public
        if allowed:
            assert response.status_code == 200, (who, tail, response.status_code)
        else:
            assert response.status_code in (303, 401, 403), (who, tail, response.status_code)
