"""The plain-language check: levels and marks in words, scores per language, the htmx route."""

from __future__ import annotations

import pytest

from deliberation import i18n
from deliberation.models import Role
from deliberation.readability import MARK_CODES, Level
from deliberation.services import plain_language
from tests.helpers import create_user, html

OFFICIAL_PL = (
    "W związku z powyższym uprzejmie informujemy, że w celu realizacji przedsięwzięcia "
    "inwestycyjnego polegającego na modernizacji infrastruktury parkowej zostały "
    "przeprowadzone konsultacje, w ramach których mieszkańcy mieli możliwość zgłaszania "
    "zastrzeżeń do przedstawionej dokumentacji projektowej."
)
PLAIN_PL = "Chcemy odnowić park. Napisz, czego potrzebujesz. Czekamy na uwagi do końca maja."
OFFICIAL_EN = (
    "Notwithstanding the aforementioned considerations, the municipality will endeavour to "
    "facilitate the implementation of the comprehensive infrastructural modernisation programme "
    "in accordance with the applicable regulations."
)


def test_every_level_and_mark_code_has_words():
    assert set(plain_language.LEVEL_LABELS) == set(Level)
    assert set(plain_language.MARK_LABELS) == set(MARK_CODES)


def test_polish_text_gets_fog_and_pisarek_never_flesch():
    result = plain_language.check(OFFICIAL_PL, "pl", target=10)
    names = [name for name, _value in result.scores]
    assert names[0] == "FOG-PL" and not any("Flesch" in n for n in names)
    assert not result.target_met
    codes = {note.code for note in result.notes}
    assert "sentence.long" in codes or "sentence.very_long" in codes
    assert "officialese.replace" in codes
    assert any(note.suggestion for note in result.notes)
    assert plain_language.check(PLAIN_PL, "pl", target=10).target_met
    with i18n.language("pl"):
        assert "," in plain_language.check(OFFICIAL_PL, "pl").scores[0][1]  # Polish decimals
    with i18n.language("en"):
        assert "." in plain_language.check(OFFICIAL_PL, "pl").scores[0][1]


def test_english_text_gets_flesch():
    with i18n.language("en"):
        result = plain_language.check(OFFICIAL_EN, "en")
    assert result.scores[0][0] == "Flesch Reading Ease"
    assert not result.target_met


def test_marks_are_escaped_and_labelled():
    result = plain_language.check("<script>x</script> " + OFFICIAL_PL, "pl", prefix="rl-t")
    assert "<script>" not in str(result.marked)
    doc = html(type("R", (), {"text": str(result.marked)})())
    marks = doc.find_all("mark")
    assert marks
    for mark in marks:
        assert mark.find("span", class_="visually-hidden").get_text().strip()
        assert mark.find("a")["href"].startswith("#rl-t-note-")


@pytest.fixture
async def staff_client(session, client):
    user = await create_user(session, Role.FACILITATOR)
    await session.commit()
    await client.login(user.email)
    return client


@pytest.mark.parametrize("language", ["pl", "en"])
async def test_htmx_route_renders_the_partial(staff_client, language):
    text = OFFICIAL_PL if language == "pl" else OFFICIAL_EN
    response = await staff_client.submit(
        "/plain-language/check",
        {"field": "summary", "summary": text, "language": language},
        headers={"hx-request": "true"},
    )
    assert response.status_code == 200
    doc = html(response)
    assert doc.find("html") is None
    level = doc.select_one(".readability-level strong")
    with i18n.language("pl"):
        hard_words = {str(plain_language.LEVEL_LABELS[lvl]) for lvl in Level}
    assert level.get_text() in hard_words  # the UI is Polish by default
    assert doc.select(".readability-notes li")
    assert doc.select_one(".readability-text mark") is not None
    dts = [dt.get_text() for dt in doc.select(".readability-scores dt")]
    assert ("FOG-PL" in dts) == (language == "pl")


async def test_plain_post_without_js_renders_a_page(staff_client):
    response = await staff_client.submit(
        "/plain-language/check", {"field": "description", "description": PLAIN_PL}
    )
    assert response.status_code == 200
    doc = html(response)
    assert doc.find("h1") is not None
    assert doc.find("textarea").get_text() == PLAIN_PL
    assert "w normie" in doc.select_one(".readability-level").get_text()


async def test_english_interface(staff_client):
    await staff_client.submit("/language", {"language": "en", "next": "/"})
    response = await staff_client.submit(
        "/plain-language/check",
        {"field": "t", "t": OFFICIAL_PL, "language": "pl"},
        headers={"hx-request": "true"},
    )
    notes = html(response).select(".readability-notes li strong")
    assert "Long sentence (over 20 words)" in [n.get_text() for n in notes] or any(
        "sentence" in n.get_text() for n in notes
    )


async def test_residents_and_visitors_cannot_use_the_route(session, client):
    anonymous = await client.submit("/plain-language/check", {"text": "Tekst."})
    assert anonymous.status_code in (401, 303)
    resident = await create_user(session, Role.RESIDENT)
    await session.commit()
    await client.login(resident.email)
    assert (await client.submit("/plain-language/check", {"text": "Tekst."})).status_code == 403
