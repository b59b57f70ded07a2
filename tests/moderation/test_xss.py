"""Every XSS payload in every field comes out as inert text (parsed HTML and the CSV export)."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup

from tests.conftest import TEST_SECRET
from tests.moderation.xss_seed import payloads, seed

ALLOWED_SCRIPTS = ("/static/vendor/",)


def assert_inert(page: BeautifulSoup, where: str) -> None:
    for tag in page.find_all(True):
        if tag.name == "script":
            assert tag.get("src", "").startswith(ALLOWED_SCRIPTS), (where, str(tag)[:200])
            assert not tag.string, where
        assert tag.name not in ("iframe", "object", "embed", "svg", "math", "img", "base"), (
            where,
            str(tag)[:200],
        )
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (where, str(tag)[:200])
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name in ("href", "src", "action", "formaction", "hx-get", "hx-post", "ws-connect"):
                assert text.startswith(("/", "#", "?")), (where, name, text[:200])


async def test_payload_list_is_big_enough() -> None:
    assert len(payloads()) >= 60


@pytest.fixture
async def seeded(session):  # type: ignore[no-untyped-def]
    return await seed(session, TEST_SECRET)


async def test_thread_queue_audit_and_csv_are_inert(seeded, make_client, client) -> None:
    cid = seeded["consultation_id"]
    public = BeautifulSoup((await client.get(f"/consultations/{cid}/comments")).text, "html.parser")
    assert_inert(public, "thread")
    texts = public.get_text()
    assert any(p in texts for p in payloads())  # shown as text, not run
    moderator = make_client()
    await moderator.login(seeded["moderator"].email)
    for url in (
        f"/consultations/{cid}/comments",
        "/moderation",
        "/moderation?show=hidden",
        "/moderation/audit",
        f"/consultations/{cid}/moderation/transparency",
    ):
        response = await moderator.get(url)
        assert response.status_code == 200, url
        assert_inert(BeautifulSoup(response.text, "html.parser"), url)
    # Themes named with every payload, on the comments in the consultation's public record.
    assert len(seeded["theme_ids"]) > 50
    theme_pages = [f"/consultations/{cid}"] + [
        f"/consultations/{cid}?theme={tid}" for tid in seeded["theme_ids"][:5]
    ]
    shown_themes = ""
    for url in theme_pages:
        response = await client.get(url)
        assert response.status_code == 200, url
        page = BeautifulSoup(response.text, "html.parser")
        assert_inert(page, url)
        shown_themes += " ".join(li.get_text() for li in page.select(".themes li"))
        shown_themes += " ".join(o.get_text() for o in page.select("#field-theme option"))
    assert sum(p[:80].strip() in shown_themes for p in payloads()) > 50  # shown as text
    admin = make_client()
    await admin.login(seeded["admin"].email)
    response = await admin.get(f"/staff/consultations/{cid}/record")
    assert response.status_code == 200
    staff_record = BeautifulSoup(response.text, "html.parser")
    assert_inert(staff_record, "staff record")
    assert staff_record.select("#field-theme option")
    exported = await moderator.get("/moderation/audit.csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) > len(payloads())
    for row in rows[1:]:
        for cell in row:
            assert not cell.lstrip().startswith(("=", "+", "-", "@")), cell[:80]
