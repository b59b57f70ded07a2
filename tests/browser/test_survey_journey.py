"""A resident on a phone answers a survey with a conditional question using only the keyboard;
a facilitator types in a paper response; the published results show both channels."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from deliberation.models import ConsultationStatus, Role
from deliberation.services import accounts, consultations
from surveys import services
from surveys.models import Layout, SurveyStatus
from tests.browser.conftest import PHONE, axe_check, login
from tests.surveys.conftest import park_definition


def _setup(live_server: Any) -> tuple[str, str]:
    email = live_server.create_user(Role.FACILITATOR, name="Fiona Facylitatorka")

    async def make(session: Any) -> str:
        user = await accounts.find_user_by_email(session, email)
        consultation = await consultations.create_consultation(
            session,
            title="Park przy Sobieskiego",
            summary="Powiedz nam o parku.",
            created_by_id=user.id,
        )
        await consultations.advance_status(session, consultation, ConsultationStatus.PUBLISHED)
        staff = await accounts.principal_for(session, user)
        survey = await services.create_survey(
            session, staff, consultation, title="Ankieta o parku", working=park_definition()
        )
        survey.layout = Layout.ONE_PER_SCREEN
        await services.set_status(session, staff, consultation, survey, SurveyStatus.OPEN)
        return f"/consultations/{consultation.id}/surveys/{survey.id}"

    return email, live_server.run(make)


def _tab_to(page: Any, attribute: str, value: str) -> None:
    """Press Tab until the focused element has this id or value, as a keyboard user would."""
    for _ in range(30):
        if page.evaluate(f"document.activeElement.{attribute}") == value:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"no focusable element with {attribute}={value!r}")


def test_resident_paper_and_published_results(live_server: Any, browser_context: Any) -> None:
    email, path = _setup(live_server)

    # A resident on a phone, keyboard only.
    page = browser_context(PHONE).new_page()
    page.goto(live_server.url + path)
    expect(page.locator("#progress-text")).to_have_text("Pytanie 1 z 3")
    axe_check(page)
    expect(page.locator("#q-visit-yes")).to_be_focused()
    page.keyboard.press("Space")  # "Yes": the follow-up question applies
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Next
    expect(page.locator("legend", has_text="What does the park need?")).to_be_visible()
    axe_check(page)
    for _ in range(3):  # benches, lights, trees: one too many
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    _tab_to(page, "value", "next")
    page.keyboard.press("Enter")
    expect(page.locator("#error-q_needs")).to_contain_text("najwyżej 2")
    axe_check(page)
    _tab_to(page, "id", "q-needs-trees")
    page.keyboard.press("Space")  # untick the third
    _tab_to(page, "value", "next")
    page.keyboard.press("Enter")
    expect(page.locator("#progress-text")).to_have_text("Pytanie 3 z 4")
    page.keyboard.press("ArrowRight")  # the scale starts focused on 1; arrows choose
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#progress-text")).to_have_text("Pytanie 4 z 4")
    page.keyboard.type("Więcej ławek przy placu zabaw")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#progress-text")).to_have_text("Sprawdź odpowiedzi i wyślij je")
    axe_check(page)
    expect(page.get_by_role("button", name="Wyślij odpowiedzi")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Dziękujemy za odpowiedzi")
    expect(page.locator("#claim-code")).to_have_text(
        re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")
    )
    axe_check(page)

    # A facilitator types in a paper form with the keyboard.
    staff = browser_context().new_page()
    login(staff, live_server, email)
    staff.goto(live_server.url + path + "/paper")
    axe_check(staff)
    expect(staff.locator("#q-visit-yes")).to_be_focused()
    staff.keyboard.press("ArrowDown")  # "No"
    staff.keyboard.press("Enter")
    expect(staff.locator("#paper-saved")).to_be_visible()
    axe_check(staff)

    staff.goto(live_server.url + path + "/edit")
    axe_check(staff)
    staff.get_by_role("button", name="Opublikuj wyniki").click()
    expect(staff.get_by_role("button", name="Ukryj wyniki")).to_be_visible()

    # Anyone can now read the results, with both channels counted.
    reader = browser_context(PHONE).new_page()
    reader.goto(live_server.url + path + "/results")
    visit = reader.locator("#result-visit")
    expect(visit.locator("svg title")).to_have_text("Do you visit the park?")
    rows = visit.locator("table tbody tr")
    expect(rows.nth(0)).to_contain_text("Yes")
    assert rows.nth(0).locator("td").nth(0).inner_text() == "1"  # online
    assert rows.nth(1).locator("td").nth(1).inner_text() == "1"  # paper
    expect(visit.locator(".reading")).to_contain_text("50")
    expect(reader.locator("#result-ideas blockquote")).to_have_text("Więcej ławek przy placu zabaw")
    axe_check(reader)
