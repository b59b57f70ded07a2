"""Role x staff action matrix: only assigned facilitators and admins write; others get 401/403."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from deliberation.models import Contribution, Meeting, MeetingFormat
from deliberation.services import meetings
from tests.consultations.conftest import TODAY, principal

ROLES = ("anonymous", "resident", "facilitator_other", "facilitator", "moderator", "admin")
WRITERS = {"facilitator", "admin"}
READERS = {"facilitator", "moderator", "admin"}  # the staff overview and the full record


def actions(cid: int, mid: int, contribution_id: int) -> list[tuple[str, str, str, dict, set[str]]]:
    base = f"/staff/consultations/{cid}"
    point = {"body": "Punkt ze spotkania"}
    return [
        ("GET", "overview", base, {}, READERS),
        ("GET", "record", base + "/record", {}, READERS),
        ("GET", "edit form", base + "/edit", {}, WRITERS),
        ("POST", "edit", base + "/edit", {"title": "Nowy tytuł", "summary": "Krótko."}, WRITERS),
        ("POST", "phases", base + "/phases", {}, WRITERS),
        ("POST", "status", base + "/status", {"status": "closed"}, WRITERS),
        ("POST", "attach", base + "/attachments", {}, WRITERS),
        ("GET", "meeting form", base + "/meetings/new", {}, WRITERS),
        ("POST", "meeting", base + "/meetings/new", {"title": "S"}, WRITERS),
        ("POST", "meeting edit", base + f"/meetings/{mid}/edit", {"title": "S"}, WRITERS),
        ("GET", "notes", base + f"/meetings/{mid}/notes", {}, WRITERS),
        ("POST", "notes", base + f"/meetings/{mid}/notes", {"attendance": "3"}, WRITERS),
        ("POST", "point", base + f"/meetings/{mid}/points", point, WRITERS),
        ("GET", "search", base + "/record/search?q=x", {}, WRITERS),
        ("GET", "input form", base + "/input", {}, WRITERS),
        (
            "POST",
            "input",
            base + "/input",
            {"channel": "email", "body": "x", "received_on": str(TODAY)},
            WRITERS,
        ),
        (
            "POST",
            "link",
            base + "/links",
            {"from_id": contribution_id, "to_id": contribution_id, "kind": "relates"},
            WRITERS,
        ),
        (
            "POST",
            "themes",
            base + f"/contributions/{contribution_id}/themes",
            {"themes": "zieleń"},
            WRITERS,
        ),
    ]


async def test_staff_permission_matrix(session, make_client, cast):
    c = cast.consultation
    meeting = await meetings.create_meeting(
        session,
        await principal(session, cast.facilitator),
        c,
        meetings.MeetingPlan(
            "S", MeetingFormat.ONLINE, TODAY + timedelta(days=2), "17:00", "18:00"
        ),
    )
    users = {
        "resident": cast.resident,
        "facilitator_other": cast.other_facilitator,
        "facilitator": cast.facilitator,
        "moderator": cast.moderator,
        "admin": cast.admin,
    }
    clients = {}
    for role in ROLES:
        clients[role] = make_client()
        if role in users:
            await clients[role].login(users[role].email)
    from deliberation.models import AuthorKind, Channel
    from deliberation.services import record as record_service

    target = record_service.add_contribution(
        session,
        consultation_id=c.id,
        channel=Channel.ONLINE_COMMENT,
        body="Uwaga",
        author_kind=AuthorKind.ACCOUNT,
        author_user_id=cast.resident.id,
    )
    await session.flush()
    await session.commit()
    problems = []
    # The status change is last-but-not-least: run it only once at the end for writers.
    for method, name, url, data, allowed in actions(c.id, meeting.id, target.id):
        for role in ROLES:
            if name == "status" and role in allowed:
                continue
            client = clients[role]
            if method == "GET":
                response = await client.get(url)
            else:
                response = await client.submit(url, data)
            denied = response.status_code in (401, 403) or (
                response.status_code == 303 and response.headers["location"].startswith("/login")
            )
            if denied == (role in allowed):
                problems.append((name, role, response.status_code))
            if not denied and role not in allowed:
                problems.append((name, role, "allowed"))
            if role == "anonymous" and method == "POST" and response.status_code != 401:
                problems.append((name, role, response.status_code))
    assert problems == []
    response = await clients["admin"].submit(
        f"/staff/consultations/{c.id}/status", {"status": "closed"}
    )
    assert response.status_code == 303


async def test_closed_record_answers_409_in_polish(session, make_client, cast):
    from deliberation.models import ConsultationStatus
    from deliberation.services import consultations as service

    await service.advance_status(session, cast.consultation, ConsultationStatus.CLOSED)
    client = make_client()
    await client.login(cast.facilitator.email)
    before = await session.scalar(select(func.count()).select_from(Contribution))
    response = await client.submit(
        f"/staff/consultations/{cast.consultation.id}/input",
        {"channel": "paper_form", "body": "Uwaga z formularza", "received_on": str(TODAY)},
    )
    assert response.status_code == 409
    assert "zamknięte" in response.text or "zamknięt" in response.text
    assert await session.scalar(select(func.count()).select_from(Contribution)) == before
    assert await session.scalar(select(func.count()).select_from(Meeting)) == 0
