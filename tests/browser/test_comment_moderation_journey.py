"""A resident comments, another replies, a third reports the reply, a moderator hides it with a
reason, its author sees the reason and appeals, a second moderator restores it. In Polish,
axe-core clean on every page, with the thread updating live for the first resident."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from deliberation.db import utcnow
from deliberation.models import (
    Consultation,
    ConsultationRole,
    ConsultationStatus,
    Role,
    StaffRole,
)
from deliberation.services import accounts
from tests.browser.conftest import PHONE, axe_check, login

SLOW = 120_000  # the first post loads the Polish lemma data in the server process


def _consultation(live_server: Any, moderators: list[str]) -> int:
    async def make(session: Any) -> int:
        consultation = Consultation(
            slug=f"park-{utcnow().timestamp()}",
            title="Nowy park przy Centrum",
            status=ConsultationStatus.PUBLISHED,
            published_at=utcnow(),
        )
        session.add(consultation)
        await session.flush()
        for email in moderators:
            user = await accounts.find_user_by_email(session, email)
            session.add(
                ConsultationRole(
                    consultation_id=consultation.id, user_id=user.id, role=StaffRole.MODERATOR
                )
            )
        await session.commit()
        return int(consultation.id)

    return int(live_server.run(make))


def test_comment_report_hide_appeal_restore(live_server, browser_context) -> None:
    anna = live_server.create_user(name="Anna Mieszkanka")
    bartek = live_server.create_user(name="Bartek Sąsiad")
    celina = live_server.create_user(name="Celina Czujna")
    first_mod = live_server.create_user(Role.MODERATOR, name="Moderatorka Pierwsza")
    second_mod = live_server.create_user(Role.MODERATOR, name="Moderator Drugi")
    cid = _consultation(live_server, [first_mod, second_mod])
    thread_url = f"{live_server.url}/consultations/{cid}/comments"

    # Anna comments; her own comment arrives through the live update.
    page_a = browser_context(PHONE).new_page()
    login(page_a, live_server, anna)
    page_a.goto(thread_url)
    expect(page_a.locator("html")).to_have_attribute("lang", "pl")
    axe_check(page_a)
    page_a.get_by_label("Twój komentarz").fill("Prosimy o więcej cienia przy placu zabaw.")
    page_a.get_by_label("Za").check()
    page_a.get_by_role("button", name="Dodaj komentarz").click()
    expect(page_a.get_by_text("Twój komentarz został dodany.")).to_be_visible(timeout=SLOW)
    anna_comment = page_a.locator("article.comment-main", has_text="więcej cienia")
    expect(anna_comment).to_be_visible()
    axe_check(page_a)

    # Bartek replies.
    page_b = browser_context().new_page()
    login(page_b, live_server, bartek)
    page_b.goto(thread_url)
    # The reply form is fetched when asked for (a plain link to a reply page without JS).
    page_b.get_by_role("link", name="Odpowiedz", exact=True).first.click()
    page_b.get_by_label("Twoja odpowiedź").fill("Zamiast cienia wolę fontannę, głupi pomysł.")
    page_b.get_by_role("button", name="Odpowiedz", exact=True).click()
    expect(page_b.get_by_text("Twój komentarz został dodany.")).to_be_visible(timeout=SLOW)
    axe_check(page_b)
    # Anna's open page shows the reply without a reload.
    expect(page_a.get_by_text("Zamiast cienia wolę fontannę")).to_be_visible()

    # Celina reports the reply.
    page_c = browser_context().new_page()
    login(page_c, live_server, celina)
    page_c.goto(thread_url)
    reply = page_c.locator("article.comment-main", has_text="fontannę")
    reply.get_by_role("link", name="Zgłoś").click()
    expect(page_c.locator("h1")).to_have_text("Zgłoś wypowiedź")
    axe_check(page_c)
    page_c.get_by_label("obraźliwe lub agresywne").check()
    page_c.get_by_role("button", name="Wyślij zgłoszenie").click()
    expect(page_c.get_by_text("Twoje zgłoszenie trafiło do moderatorów.")).to_be_visible()
    axe_check(page_c)

    # The first moderator hides it with a reason.
    page_m = browser_context().new_page()
    login(page_m, live_server, first_mod)
    page_m.goto(f"{live_server.url}/moderation")
    expect(page_m.locator("h1")).to_have_text("Kolejka moderacji")
    axe_check(page_m)
    item = page_m.locator("li.card", has_text="fontannę")
    expect(item).to_contain_text("Zgłoszenia")
    item.get_by_label("Powód ukrycia").select_option("offensive")
    item.get_by_role("button", name="Ukryj").click()
    page_m.wait_for_load_state("domcontentloaded")
    expect(page_m.get_by_text("Nie ma nic do sprawdzenia.")).to_be_visible()

    # Bartek sees why, and appeals once.
    page_b.goto(thread_url)
    mine = page_b.locator("article.comment-main", has_text="fontannę")
    expect(mine).to_contain_text("Ukryte przez moderatora: obraźliwe lub agresywne")
    axe_check(page_b)
    mine.get_by_label("Poproś innego moderatora o ponowne sprawdzenie").fill(
        "Nie chciałem nikogo obrazić."
    )
    mine.get_by_role("button", name="Wyślij odwołanie").click()
    expect(page_b.locator("h1")).to_have_text("Odwołanie wysłane")
    axe_check(page_b)
    # The public sees only the reason.
    page_c.goto(thread_url)
    expect(page_c.get_by_text("Ukryte przez moderatora: obraźliwe lub agresywne")).to_be_visible()
    expect(page_c.get_by_text("fontannę")).to_have_count(0)

    # The second moderator restores it.
    page_m2 = browser_context().new_page()
    login(page_m2, live_server, second_mod)
    page_m2.goto(f"{live_server.url}/moderation")
    appeal = page_m2.locator("li.card", has_text="Nie chciałem nikogo obrazić.")
    expect(appeal).to_contain_text("Autor prosi o ponowne sprawdzenie")
    axe_check(page_m2)
    appeal.get_by_label("Twoja decyzja, własnymi słowami").fill("Ostre, ale na temat.")
    appeal.locator("form", has_text="Autor prosi").get_by_role("button", name="Przywróć").click()
    page_m2.wait_for_load_state("domcontentloaded")
    page_c.goto(thread_url)
    expect(page_c.get_by_text("Zamiast cienia wolę fontannę")).to_be_visible()
    page_m2.goto(f"{live_server.url}/moderation/audit")
    expect(page_m2.locator("tbody tr")).to_have_count(4)  # hide, appeal, restore, decision
    axe_check(page_m2)
    assert re.search("Moderator Drugi", page_m2.locator("tbody").inner_text())
