"""The room pages: join by code without JavaScript, ask, vote, the console, projector, export."""

from __future__ import annotations

import csv
import io

from deliberation.models import Role
from rooms import services
from rooms.models import Question
from tests.helpers import create_user, html
from tests.rooms.conftest import make_member, make_setup


async def test_join_by_code_ask_and_vote_without_javascript(client, session, setup):
    r = await client.submit("/r", {"code": setup.code.lower()})
    assert r.status_code == 303 and r.headers["location"] == f"/r/{setup.code}"
    page = html(await client.get(f"/r/{setup.code}"))
    assert page.find("form", action=f"/r/{setup.code}/join") is not None
    assert page.find(attrs={"aria-live": "polite", "id": "room-announce"}) is not None
    r = await client.submit(f"/r/{setup.code}/join", {"display_name": "<i>Ola</i>"})
    assert r.status_code == 303
    r = await client.submit(f"/r/{setup.code}/questions", {"body": "Gdzie będą ławki?"})
    assert r.status_code == 303
    page = html(await client.get(f"/r/{setup.code}"))
    item = page.select_one("#question-list li.question")
    assert item.select_one(".question-body").get_text() == "Gdzie będą ławki?"
    assert "<i>Ola</i>" in item.select_one(".meta").get_text()
    qid = int(item["id"].split("-")[1])
    r = await client.submit(f"/r/{setup.code}/questions/{qid}/vote", {"up": "1"})
    assert r.status_code == 303
    page = html(await client.get(f"/r/{setup.code}"))
    button = page.select_one(f"form[data-question='{qid}'] button")
    assert button["aria-pressed"] == "true"
    assert page.find(id=f"votes-{qid}").get_text() == "1"
    assert page.find(id="room-me")["data-votes"] == str(qid)


async def test_unknown_code_and_empty_question(client, setup):
    r = await client.submit("/r", {"code": "QQQQQQ"})
    assert r.status_code == 404
    assert "Nie ma pokoju z takim kodem" in html(r).get_text()
    await client.submit(f"/r/{setup.code}/join", {})
    r = await client.submit(f"/r/{setup.code}/questions", {"body": " "})
    assert r.status_code == 422


async def test_console_needs_the_facilitator(client, make_client, session, setup):
    url = f"/consultations/{setup.consultation_id}/rooms/{setup.room_id}"
    r = await client.get(url)
    assert r.status_code in (303, 401)
    resident = await create_user(session, Role.RESIDENT)
    await client.login(resident.email)
    assert (await client.get(url)).status_code == 403
    staff = make_client()
    await staff.login(setup.facilitator_email)
    page = html(await staff.get(url))
    assert page.h1.get_text(strip=True).endswith("Spotkanie")
    assert page.find(attrs={"ws-connect": f"/r/{setup.code}/ws?view=console"}) is not None


async def test_projector_shows_code_and_qr_only_with_key(client, setup):
    assert (await client.get(f"/r/{setup.code}/screen?key=nope")).status_code == 404
    page = html(await client.get(f"/r/{setup.code}/screen?key={setup.projector_key}"))
    assert page.select_one(".room-code").get_text() == setup.code
    assert page.select_one(".projector-qr svg") is not None


async def test_facilitator_flow_and_csv_export(make_client, session, setup):
    staff = make_client()
    await staff.login(setup.facilitator_email)
    base = f"/consultations/{setup.consultation_id}/rooms/{setup.room_id}"
    r = await staff.submit(
        base + "/in-person", {"body": '=HYPERLINK("x")', "attendee_name": "Pan Jan"}
    )
    assert r.status_code == 303
    q = (await services.room_questions(session, setup.room_id))[0]
    r = await staff.submit(f"{base}/questions/{q.id}/pin")
    assert r.status_code == 303
    r = await staff.submit(f"{base}/questions/{q.id}/explode")
    assert r.status_code == 422
    r = await staff.get(base + "/export.csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[1][0] == "question" and rows[1][9] == '\'=HYPERLINK("x")'
    assert rows[1][6] == "true"


async def test_create_room_and_reject_foreign_embeds(make_client, session, setup):
    staff = make_client()
    await staff.login(setup.facilitator_email)
    url = f"/consultations/{setup.consultation_id}/rooms"
    r = await staff.submit(url, {"title": "Druga sala", "embed_url": "https://evil.example/x"})
    assert r.status_code == 422
    r = await staff.submit(
        url, {"title": "Druga sala", "embed_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}
    )
    assert r.status_code == 303
    room = await services.find_room(session, "x" * 0 + (await _last_code(session, setup)))
    page = html(await staff.get(f"/r/{room.code}"))
    assert page.find("iframe") is None  # nothing from YouTube before the click
    page = html(await staff.get(f"/r/{room.code}?stream=1"))
    assert page.find("iframe")["src"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


async def _last_code(session, setup) -> str:
    from sqlalchemy import select

    from rooms.models import Room

    return str(
        await session.scalar(
            select(Room.code)
            .where(Room.consultation_id == setup.consultation_id)
            .order_by(Room.id.desc())
        )
    )


async def test_openapi_documents_the_room_endpoints(client):
    doc = (await client.get("/api/openapi.json")).json()
    paths = doc["paths"]
    assert "put" in paths["/api/rooms/{code}/questions/{question_id}/vote"]
    assert "delete" in paths["/api/rooms/{code}/questions/{question_id}/vote"]
    assert paths["/api/rooms/{code}/join"]["post"]["x-permission"] == "room.take_part"
    moderate = paths[
        "/api/consultations/{consultation_id}/rooms/{room_id}/questions/{question_id}/moderate"
    ]
    assert moderate["post"]["x-permission"] == "room.facilitate"


async def test_merged_and_hidden_render_as_text(client, session):
    setup = await make_setup(session)
    alice = await make_member(session, setup)
    q = await services.ask(session, setup.room_id, alice, "A")
    await services.moderate(
        session, setup.principal, setup.room_id, q.id, "hide", reason="<b>wulgaryzmy</b>"
    )
    page = html(await client.get(f"/r/{setup.code}"))
    hidden = page.select_one(".question-hidden")
    assert hidden.get_text(strip=True) == "Ukryte przez prowadzącego: <b>wulgaryzmy</b>"
    assert isinstance(q, Question)
