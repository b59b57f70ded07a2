"""The thread page: plain forms without JavaScript, htmx fragments, CSRF, Polish text."""

from __future__ import annotations

from sqlalchemy import select

from deliberation.models import ConsultationStatus, Contribution, Role, StaffRole
from deliberation.models.comments import Comment
from deliberation.services import comments as svc
from tests.helpers import create_user, html
from tests.moderation.factories import make_consultation, make_staff


async def test_post_comment_and_reply_with_plain_forms(session, make_client, app) -> None:
    consultation = await make_consultation(session)
    author, other = await create_user(session), await create_user(session)
    a, b = make_client(), make_client()
    await a.login(author.email)
    await b.login(other.email)
    url = f"/consultations/{consultation.id}/comments"
    response = await a.submit(url, {"body": "Proszę o więcej ławek.", "stance": "for"})
    assert response.status_code == 303
    comment = await session.scalar(select(Comment).where(Comment.author_user_id == author.id))
    assert response.headers["location"].endswith(f"#comment-{comment.id}")
    response = await b.submit(url, {"body": "Popieram!", "parent_id": str(comment.id)})
    assert response.status_code == 303
    page = html(await b.get(url))
    assert page.html["lang"] == "pl"
    top = page.select_one(f"#comment-{comment.id}-main")
    assert "Proszę o więcej ławek." in top.get_text()
    assert "Za" in top.select_one(".stance").get_text()
    replies = page.select(f"#replies-{comment.id} > li")
    assert len(replies) == 1 and "Popieram!" in replies[0].get_text()
    await svc.mail_sent()
    mail = app.state.mailer.outbox[-1]
    assert mail.to == author.email


async def test_post_without_csrf_is_refused(session, client) -> None:
    consultation = await make_consultation(session)
    user = await create_user(session)
    await client.login(user.email)
    response = await client.post(
        f"/consultations/{consultation.id}/comments", data={"body": "Bez tokenu"}
    )
    assert response.status_code == 403
    assert await session.scalar(select(Comment.id)) is None


async def test_anonymous_sees_login_link_and_cannot_post(session, client) -> None:
    consultation = await make_consultation(session)
    url = f"/consultations/{consultation.id}/comments"
    page = html(await client.get(url))
    assert page.select_one(f"#comment-form-new-{consultation.id} a") is not None
    response = await client.submit(url, {"body": "Anonimowo"})
    assert response.status_code in (303, 401)
    assert await session.scalar(select(Comment.id)) is None


async def test_draft_consultation_thread_is_not_public(session, client) -> None:
    consultation = await make_consultation(session, ConsultationStatus.DRAFT)
    response = await client.get(f"/consultations/{consultation.id}/comments")
    assert response.status_code == 404


async def test_htmx_upvote_returns_the_comment_partial(session, make_client) -> None:
    consultation = await make_consultation(session)
    author, voter = await create_user(session), await create_user(session)
    a, v = make_client(), make_client()
    await a.login(author.email)
    await v.login(voter.email)
    await a.submit(f"/consultations/{consultation.id}/comments", {"body": "Więcej zieleni."})
    comment = await session.scalar(select(Comment))
    response = await v.submit(
        f"/consultations/{consultation.id}/comments/{comment.id}/upvote",
        headers={"hx-request": "true"},
    )
    assert response.status_code == 200
    part = html(response).select_one(f"#comment-{comment.id}-main")
    assert part.select_one("button[aria-pressed=true]") is not None
    assert "(1)" in part.select_one(".count").get_text()


async def test_hidden_comment_shows_the_reason_publicly(session, make_client, client) -> None:
    consultation = await make_consultation(session)
    moderator = await make_staff(session, consultation, StaffRole.MODERATOR, Role.MODERATOR)
    author = await create_user(session)
    a, m = make_client(), make_client()
    await a.login(author.email)
    await m.login(moderator.email)
    await a.submit(f"/consultations/{consultation.id}/comments", {"body": "Tajna treść"})
    contribution = await session.scalar(select(Contribution))
    response = await m.submit(
        f"/consultations/{consultation.id}/moderation/act",
        {"ids": str(contribution.id), "action": "hide", "reason": "offensive"},
    )
    assert response.status_code == 303
    page = html(await client.get(f"/consultations/{consultation.id}/comments"))
    note = page.select_one(".moderation-note").get_text()
    assert "Ukryte przez moderatora" in note and "obraźliwe" in note
    assert "Tajna treść" not in page.get_text()
    mine = html(await a.get(f"/consultations/{consultation.id}/comments"))
    assert "Tajna treść" in mine.get_text()
    assert mine.select_one("form.appeal-form") is not None


async def test_live_fragment_by_contribution(session, client) -> None:
    consultation = await make_consultation(session)
    response = await client.get(f"/consultations/{consultation.id}/comments/by-contribution/999999")
    assert response.status_code == 204


async def test_long_poll_reports_changes_from_the_bus(session, make_client) -> None:
    consultation = await make_consultation(session)
    author = await create_user(session)
    reader, writer = make_client(), make_client()
    await writer.login(author.email)
    url = f"/consultations/{consultation.id}/comments/changes"
    first = html(await reader.get(url)).select_one(f"#comments-poll-{consultation.id}")
    after = first["hx-get"].split("after=")[1]
    await writer.submit(f"/consultations/{consultation.id}/comments", {"body": "Nowy głos."})
    comment = await session.scalar(select(Comment))
    poll = html(await reader.get(f"{url}?after={after}"))
    span = poll.select_one(f"#comments-poll-{consultation.id} span[hx-get]")
    assert span["hx-get"].endswith(f"/comments/{comment.id}?full=1")
    assert span["hx-target"] == f"#comments-list-{consultation.id}"
    fragment = html(await reader.get(span["hx-get"]))
    assert fragment.select_one(f"li#comment-{comment.id}") is not None
