"""Staff forms and public pages over HTTP: happy paths and bad input with Polish messages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from deliberation.models import Attachment, Consultation
from tests.consultations.conftest import TODAY
from tests.helpers import field_error, html

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_facilitator_creates_and_publishes(session, make_client, cast):
    staff = make_client()
    await staff.login(cast.facilitator.email)
    response = await staff.submit(
        "/staff/consultations/new",
        {
            "title": "Nowe boisko w Ząbkowicach",
            "summary": "Chcemy zbudować boisko. Powiedz, jakie.",
            "description": "Zobacz [plan](https://example.org/plan.pdf).",
            "area_kind": "district",
            "area": "Ząbkowice",
            "topic": "sport",
            "participation_forms": ["online", "meeting"],
        },
    )
    assert response.status_code == 303, response.text
    cid = int(response.headers["location"].rstrip("/").split("/")[-1])
    # a resident cannot see the draft
    assert (await make_client().get(f"/consultations/{cid}")).status_code == 404
    response = await staff.submit(f"/staff/consultations/{cid}/status", {"status": "published"})
    assert response.status_code == 303
    page = html(await make_client().get(f"/consultations/{cid}"))
    assert page.h1.get_text(strip=True) == "Nowe boisko w Ząbkowicach"
    link = page.select_one(".prose a")
    assert link["href"] == "https://example.org/plan.pdf" and "nofollow" in link["rel"]
    listing = html(await make_client().get("/consultations?q=zabkowice"))
    assert [a.get_text(strip=True) for a in listing.select(".card h3 a")] == [
        "Nowe boisko w Ząbkowicach"
    ]


async def test_duplicate_slug_and_script_are_refused_in_polish(session, make_client, cast):
    staff = make_client()
    await staff.login(cast.facilitator.email)
    before = await session.scalar(select(func.count()).select_from(Consultation))
    response = await staff.submit(
        "/staff/consultations/new", {"title": "Cokolwiek", "slug": cast.consultation.slug}
    )
    assert response.status_code == 422
    assert field_error(response, "slug") == "Ten adres jest już zajęty." or field_error(
        response, "slug"
    )
    response = await staff.submit(
        "/staff/consultations/new",
        {"title": "Skrypt", "description": "<script>alert(1)</script>"},
    )
    assert response.status_code == 422
    assert "niebezpieczny link" in field_error(response, "description")
    assert await session.scalar(select(func.count()).select_from(Consultation)) == before


async def test_phases_out_of_order(make_client, cast):
    staff = make_client()
    await staff.login(cast.facilitator.email)
    response = await staff.submit(
        f"/staff/consultations/{cast.consultation.id}/phases",
        {
            "information_starts_on": str(TODAY),
            "information_ends_on": str(TODAY - timedelta(days=2)),
        },
    )
    assert response.status_code == 422
    assert field_error(response, "information_ends_on") == (
        "Data końca jest wcześniejsza niż data początku."
    )


async def test_meeting_outside_dates_in_polish(make_client, cast):
    staff = make_client()
    await staff.login(cast.facilitator.email)
    response = await staff.submit(
        f"/staff/consultations/{cast.consultation.id}/meetings/new",
        {
            "title": "Za późno",
            "format": "in_person",
            "day": str(TODAY + timedelta(days=200)),
            "start": "17:00",
            "end": "18:00",
            "place": "CAO",
        },
    )
    assert response.status_code == 422
    assert field_error(response, "day") == "Spotkanie musi się odbyć w czasie trwania konsultacji."


async def test_attachments_checked_by_content_and_served_safely(session, make_client, cast):
    staff = make_client()
    await staff.login(cast.facilitator.email)
    url = f"/staff/consultations/{cast.consultation.id}/attachments"
    await staff.prime()
    # multipart forms send the CSRF token in a header (htmx), see templates/staff/consultation.html
    staff.headers["x-csrftoken"] = staff.csrf()
    staff.headers["hx-request"] = "true"
    token: dict[str, str] = {}
    response = await staff.post(
        url, data=token, files={"file": ("plan.pdf", b"<html><script>", "application/pdf")}
    )
    assert response.status_code == 422
    assert "niedozwolony" in html(response).select_one("#error-file").get_text()
    big = PDF + b"0" * (10 * 1024 * 1024)
    response = await staff.post(
        url, data=token, files={"file": ("duzy.pdf", big, "application/pdf")}
    )
    assert response.status_code == 422
    assert await session.scalar(select(func.count()).select_from(Attachment)) == 0
    response = await staff.post(
        url,
        data={**token, "title": "Plan parku"},
        files={"file": ("Plan <parku>.exe", PDF, "text/html")},
    )
    assert response.status_code == 204 and "saved=attachment" in response.headers["hx-redirect"]
    attachment = await session.scalar(select(Attachment))
    assert attachment.content_type == "application/pdf" and attachment.filename == "plan-parku.pdf"
    served = await make_client().get(
        f"/consultations/{cast.consultation.id}/attachments/{attachment.id}"
    )
    assert served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert 'filename="plan-parku.pdf"' in served.headers["content-disposition"]


async def test_meeting_registration_over_http(session, make_client, cast):
    staff = make_client()
    await staff.login(cast.facilitator.email)
    response = await staff.submit(
        f"/staff/consultations/{cast.consultation.id}/meetings/new",
        {
            "title": "Spotkanie w CAO",
            "format": "hybrid",
            "day": str(TODAY + timedelta(days=2)),
            "start": "17:00",
            "end": "19:00",
            "place": "Centrum Aktywności Obywatelskiej",
            "registration_required": "true",
            "capacity": "1",
            "waiting_list": "true",
        },
    )
    assert response.status_code == 303, response.text
    from deliberation.models import Meeting

    meeting = await session.scalar(select(Meeting))
    url = f"/consultations/{cast.consultation.id}/meetings/{meeting.id}"
    resident = make_client()
    await resident.login(cast.resident.email)
    response = await resident.submit(url + "/register")
    assert response.status_code == 303 and response.headers["location"].endswith("done=registered")
    page = html(await resident.get(response.headers["location"]))
    assert "Zapisaliśmy Cię" in page.select_one(".notice").get_text()
    anonymous = await make_client().submit(url + "/register")
    assert anonymous.status_code == 401
