"""A facilitator writes with live plain-language feedback; a resident reads the published report
and opens the sources of a summary sentence."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from deliberation.models import AuthorKind, Channel, ConsultationStatus, Role
from deliberation.services import accounts, record, responses, summaries
from deliberation.services import consultations as consultation_service
from tests.browser.conftest import PHONE, axe_check, login
from tests.report.conftest import sample_rows

pytestmark = pytest.mark.browser

OFFICIAL = (
    "W związku z powyższym uprzejmie informujemy, że w celu realizacji przedsięwzięcia "
    "inwestycyjnego polegającego na modernizacji infrastruktury parkowej zostały "
    "przeprowadzone konsultacje, w ramach których mieszkańcy mieli możliwość zgłaszania "
    "zastrzeżeń."
)


def _prepare(live_server, email: str) -> int:
    async def build(session):
        user = await accounts.find_user_by_email(session, email)
        consultation = await consultation_service.create_consultation(
            session, title="Park przy stawie", created_by_id=user.id, summary="Odnawiamy park."
        )
        await consultation_service.advance_status(
            session, consultation, ConsultationStatus.PUBLISHED
        )
        first = None
        for row in sample_rows()[:20]:
            contribution = record.add_contribution(
                session,
                consultation_id=consultation.id,
                channel=Channel(row["channel"]),
                body=row["text"],
                author_kind=AuthorKind.PARTICIPANT,
            )
            await session.flush()
            first = first or contribution
            theme = await record.ensure_theme(session, consultation.id, row["theme"])
            await record.tag(session, contribution, theme)
        await session.commit()
        who = await accounts.principal_for(session, user)
        await responses.respond(
            session,
            who,
            consultation,
            status="accepted",
            justification="Wymienimy latarnie jesienią.",
            contribution_ids=[first.id],
        )
        await summaries.generate_draft(
            session, who, consultation, "pl", summaries.make_summarizer(None)
        )
        await summaries.publish(session, who, consultation, "pl")
        await consultation_service.advance_status(session, consultation, ConsultationStatus.CLOSED)
        await consultation_service.advance_status(
            session, consultation, ConsultationStatus.REPORT_PUBLISHED
        )
        return consultation.id

    return live_server.run(build)


def test_live_readability_and_published_report(live_server, browser_context):
    email = live_server.create_user(Role.FACILITATOR)
    consultation_id = _prepare(live_server, email)
    page = browser_context().new_page()
    login(page, live_server, email)

    page.goto(f"{live_server.url}/staff/consultations/{consultation_id}/report")
    page.get_by_label("Wnioski").fill(OFFICIAL)
    box = page.locator("#readability-conclusions")
    expect(box.locator(".readability-level strong")).to_have_text("bardzo trudny", timeout=5000)
    expect(box.locator("mark").first).to_be_visible()
    expect(box.locator(".readability-notes")).to_contain_text("Urzędowe wyrażenie")
    expect(box.locator(".readability-scores")).to_contain_text("FOG-PL")
    axe_check(page)
    page.get_by_label("Wnioski").fill("Park będzie nowy. Dajcie znać, co chcecie. Czekamy do maja.")
    expect(box.locator(".readability-verdict")).to_contain_text("w normie", timeout=5000)

    reader = browser_context(PHONE).new_page()
    reader.goto(f"{live_server.url}/consultations/{consultation_id}/report")
    expect(reader.locator("h1")).to_contain_text("Raport z konsultacji")
    expect(reader.locator("table.contributions-table caption")).to_be_visible()
    expect(reader.locator("table.contributions-table")).to_contain_text("Wymienimy latarnie")
    axe_check(reader)

    reader.goto(f"{live_server.url}/consultations/{consultation_id}/what-we-heard")
    link = reader.locator("a.sources-link").first
    link.click()
    expect(reader.locator(".sources-box .sources li").first).to_be_visible(timeout=5000)
    axe_check(reader)
