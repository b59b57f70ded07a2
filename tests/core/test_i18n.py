"""Every string a person reads is translated into Polish; plural forms and formats are Polish."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir

from deliberation import i18n
from deliberation.web.templating import format_datetime, format_number

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
PACKAGES = ("deliberation", "rooms", "surveys", "moderation")
# Words spelled the same in both languages.
SAME_IN_POLISH = {"E-mail", "Moderator", "Administrator", "QR", "CSV", "XLSX", "JSON", "PDF", "API"}


def extracted() -> set[str]:
    ids: set[str] = set()
    for package in PACKAGES:
        for message in extract_from_dir(
            str(ROOT / package), [("**.py", "python")], keywords=KEYWORDS
        ):
            ids.add(message[2][0] if isinstance(message[2], tuple) else message[2])
    for message in extract_from_dir(
        str(ROOT / "templates"),
        [("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords=KEYWORDS,
    ):
        ids.add(message[2][0] if isinstance(message[2], tuple) else message[2])
    return {i for i in ids if i}


def test_every_message_has_a_polish_translation():
    catalogue = i18n.translations("pl")
    missing = sorted(
        msgid
        for msgid in extracted()
        if catalogue.ugettext(msgid) == msgid
        and msgid not in SAME_IN_POLISH
        and catalogue.ungettext(msgid, msgid + "_", 5) in (msgid, msgid + "_")
    )
    assert missing == []


def test_polish_plural_forms():
    with i18n.language("pl"):
        forms = [
            i18n.ngettext("%(num)s consultation", "%(num)s consultations", n)
            for n in (1, 2, 4, 5, 12, 14, 22, 25, 101)
        ]
    assert forms == [
        "1 konsultacje",
        "2 konsultacje",
        "4 konsultacje",
        "5 konsultacji",
        "12 konsultacji",
        "14 konsultacji",
        "22 konsultacje",
        "25 konsultacji",
        "101 konsultacji",
    ]


def test_polish_number_and_date_formats():
    with i18n.language("pl"):
        assert format_number(1234567) == "1\xa0234\xa0567"
        assert format_datetime(datetime(2026, 6, 15, 16, 30, tzinfo=UTC)).startswith("15 cze 2026")
    with i18n.language("en"):
        assert format_number(1234567) == "1,234,567"


def test_lazy_strings_follow_the_active_language():
    message = i18n._l("Log in")
    with i18n.language("pl"):
        assert str(message) == "Zaloguj się"
    with i18n.language("en"):
        assert str(message) == "Log in"
