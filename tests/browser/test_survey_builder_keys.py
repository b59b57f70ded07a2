"""A facilitator reorders a question's options with the keyboard only (htmx keeps the focus on
the moved option's button); a resident checks their answers with the claim code."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from deliberation.models import ConsultationStatus, Role
from deliberation.permissions import ANONYMOUS
from deliberation.services import accounts, consultations, participants
from surveys import responses, services
from surveys.models import SurveyStatus
from tests.browser.conftest import axe_check, login
from tests.surveys.conftest import park_definition

pytestmark = pytest.mark.browser


def _setup(live_server: Any) -> tuple[str, str, str]:
    email = live_server.create_user(Role.FACILITATOR, name="Fiona Facylitatorka")

    async def make(session: Any) -> tuple[str, str]:
        user = await accounts.find_user_by_email(session, email)
        consultation = await consultations.create_consultation(
            session, title="Park", summary="Powiedz nam o parku.", created_by_id=user.id
        )
        await consultations.advance_status(session, consultation, ConsultationStatus.PUBLISHED)
        staff = await accounts.principal_for(session, user)
        survey = await services.create_survey(
            session, staff, consultation, title="Ankieta o parku", working=park_definition()
        )
        await services.set_status(session, staff, consultation, survey, SurveyStatus.OPEN)
        participant = await participants.ensure_participant(
            session, secret_key="browser-test", participant_secret="p-1", user=None
        )
        await session.commit()
        submitted = await responses.submit_response(
            session, ANONYMOUS, consultation, survey, participant.id,
            {"visit": "yes", "needs": ["trees"], "rating": 4,
             "ideas": "Więcej drzew przy alejkach."},
        )  # fmt: skip
        return f"/consultations/{consultation.id}/surveys/{survey.id}", submitted.claim_code

    path, code = live_server.run(make)
    return email, path, code


def _tab_to(page: Any, element_id: str) -> None:
    for _ in range(60):
        if page.evaluate("document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"no focusable element with id={element_id!r}")


def test_reorder_options_with_the_keyboard_and_check_a_claim_code(
    live_server: Any, browser_context: Any
) -> None:
    email, path, code = _setup(live_server)
    staff = browser_context().new_page()
    login(staff, live_server, email)
    staff.goto(live_server.url + path + "/edit")
    needs = staff.locator("#question-needs")
    needs.locator("summary").focus()
    staff.keyboard.press("Enter")  # open the question's edit form
    _tab_to(staff, "opt-down-needs-benches")
    staff.keyboard.press("Enter")
    labels = needs.locator("input[name=opt_label]")
    expect(labels.nth(0)).to_have_value("Lights")
    expect(labels.nth(1)).to_have_value("Benches")
    expect(staff.locator("#opt-down-needs-benches")).to_be_focused()
    expect(needs.locator("details")).to_have_attribute("open", "")
    staff.keyboard.press("Enter")  # again: benches goes last
    expect(labels.nth(2)).to_have_value("Benches")
    expect(staff.locator("#opt-down-needs-benches")).to_be_focused()
    axe_check(staff)

    resident = browser_context().new_page()
    resident.goto(live_server.url + "/surveys/claim")  # the old address moves to /my-input
    expect(resident).to_have_url(live_server.url + "/my-input")
    axe_check(resident)
    resident.locator("#field-code").fill(code.lower())
    resident.keyboard.press("Enter")
    expect(resident.locator("#claimed-title")).to_have_text("Ankieta o parku")
    expect(resident.locator("dl.review")).to_contain_text("Trees")
    expect(resident.locator(".claimed-open")).to_contain_text("Więcej drzew przy alejkach.")
    axe_check(resident)
