"""A facilitator prepares a hybrid consultation and meeting notes; a resident follows on a phone."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from deliberation.models import AuthorKind, Channel, Consultation, Role
from deliberation.services import record as record_service
from tests.browser.conftest import PHONE, axe_check, login

COMMENT = "Przy głównej alejce potrzebne są nowe latarnie, wieczorem jest ciemno."
POINT = "Pani z Redenu powtórzyła, że latarnie przy alejce to najpilniejsza sprawa."


def add_online_comment(server: Any, title: str, author_email: str) -> None:
    async def go(session: Any) -> None:
        from deliberation.services import accounts

        consultation = await session.scalar(select(Consultation).where(Consultation.title == title))
        author = await accounts.find_user_by_email(session, author_email)
        contribution = record_service.add_contribution(
            session,
            consultation_id=consultation.id,
            channel=Channel.ONLINE_COMMENT,
            body=COMMENT,
            author_kind=AuthorKind.ACCOUNT,
            author_user_id=author.id,
        )
        await record_service.created(session, contribution)
        await session.commit()

    server.run(go)


def test_hybrid_consultation_journey(live_server, browser_context):
    facilitator = live_server.create_user(Role.FACILITATOR, name="Filip Facylitator")
    resident = live_server.create_user(Role.RESIDENT, name="Renata Mieszkanka")
    title = "Nowe oświetlenie w parku Zielony Jar"
    today = date.today()

    page = browser_context().new_page()
    login(page, live_server, facilitator)
    page.goto(live_server.url + "/staff")
    axe_check(page)
    page.get_by_role("link", name="Nowe konsultacje").click()
    axe_check(page)
    page.get_by_label("Tytuł").fill(title)
    page.get_by_label("Krótkie streszczenie prostym językiem").fill(
        "Miasto wymieni latarnie w parku. Powiedz, gdzie brakuje światła."
    )
    page.get_by_label("Pełny opis").fill("## Co planujemy\n\nNowe **latarnie LED** przy alejkach.")
    page.get_by_label("Obszar", exact=True).select_option("district")
    page.get_by_label("Nazwa dzielnicy lub osiedla").fill("Gołonóg")
    page.get_by_label("Komentarze w internecie").check()
    page.get_by_label("Spotkania").check()
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator("h1")).to_have_text(title)
    axe_check(page)

    collecting_start, collecting_end = today - timedelta(days=1), today + timedelta(days=30)
    page.locator("#field-collecting_starts_on").fill(collecting_start.isoformat())
    page.locator("#field-collecting_ends_on").fill(collecting_end.isoformat())
    page.get_by_role("button", name="Zapisz etapy").click()
    expect(page.locator(".notice")).to_have_text("Zapisano.")

    page.get_by_role("link", name="Dodaj spotkanie").click()
    axe_check(page)
    page.get_by_label("Tytuł").fill("Spotkanie w Centrum Aktywności Obywatelskiej")
    page.get_by_label("Forma").select_option("hybrid")
    page.get_by_label("Data").fill((today + timedelta(days=5)).isoformat())
    page.get_by_label("Początek o godzinie (czas polski)").fill("17:00")
    page.get_by_label("Koniec o godzinie").fill("19:00")
    page.get_by_label("Miejsce").fill("Centrum Aktywności Obywatelskiej, ul. Kościuszki 10")
    page.get_by_label("Link do spotkania online").fill("https://spotkanie.example.org/park")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator("h1")).to_have_text(title)
    page.get_by_role("button", name="Opublikuj").click()
    expect(page.get_by_role("button", name="Zakończ zbieranie uwag")).to_be_visible()

    add_online_comment(live_server, title, resident)

    page.get_by_role("link", name=re.compile("^Notatka ze spotkania")).click()
    axe_check(page)
    page.get_by_label("Co zostało powiedziane").fill(POINT)
    page.get_by_label("Kto zabrał głos").fill("Mieszkanka Redenu")
    page.get_by_label("Znajdź uwagę, do której odnosi się ten głos").fill("latarnie")
    comment_choice = page.get_by_label(re.compile("Przy głównej alejce"))
    expect(comment_choice).to_be_visible()
    comment_choice.check()
    page.get_by_label("Jak ten głos się do niej odnosi").select_option("repeats")
    axe_check(page)
    page.get_by_role("button", name="Dodaj głos").click()
    expect(page.locator(".timeline-list .contribution-body")).to_have_text(POINT)
    page.get_by_label("Liczba obecnych osób").fill("23")
    page.get_by_label("Opublikuj notatkę").check()
    page.get_by_role("button", name="Zapisz notatkę").click()
    expect(page.get_by_text("Opublikowana", exact=True)).to_be_visible()
    axe_check(page)

    phone = browser_context(PHONE).new_page()
    login(phone, live_server, resident)
    phone.goto(live_server.url + "/consultations")
    axe_check(phone)
    phone.get_by_label("Szukaj").fill("oswietlenie golonog")
    phone.get_by_role("button", name="Pokaż").click()
    axe_check(phone)
    phone.get_by_role("link", name=title).click()
    expect(phone.locator("h1")).to_have_text(title)
    axe_check(phone)
    record = phone.locator("#record")
    point = record.locator("article.channel-meeting_note")
    comment = record.locator("article.channel-online_comment")
    expect(point.locator(".contribution-body")).to_have_text(POINT)
    expect(comment.locator(".contribution-body")).to_have_text(COMMENT)
    expect(point.locator(".channel-label")).not_to_have_text(
        comment.locator(".channel-label").inner_text()
    )
    # the point cites the comment, and the comment shows who cites it
    expect(comment.locator(".links")).to_contain_text("Odnosi się do niej")
    point.locator(".links a").click()
    expect(phone.locator("article .contribution-body")).to_have_text(COMMENT)
    expect(phone.locator("article .links")).to_contain_text(POINT[:40])
    axe_check(phone)
