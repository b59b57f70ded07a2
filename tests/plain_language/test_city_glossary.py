"""A city's own glossary (DELIBERATION_GLOSSARY_PATH): merged with the built-in one, checked at
start-up with a clear error, used by every editor's check."""

from __future__ import annotations

import pytest

from deliberation.models import Role
from deliberation.readability import clear_glossary_cache
from deliberation.services import plain_language
from deliberation.settings import ConfigurationError
from tests.conftest import make_settings
from tests.helpers import create_user, html

CITY_PL = (
    "# Słowniczek urzędu miasta\n"
    "pas drogowy\tulica\tmówimy o ulicy\n"
    "w związku z powyższym\tz tego powodu\n"  # replaces the built-in "dlatego"
)
CITY_EN = "carriageway\troad\n"
TEXT = "W związku z powyższym zamkniemy pas drogowy przy parku."


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_glossary_cache()
    yield
    clear_glossary_cache()


def suggestions(result: plain_language.Check) -> dict[str, str | None]:
    return {
        note.passage.lower(): note.suggestion for note in result.notes if note.kind == "officialese"
    }


def test_a_city_file_adds_and_replaces_entries(tmp_path):
    path = tmp_path / "glossary.tsv"
    path.write_text(CITY_PL, encoding="utf-8")
    builtin = suggestions(plain_language.check(TEXT, "pl"))
    assert "pas drogowy" not in builtin and builtin["w związku z powyższym"] == "dlatego"
    city = suggestions(plain_language.check(TEXT, "pl", glossary_path=str(path)))
    assert city["pas drogowy"] == "ulica"
    assert city["w związku z powyższym"] == "z tego powodu"
    # A single file is Polish: English texts keep the built-in list only.
    english = plain_language.check("Close the carriageway.", "en", glossary_path=str(path))
    assert not suggestions(english)


def test_a_directory_holds_one_file_per_language(tmp_path):
    (tmp_path / "en.tsv").write_text(CITY_EN, encoding="utf-8-sig")  # a BOM is fine
    english = plain_language.check("Close the carriageway.", "en", glossary_path=str(tmp_path))
    assert suggestions(english) == {"carriageway": "road"}
    polish = plain_language.check(TEXT, "pl", glossary_path=str(tmp_path))
    assert suggestions(polish)["w związku z powyższym"] == "dlatego"  # no pl.tsv: built-in only
    assert load_ok(tmp_path).glossary_path == str(tmp_path)


def load_ok(path):
    return make_settings("sqlite+aiosqlite:///unused.sqlite3", glossary_path=str(path))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("pas drogowy\n", "line 1: expected 2 or 3 columns"),
        ("# komentarz\npas drogowy\t\n", "line 2: no plain alternative for 'pas drogowy'"),
        ("a*\tb\n", "a stem needs at least"),
        ("pas drogowy\tulica\nPas  drogowy\tjezdnia\n", "already defined on line 1"),
    ],
)
def test_a_bad_file_stops_the_start_up_naming_the_setting_file_and_line(
    tmp_path, content, expected
):
    path = tmp_path / "pl.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_ok(tmp_path)
    message = str(caught.value)
    assert f"DELIBERATION_GLOSSARY_PATH: {path}, line " in message
    assert expected in message


def test_a_missing_or_unreadable_path_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigurationError, match="no such file or directory"):
        load_ok(tmp_path / "nope.tsv")
    with pytest.raises(ConfigurationError, match=r"neither pl\.tsv nor en\.tsv"):
        load_ok(tmp_path)
    latin = tmp_path / "latin.tsv"
    latin.write_bytes("urzędowo\tprosto\n".encode("iso-8859-2"))
    with pytest.raises(ConfigurationError, match="not UTF-8"):
        load_ok(latin)


async def test_the_editor_check_uses_the_setting(session, client, app, tmp_path, monkeypatch):
    path = tmp_path / "pl.tsv"
    path.write_text(CITY_PL, encoding="utf-8")
    monkeypatch.setattr(app.state.settings, "glossary_path", str(tmp_path))
    user = await create_user(session, Role.FACILITATOR)
    await session.commit()
    await client.login(user.email)
    response = await client.submit(
        "/plain-language/check",
        {"field": "summary", "summary": TEXT, "language": "pl"},
        headers={"hx-request": "true"},
    )
    assert response.status_code == 200
    notes = html(response).select_one(".readability-notes").get_text()
    assert "ulica" in notes and "z tego powodu" in notes
