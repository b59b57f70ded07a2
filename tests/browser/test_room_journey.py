"""A live room in three browsers: two residents on phones and a facilitator's console,
plus the projector. A question is asked, approved, upvoted, pinned and answered, and every view
follows over the WebSocket without reloading. axe-core is clean on all three pages."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from deliberation.models import Consultation, ConsultationRole, ConsultationStatus, StaffRole, User
from tests.browser.conftest import PHONE, axe_check, login


def _room(server: Any, email: str) -> tuple[str, str, str]:
    async def make(session: Any) -> tuple[str, str, str]:
        from sqlalchemy import select

        from deliberation.services import accounts
        from rooms import services

        user = await session.scalar(select(User).where(User.email == email))
        consultation = Consultation(
            slug="pokoj-na-zywo",
            title="Park w centrum",
            summary="Park",
            status=ConsultationStatus.PUBLISHED,
        )
        session.add(consultation)
        await session.flush()
        session.add(
            ConsultationRole(
                consultation_id=consultation.id, user_id=user.id, role=StaffRole.FACILITATOR
            )
        )
        await session.commit()
        principal = await accounts.principal_for(session, user)
        room = await services.create_room(
            session, principal, consultation.id, title="Spotkanie o parku", premoderated=True
        )
        console = f"/consultations/{consultation.id}/rooms/{room.id}"
        return room.code, console, f"/r/{room.code}/screen?key={room.projector_key}"

    return server.run(make)  # type: ignore[no-any-return]


def _join(page: Any, server: Any, code: str, name: str) -> None:
    page.goto(server.url + "/r")
    page.get_by_label("Kod pokoju").fill(code.lower())
    page.get_by_role("button", name="Dołącz").click()
    page.wait_for_url(re.compile(rf"/r/{code}$"))
    page.get_by_label("Twoje imię").fill(name)
    page.get_by_role("button", name="Dołącz, aby pytać i głosować").click()
    expect(page.get_by_label("Twoje pytanie")).to_be_visible()


def test_live_room_journey(live_server, browser_context):
    from deliberation.models import Role

    email = live_server.create_user(Role.FACILITATOR, name="Prowadząca Anna")
    code, console_url, projector_url = _room(live_server, email)

    facilitator = browser_context().new_page()
    login(facilitator, live_server, email)
    facilitator.goto(live_server.url + console_url)
    expect(facilitator.locator("h1")).to_contain_text("Spotkanie o parku")

    alice = browser_context(PHONE).new_page()
    _join(alice, live_server, code, "Alicja")
    bob = browser_context(PHONE).new_page()
    _join(bob, live_server, code, "Bartek")
    screen = browser_context({"width": 1920, "height": 1080}).new_page()
    screen.goto(live_server.url + projector_url)
    expect(screen.locator(".room-code")).to_have_text(code)

    alice.get_by_label("Twoje pytanie").fill("Czy w parku będą <b>ławki</b>?")
    alice.get_by_role("button", name="Zadaj pytanie").click()
    expect(alice.locator("#ask-result")).to_contain_text("pojawi się, gdy prowadzący je zatwierdzi")

    pending = facilitator.locator("#question-list li.question-pending")
    expect(pending).to_contain_text("Czy w parku będą <b>ławki</b>?")
    expect(facilitator.locator("#room-counts")).to_contain_text("1 pytanie czeka")
    # Nothing is shown to residents before approval.
    expect(bob.locator("#question-list li.question")).to_have_count(0)
    pending.get_by_role("button", name="Zatwierdź").click()

    question = bob.locator("#question-list li.question").first
    expect(question).to_contain_text("Czy w parku będą <b>ławki</b>?")
    expect(question).to_contain_text("Alicja")
    vote = question.locator("form.vote-form button")
    vote.click()
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(question.locator("[id^=votes-]")).to_have_text("1")
    # The other resident and the projector follow.
    expect(alice.locator("#question-list li.question [id^=votes-]").first).to_have_text("1")
    expect(screen.locator("#screen-top")).to_contain_text("ławki")

    facilitator.locator("#question-list li.question").first.get_by_role(
        "button", name="Przypnij jako „teraz odpowiadamy”"
    ).click()
    for page in (alice, bob, screen):
        expect(page.locator("#room-pinned .pinned-body")).to_have_text(
            "Czy w parku będą <b>ławki</b>?"
        )
    facilitator.locator("#question-list li.question").first.get_by_role(
        "button", name="Oznacz jako odpowiedziane"
    ).click()
    expect(bob.locator("#question-list li.question").first).to_contain_text("Odpowiedziano")
    expect(alice.locator("#room-pinned")).to_contain_text("Teraz nie odpowiadamy")
    # The vote survives a reload (own vote state comes from the server).
    bob.reload()
    expect(bob.locator("form.vote-form button").first).to_have_attribute("aria-pressed", "true")

    for page in (alice, facilitator, screen):
        axe_check(page)
