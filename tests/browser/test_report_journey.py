"""A facilitator writes with live plain-language feedback; a resident reads the published report
and opens the sources of a summary sentence."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from deliberation.features import load_features
from deliberation.models import AuthorKind, Channel, ConsultationStatus, Role
from deliberation.permissions import ANONYMOUS
from deliberation.services import (
    accounts,
    participants,
    record,
    report_sections,
    responses,
    summaries,
)
from deliberation.services import consultations as consultation_service
from surveys import responses as survey_responses
from surveys import services as survey_services
from surveys.models import SurveyStatus
from tests.browser.conftest import PHONE, axe_check, login
from tests.conftest import TEST_SECRET
from tests.report.conftest import sample_rows
from tests.report.test_survey_results import ANSWERS
from tests.report.test_survey_results import definition as survey_definition

pytestmark = pytest.mark.browser

OFFICIAL = (
    "W związku z powyższym uprzejmie informujemy, że w celu realizacji przedsięwzięcia "
    "inwestycyjnego polegającego na modernizacji infrastruktury parkowej zostały "
    "przeprowadzone konsultacje, w ramach których mieszkańcy mieli możliwość zgłaszania "
    "zastrzeżeń."
)


async def _survey(session, who, consultation) -> None:
    """A survey with published results: three residents answered."""
    survey = await survey_services.create_survey(
        session, who, consultation, title="Ankieta o parku", working=survey_definition(False)
    )
    await survey_services.set_status(session, who, consultation, survey, SurveyStatus.OPEN)
    for index, full in enumerate(ANSWERS):
        answer = {k: v for k, v in full.items() if k != "ideas"}
        participant = await participants.ensure_participant(
            session, secret_key=TEST_SECRET, participant_secret=f"browser-{index}", user=None
        )
        await survey_responses.submit_response(
            session, ANONYMOUS, consultation, survey, participant.id, answer
        )
    await survey_services.publish_results(session, who, consultation, survey, True)


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
        for n in range(110):  # enough for a second page of the table
            record.add_contribution(
                session,
                consultation_id=consultation.id,
                channel=Channel.ONLINE_COMMENT,
                body=f"Jeszcze jedna uwaga o parku, numer {n}.",
                author_kind=AuthorKind.PARTICIPANT,
            )
        await session.commit()
        who = await accounts.principal_for(session, user)
        await _survey(session, who, consultation)
        await responses.respond(
            session,
            who,
            consultation,
            status="accepted",
            justification="Wymienimy latarnie jesienią.",
            contribution_ids=[first.id],
        )
        surveys = await report_sections.survey_reports(
            session, who, consultation, "pl", report_sections.providers_for(load_features())
        )
        await summaries.generate_draft(
            session,
            who,
            consultation,
            "pl",
            summaries.make_summarizer(None),
            report_sections.highlights(surveys),
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
    survey = reader.locator("section.survey-results").first
    expect(survey.locator("h3")).to_have_text("Ankieta o parku")
    expect(survey.locator("figure.chart svg[role=img]").first).to_be_visible()
    expect(survey.locator(".reading").first).to_contain_text("Tak, często")
    expect(reader.locator("nav.pager")).to_contain_text("Strona 1 z 2")
    axe_check(reader)
    reader.get_by_label("Odpowiedź", exact=True).select_option("accepted")
    reader.get_by_role("button", name="Pokaż").click()
    expect(reader.locator("table.contributions-table tbody tr")).to_have_count(1)
    expect(reader.locator("nav.pager")).to_have_count(0)
    axe_check(reader)

    reader.goto(f"{live_server.url}/consultations/{consultation_id}/what-we-heard")
    link = reader.locator("a.sources-link").first
    link.click()
    expect(reader.locator(".sources-box .sources li").first).to_be_visible(timeout=5000)
    expect(reader.locator("a.results-link").first).to_be_visible()
    axe_check(reader)
