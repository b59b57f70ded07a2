"""Every page renders for the people who may see it."""

from __future__ import annotations

from tests.helpers import html


async def test_pages_render(client, make_client, cast):
    c = cast.consultation
    for url in [
        "/",
        "/consultations",
        f"/consultations/{c.id}",
        f"/consultations/{c.id}/calendar.ics",
    ]:
        response = await client.get(url)
        assert response.status_code == 200, (url, response.text[:2000])
    staff = make_client()
    await staff.login(cast.facilitator.email)
    for url in [
        "/staff",
        "/staff/consultations/new",
        f"/staff/consultations/{c.id}",
        f"/staff/consultations/{c.id}/edit",
        f"/staff/consultations/{c.id}/record",
        f"/staff/consultations/{c.id}/input",
        f"/staff/consultations/{c.id}/meetings/new",
    ]:
        response = await staff.get(url)
        assert response.status_code == 200, (url, response.text[:3000])
        assert html(response).h1
