"""A resident registers, logs out and in, switches language and sees the home page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, axe_check, login
from tests.helpers import PASSWORD


def test_register_login_switch_language(live_server, browser_context):
    page = browser_context(PHONE).new_page()
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Konsultacje społeczne"
    axe_check(page)

    page.get_by_role("link", name="Załóż konto").click()
    axe_check(page)
    # Submitting an empty form shows the errors in Polish, linked to the fields.
    page.get_by_role("button", name="Załóż konto").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-email")).to_have_text("To pole jest wymagane.")
    axe_check(page)

    email = "nowa.mieszkanka@example.org"
    page.get_by_label("Twoje imię lub pseudonim").fill("Nowa Mieszkanka")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło", exact=True).fill(PASSWORD)
    page.get_by_label("Powtórz hasło").fill(PASSWORD)
    page.get_by_role("button", name="Załóż konto").click()
    page.wait_for_url(re.compile(r"/account$"))
    expect(page.locator("h1")).to_have_text("Moje konto")
    axe_check(page)

    page.get_by_role("button", name="Wyloguj się").click()
    page.wait_for_url(re.compile(r"/$"))
    login(page, live_server, email)
    expect(page.get_by_role("link", name="Moje konto")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Public consultations")
    axe_check(page)

    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.locator("h1")).to_have_text("Accessibility statement")
    axe_check(page)


def test_wrong_password_message_and_no_login(live_server, browser_context):
    email = live_server.create_user()
    page = browser_context().new_page()
    login(page, live_server, email, password="wrong password!!")
    expect(page.locator("#error-summary")).to_contain_text(
        "Adres e-mail lub hasło są nieprawidłowe."
    )
    expect(page.get_by_role("link", name="Moje konto")).to_have_count(0)
    axe_check(page)
