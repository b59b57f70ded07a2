"""Thread pages: replies loaded on demand, few queries per page, the shared page for readers
without an account stays correct, and every reader gets their own CSRF token."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event

from deliberation.models import ConsultationStatus
from deliberation.ratelimit import Limit
from deliberation.services import comments as svc
from deliberation.web.fragments import FragmentCache
from moderation import guard
from moderation.models import Mode, ModerationSettings
from tests.helpers import create_user, html
from tests.moderation.factories import make_consultation, post


async def test_reply_form_is_fetched_on_demand_and_has_a_page_without_js(
    session, make_client
) -> None:
    consultation = await make_consultation(session)
    author, other = await create_user(session), await create_user(session)
    top = await post(session, consultation, author, "Ławki przy stawie.")
    b = make_client()
    await b.login(other.email)
    url = f"/consultations/{consultation.id}/comments"
    page = html(await b.get(url))
    # One form to write a new comment; none per comment, only a link to the reply form.
    assert len(page.select("textarea[name=body]")) == 1
    link = page.select_one(f"#comment-{top.id}-main a[href$='/{top.id}/reply']")
    assert link is not None and link["hx-get"] == link["href"]
    assert link["hx-target"] == f"#reply-slot-{top.id}"
    assert page.select_one(f"#reply-slot-{top.id}") is not None

    partial = html(await b.get(link["href"], headers={"hx-request": "true"}))
    assert partial.html is None  # a fragment, not a page
    form = partial.select_one("form")
    assert form["action"] == url
    assert form.select_one("input[name=parent_id]")["value"] == str(top.id)
    assert form.select_one("input[name=csrftoken]")["value"] == b.csrf()

    full = html(await b.get(link["href"]))
    assert full.html["lang"] == "pl"
    assert "Ławki przy stawie." in full.select_one(f"#comment-{top.id}-main").get_text()
    assert full.select_one("form input[name=parent_id]")["value"] == str(top.id)
    assert "Odpowiedz na komentarz" in full.select_one("h1").get_text()
    response = await b.submit(url, {"body": "Zgadzam się.", "parent_id": str(top.id)})
    assert response.status_code == 303
    assert len(html(await b.get(url)).select(f"#replies-{top.id} > li")) == 1


async def test_reply_page_refuses_what_cannot_be_answered(session, client) -> None:
    consultation = await make_consultation(session)
    author = await create_user(session)
    top = await post(session, consultation, author)
    reply = await post(session, consultation, author, "Odpowiedź.", parent_id=top.id)
    deepest = await post(session, consultation, author, "Jeszcze jedna.", parent_id=reply.id)
    base = f"/consultations/{consultation.id}/comments"
    assert (await client.get(f"{base}/{deepest.id}/reply")).status_code == 409  # too deep
    assert (await client.get(f"{base}/999999/reply")).status_code == 404
    consultation.status = ConsultationStatus.CLOSED
    await session.commit()
    assert (await client.get(f"{base}/{top.id}/reply")).status_code == 409


async def test_a_page_costs_the_same_few_queries_however_many_replies(session, monkeypatch) -> None:
    big = Limit(1_000_000, 60)
    monkeypatch.setattr(guard, "LIMITS", guard.Limits(big, big, big, big))
    consultation = await make_consultation(session)
    author = await create_user(session)
    for n in range(4):
        top = await post(session, consultation, author, f"Wątek {n}.")
        for m in range(3):
            reply = await post(session, consultation, author, f"Odp {n}.{m}.", parent_id=top.id)
            await post(session, consultation, author, f"Głębiej {n}.{m}.", parent_id=reply.id)
    viewer = svc.Viewer(principal=await _principal(session, author), participant_id=None)
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not args[2].startswith(("SAVEPOINT", "RELEASE")):  # the test's outer transaction
            statements.append(args[2])

    engine = session.bind.sync_engine if hasattr(session.bind, "sync_engine") else session.bind
    orders = FragmentCache()
    event.listen(engine, "before_cursor_execute", count)
    try:
        thread = await svc.load_thread(session, consultation, viewer, orders=orders)
        first, statements[:] = len(statements), []
        again = await svc.load_thread(session, consultation, viewer, orders=orders)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(thread.comments) == 4
    for c in thread.comments:
        assert len(c.replies) == 3 and all(len(r.replies) == 1 for r in c.replies)
    assert [c.comment.id for c in again.comments] == [c.comment.id for c in thread.comments]
    # The thread's order, the page's comments, all their replies, the thread's settings; the
    # order is then kept until something changes.
    assert first == 4
    assert len(statements) == 3, statements


async def _principal(session, user):  # type: ignore[no-untyped-def]
    from deliberation.services import accounts

    return await accounts.principal_for(session, user)


async def test_shared_page_for_anonymous_readers_follows_every_change(
    app, session, make_client
) -> None:
    # ``app`` first: its event bus then reaches this test's session, as in a real request.
    consultation = await make_consultation(session)
    session.add(ModerationSettings(consultation_id=consultation.id, mode=Mode.PRE))
    await session.commit()
    author = await create_user(session)
    url = f"/consultations/{consultation.id}/comments"
    first, second = make_client(), make_client()
    assert "Nie ma jeszcze komentarzy." in html(await first.get(url)).get_text()
    # Held for moderation: the author sees it waiting, anonymous readers do not.
    a = make_client()
    await a.login(author.email)
    assert (await a.submit(url, {"body": "Mój komentarz czeka."})).status_code == 303
    assert "Mój komentarz czeka." in html(await a.get(url)).get_text()
    for reader in (first, second):
        page = html(await reader.get(url))
        assert "Mój komentarz czeka." not in page.get_text()
    # Approved: the shared page is built again for everyone.
    from deliberation.models import Role, StaffRole
    from deliberation.services import accounts
    from moderation import services as moderation
    from moderation.models import AuditAction
    from tests.moderation.factories import make_staff

    moderator = await make_staff(session, consultation, StaffRole.MODERATOR, Role.MODERATOR)
    comment_contribution = await _only_contribution(session, consultation.id)
    await moderation.moderate(
        session,
        await accounts.principal_for(session, moderator),
        moderator,
        consultation.id,
        [comment_contribution],
        AuditAction.APPROVE,
    )
    await asyncio.sleep(0.01)  # the bus hands the event to the page cache on the next turns
    for reader in (first, second):
        response = await reader.get(url, headers={"hx-request": "true"})
        page = html(response)
        assert "Mój komentarz czeka." in page.get_text()
        # Each reader's forms carry their own token, never the one of whoever filled the cache.
        tokens = {i["value"] for i in page.select("input[name=csrftoken]")}
        assert tokens == {reader.csrf()}
    assert first.csrf() != second.csrf()
    # The author's own view is never the shared one: no support button for their own comment.
    mine = html(await a.get(url)).select_one("button[aria-pressed]")
    assert mine.has_attr("disabled")


async def _only_contribution(session, consultation_id: int) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from deliberation.models.comments import Comment

    ids = (
        await session.scalars(
            select(Comment.contribution_id).where(Comment.consultation_id == consultation_id)
        )
    ).all()
    assert len(ids) == 1
    return ids[0]


async def test_a_new_anonymous_reader_of_a_cached_page_gets_a_csrf_cookie(
    session, make_client
) -> None:
    consultation = await make_consultation(session)
    await post(session, consultation, await create_user(session))
    url = f"/consultations/{consultation.id}/comments"
    await make_client().get(url)  # fills the cache
    fresh = make_client()
    page = html(await fresh.get(url, headers={"hx-request": "true"}))
    assert fresh.csrf()
    assert {i["value"] for i in page.select("input[name=csrftoken]")} == {fresh.csrf()}


async def test_signed_in_page_assembles_shared_comments_and_keeps_own_state(
    app, session, make_client
) -> None:
    consultation = await make_consultation(session)
    reader, other = await create_user(session), await create_user(session)
    others = [await post(session, consultation, other, f"Komentarz numer {n}.") for n in range(4)]
    mine = await post(session, consultation, reader, "Mój własny komentarz.")
    reply = await post(session, consultation, other, "Odpowiedź pod spodem.", parent_id=mine.id)
    client = make_client()
    await client.login(reader.email)
    url = f"/consultations/{consultation.id}/comments"
    upvote = await client.submit(f"{url}/{others[0].id}/upvote")
    assert upvote.status_code == 303
    await asyncio.sleep(0.01)
    pages = [html(await client.get(url)) for _ in range(2)]  # the second from the cache
    for page in pages:
        mains = page.select("article.comment-main")
        assert len(mains) == 6
        for comment, text in [(c, f"Komentarz numer {n}.") for n, c in enumerate(others)] + [
            (mine, "Mój własny komentarz."),
            (reply, "Odpowiedź pod spodem."),
        ]:
            found = page.select(f"#comment-{comment.id}-main")
            assert len(found) == 1
            assert text in found[0].select_one(".comment-body").get_text()
        voted = page.select_one(f"#comment-{others[0].id}-main button[aria-pressed]")
        assert voted["aria-pressed"] == "true" and voted.has_attr("disabled")
        fresh = page.select_one(f"#comment-{others[1].id}-main button[aria-pressed]")
        assert fresh["aria-pressed"] == "false" and not fresh.has_attr("disabled")
        own = page.select_one(f"#comment-{mine.id}-main")
        assert own.select_one(f"a[href$='/{mine.id}/edit']") is not None
        assert own.select_one("a[href$='/report']") is None
        assert page.select_one(f"#comment-{others[1].id}-main a[href$='/report']") is not None
        assert {i["value"] for i in page.select("input[name=csrftoken]")} == {client.csrf()}
    # Another resident's page from the same shared pieces shows their own state, not the first's.
    second = make_client()
    await second.login(other.email)
    page = html(await second.get(url))
    theirs = page.select_one(f"#comment-{others[1].id}-main")
    assert theirs.select_one(f"a[href$='/{others[1].id}/edit']") is not None
    assert (
        page.select_one(f"#comment-{others[0].id}-main button[aria-pressed]")["aria-pressed"]
        == "false"
    )
    assert {i["value"] for i in page.select("input[name=csrftoken]")} == {second.csrf()}
