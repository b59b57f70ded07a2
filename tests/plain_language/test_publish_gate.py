"""Publishing a consultation whose summary is above the plain-language target asks first, and
the confirmation is noted (who, score, target)."""

from __future__ import annotations

from sqlalchemy import select

from deliberation.models import Consultation, ConsultationStatus, Role
from deliberation.models.report import ReadabilityConfirmation
from deliberation.services import plain_language
from tests.consultations.conftest import make_consultation
from tests.helpers import create_user, html
from tests.plain_language.test_check import OFFICIAL_PL, PLAIN_PL


async def test_hard_summary_needs_a_confirmation_which_is_noted(session, client):
    facilitator = await create_user(session, Role.FACILITATOR)
    consultation = await make_consultation(session, facilitator, summary=OFFICIAL_PL)
    await session.commit()
    check = plain_language.check_publish_readability(consultation, target=10)
    assert check.needs_confirmation and check.score is not None
    await client.login(facilitator.email)
    url = f"/staff/consultations/{consultation.id}/status"

    asked = await client.submit(url, {"status": "published"})
    assert asked.status_code == 409
    doc = html(asked)
    form = doc.find("input", attrs={"name": "confirm_readability"}).find_parent("form")
    assert form["action"] == url
    assert doc.select_one(".readability-notes li") is not None
    await session.refresh(consultation)
    assert consultation.status is ConsultationStatus.DRAFT
    assert await session.scalar(select(ReadabilityConfirmation.id)) is None

    confirmed = await client.submit(url, {"status": "published", "confirm_readability": "yes"})
    assert confirmed.status_code == 303
    row = await session.scalar(select(ReadabilityConfirmation))
    assert row is not None
    assert row.confirmed_by_id == facilitator.id
    assert row.score == round(check.score, 2) and row.target == 10
    status = await session.scalar(
        select(Consultation.status).where(Consultation.id == consultation.id)
    )
    assert status is ConsultationStatus.PUBLISHED


async def test_plain_summary_publishes_at_once(session, client):
    facilitator = await create_user(session, Role.FACILITATOR)
    consultation = await make_consultation(session, facilitator, summary=PLAIN_PL)
    await session.commit()
    await client.login(facilitator.email)
    response = await client.submit(
        f"/staff/consultations/{consultation.id}/status", {"status": "published"}
    )
    assert response.status_code == 303
    assert await session.scalar(select(ReadabilityConfirmation.id)) is None


async def test_the_target_is_a_setting(settings):
    assert settings.plain_language_target == 10.0
