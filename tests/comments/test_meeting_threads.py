"""Threads on a meeting's published notes: their own comments, replies stay in them, the
consultation's thread does not mix them in, and nothing can be posted before publication."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from deliberation.db import utcnow
from deliberation.models import Meeting
from deliberation.models.comments import Comment
from deliberation.models.meetings import MeetingFormat
from tests.helpers import create_user, html
from tests.moderation.factories import make_consultation, post


async def _meeting(session, consultation, *, published: bool = True) -> Meeting:  # type: ignore[no-untyped-def]
    start = utcnow() - timedelta(days=2)
    meeting = Meeting(
        consultation_id=consultation.id,
        title="Spotkanie w sprawie parku",
        format=MeetingFormat.IN_PERSON,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        notes_published_at=utcnow() if published else None,
    )
    session.add(meeting)
    await session.commit()
    return meeting


async def test_a_meeting_thread_keeps_its_comments_and_replies(session, make_client) -> None:
    consultation = await make_consultation(session)
    meeting = await _meeting(session, consultation)
    author, other = await create_user(session), await create_user(session)
    await post(session, consultation, author, "Uwaga do całych konsultacji.")
    a, b = make_client(), make_client()
    await a.login(author.email)
    await b.login(other.email)
    base = f"/consultations/{consultation.id}/comments"
    page = html(await a.get(f"{base}?meeting={meeting.id}"))
    assert "Dyskusja o notatce ze spotkania" in page.select_one("h2").get_text()
    assert "Uwaga do całych konsultacji." not in page.get_text()
    form = page.select_one(f"#comment-form-new-{consultation.id}")
    assert form.select_one("input[name=meeting_id]")["value"] == str(meeting.id)

    body = "Notatka pomija głos mieszkańców."
    response = await a.submit(base, {"body": body, "meeting_id": str(meeting.id)})
    assert response.status_code == 303
    top = await session.scalar(select(Comment).where(Comment.meeting_id == meeting.id))
    assert top is not None and top.parent_id is None
    assert response.headers["location"].endswith(f"?meeting={meeting.id}#comment-{top.id}")
    # A reply goes into its parent's thread.
    assert (
        await b.submit(base, {"body": "Zgadzam się.", "parent_id": str(top.id)})
    ).status_code == 303
    reply = await session.scalar(select(Comment).where(Comment.parent_id == top.id))
    assert reply is not None and reply.meeting_id == meeting.id

    page = html(await b.get(f"{base}?meeting={meeting.id}"))
    assert f"comments-list-{consultation.id}-meeting-{meeting.id}" in str(page)
    assert (
        "Notatka pomija głos mieszkańców." in page.select_one(f"#comment-{top.id}-main").get_text()
    )
    assert len(page.select(f"#replies-{top.id} > li")) == 1
    links = [a_["href"] for a_ in page.select("nav a")]
    assert all(f"meeting={meeting.id}" in href for href in links if "sort=" in href)
    consultation_thread = html(await b.get(base))
    assert body not in consultation_thread.get_text()
    assert "Uwaga do całych konsultacji." in consultation_thread.get_text()

    # The meeting page leads to the discussion (htmx, and a link without JavaScript).
    meeting_page = html(await b.get(f"/consultations/{consultation.id}/meetings/{meeting.id}"))
    embed = meeting_page.select_one(f"#comments-embed-{consultation.id}-meeting-{meeting.id}")
    assert embed is not None
    assert embed["hx-get"] == f"{base}?meeting={meeting.id}"
    assert embed.select_one("a")["href"] == f"{base}?meeting={meeting.id}"


async def test_no_thread_before_the_notes_are_published(session, make_client) -> None:
    consultation, elsewhere = await make_consultation(session), await make_consultation(session)
    unpublished = await _meeting(session, consultation, published=False)
    foreign = await _meeting(session, elsewhere)
    user = await create_user(session)
    client = make_client()
    await client.login(user.email)
    base = f"/consultations/{consultation.id}/comments"
    for meeting_id in (unpublished.id, foreign.id, 999_999):
        assert (await client.get(f"{base}?meeting={meeting_id}")).status_code == 404
        response = await client.submit(base, {"body": "Coś.", "meeting_id": str(meeting_id)})
        assert response.status_code == 404
    assert (await client.get(f"{base}?meeting=abc")).status_code == 404
    assert await session.scalar(select(Comment.id)) is None
    meeting_page = html(
        await client.get(f"/consultations/{consultation.id}/meetings/{unpublished.id}")
    )
    assert meeting_page.select_one("[id^=comments-embed-]") is None
    # A reply cannot move into another thread.
    top = await post(session, consultation, user, "Wątek konsultacji.")
    meeting = await _meeting(session, consultation)
    response = await client.submit(
        base, {"body": "Odpowiedź.", "parent_id": str(top.id), "meeting_id": str(meeting.id)}
    )
    assert response.status_code == 404
