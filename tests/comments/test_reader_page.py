"""A signed-in reader's thread page: the page's structure is shared by every reader and kept
until an event names the consultation; the reader's votes and own comments are theirs alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import event, select, update

from deliberation.models import Contribution, Role, StaffRole
from deliberation.models.comments import Comment, CommentSettings
from tests.helpers import create_user, html
from tests.moderation.factories import make_consultation, make_staff, post


class Statements:
    """The SQL statements run while the block is open."""

    def __init__(self, db) -> None:
        self.engine = db.engine.sync_engine
        self.seen: list[str] = []

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._add)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._add)

    def _add(self, _conn, _cursor, statement, *_args) -> None:
        self.seen.append(statement)

    @property
    def loaded_comments(self) -> bool:
        """Whether a page's comments were read (their text is only read to show them)."""
        return any("contributions.body" in s for s in self.seen)


def _support(page, comment_id: int) -> tuple[str, bool, str]:
    button = page.select_one(f"#comment-{comment_id}-main .comment-actions button[aria-pressed]")
    return button["aria-pressed"], button.has_attr("disabled"), button.select_one(".count").text


async def _ids(session) -> list[int]:
    return list(await session.scalars(select(Comment.id).order_by(Comment.id)))


async def test_votes_come_from_one_query_over_the_shared_page(db, session, make_client) -> None:
    consultation = await make_consultation(session)
    author, reader, other = [await create_user(session) for _ in range(3)]
    url = f"/consultations/{consultation.id}/comments"
    a, r, o = make_client(), make_client(), make_client()
    for client, user in ((a, author), (r, reader), (o, other)):
        await client.login(user.email)
    for body in ("Więcej ławek w parku.", "Więcej drzew przy alejce."):
        assert (await a.submit(url, {"body": body})).status_code == 303
    first, second = await _ids(session)
    upvote = f"{url}/{first}/upvote"
    assert (await r.submit(upvote)).status_code == 303  # the reader now has a participant
    assert (await o.get(url)).status_code == 200  # the page's structure is now kept

    with Statements(db) as statements:
        mine = html(await r.get(url))
    assert not statements.loaded_comments, "the structure came from the cache"
    assert _support(mine, first) == ("true", True, "(1)")
    assert _support(mine, second) == ("false", False, "(0)")
    assert mine.select_one(f"#comment-{first}-main a[href$='/edit']") is None

    theirs = html(await o.get(url))
    assert _support(theirs, first) == ("false", False, "(1)")
    authors = html(await a.get(url))
    assert _support(authors, first) == ("false", True, "(1)")  # one's own: no vote
    assert authors.select_one(f"#comment-{first}-main a[href$='/edit']") is not None
    assert authors.select_one(f"#comment-{first}-main form[action$='/delete']") is not None

    # The vote is an event: the next page of every reader shows it.
    assert (await r.submit(f"{url}/{second}/upvote")).status_code == 303
    mine = html(await r.get(url))
    assert _support(mine, second) == ("true", True, "(1)")
    theirs = html(await o.get(url))
    assert _support(theirs, second) == ("false", False, "(1)")
    replies = f"#replies-{first}"
    assert mine.select_one(replies) is not None and not mine.select(f"{replies} > li")


async def test_own_pending_comment_is_shown_to_its_author_only(db, session, make_client) -> None:
    consultation = await make_consultation(session)
    author, other = await create_user(session), await create_user(session)
    moderator = await make_staff(session, consultation, StaffRole.MODERATOR, Role.MODERATOR)
    url = f"/consultations/{consultation.id}/comments"
    a, o, m = make_client(), make_client(), make_client()
    for client, user in ((a, author), (o, other), (m, moderator)):
        await client.login(user.email)
    assert (await o.submit(url, {"body": "Ławki przy placu."})).status_code == 303
    (visible,) = await _ids(session)
    assert (await a.submit(f"{url}/{visible}/upvote")).status_code == 303
    # Anonymous comments allowed: every new comment waits for a moderator.
    session.add(CommentSettings(consultation_id=consultation.id, allow_anonymous=True))
    await session.commit()
    assert (await a.submit(url, {"body": "Moja czekająca uwaga."})).status_code == 303
    assert (await a.submit(url, {"body": "Odpowiedź.", "parent_id": str(visible)})).status_code
    top, reply = (await _ids(session))[1:]
    for client in (o, make_client()):
        assert (await client.get(url)).status_code == 200  # kept for everyone

    mine = html(await a.get(url))
    for pending in (top, reply):
        part = mine.select_one(f"#comment-{pending}-main")
        assert part is not None and part["data-state"] == "pending"
        assert "Czeka na moderację." in part.select_one(".moderation-note").get_text()
        assert part.select_one("a[href$='/edit']") is not None
    assert mine.select_one(f"#replies-{visible} > li#comment-{reply}") is not None
    assert _support(mine, visible) == ("true", True, "(1)")  # their vote, on the full page too
    for client in (o, make_client()):
        page = html(await client.get(url))
        assert page.select_one(f"#comment-{top}") is None
        assert page.select_one(f"#comment-{reply}") is None
        assert "Moja czekająca uwaga." not in page.get_text()

    # A moderator approves the comment: the event brings it to every reader.
    contribution = await session.scalar(
        select(Contribution.id)
        .join(Comment, Comment.contribution_id == Contribution.id)
        .where(Comment.id == top)
    )
    response = await m.submit(
        f"/consultations/{consultation.id}/moderation/act",
        {"ids": str(contribution), "action": "approve"},
    )
    assert response.status_code == 303, response.text
    page = html(await o.get(url))
    assert "Moja czekająca uwaga." in page.select_one(f"#comment-{top}-main").get_text()
    assert page.select_one(f"#comment-{reply}") is None
    assert page.select_one(f"#comment-{top}-main a[href$='/edit']") is None
    mine = html(await a.get(url))
    assert mine.select_one(f"#comment-{top}-main")["data-state"] == "visible"
    assert mine.select_one(f"#comment-{reply}-main")["data-state"] == "pending"


async def test_a_comment_rendered_once_serves_every_kind_of_reader(
    app, session, make_client, monkeypatch
) -> None:
    """The first page to show a comment renders it for signed-in and other readers at once;
    what each then gets is exactly what the comment rendered for them alone looks like."""
    consultation = await make_consultation(session)
    author, reader = await create_user(session), await create_user(session)
    texts = ["Ławki <b>proszę</b>.", "Więcej cienia.", "Fontanna?"]
    ids = [(await post(session, consultation, author, t)).id for t in texts]
    reply = await post(session, consultation, author, "Tak, zgoda.", parent_id=ids[1])
    ids.append(reply.id)
    url = f"/consultations/{consultation.id}/comments"
    signed_in, anonymous = make_client(), make_client()
    await signed_in.login(reader.email)
    assert (await signed_in.submit(f"{url}/{ids[0]}/upvote")).status_code == 303
    await asyncio.sleep(0.01)  # the vote's event reaches the caches
    rendered: list[int] = []
    original = app.state.templates.render

    def counting(request, name, **context):
        if name == "comments/_mains.html":
            rendered.append(len(context["views"]))
        return original(request, name, **context)

    monkeypatch.setattr(app.state.templates, "render", counting)
    pages = {"anonymous": html(await anonymous.get(url))}
    assert rendered == [4]
    pages["signed_in"] = html(await signed_in.get(url))
    assert rendered == [4], "every comment was ready for the signed-in reader"
    monkeypatch.setattr(app.state.templates, "render", original)

    for name, client in (("anonymous", anonymous), ("signed_in", signed_in)):
        page = pages[name]
        for comment_id in ids:
            alone = html(await client.get(f"{url}/{comment_id}"))
            selector = f"#comment-{comment_id}-main"
            assert str(page.select_one(selector)) == str(alone.select_one(selector)), name
    assert pages["signed_in"].select_one(f"#comment-{ids[1]}-main a[href$='/report']")
    assert not pages["anonymous"].select("a[href$='/report']")
    assert _support(pages["signed_in"], ids[0]) == ("true", True, "(1)")
    assert _support(pages["signed_in"], ids[1]) == ("false", False, "(0)")
    assert _support(pages["anonymous"], ids[0]) == ("false", False, "(1)")
    assert "<b>" not in str(pages["anonymous"].select_one(f"#comment-{ids[0]}-main .comment-body"))


async def test_turning_reply_mails_off_shows_on_the_next_page(session, make_client) -> None:
    """The author's own comment on a page kept for every reader: muting replies changes it."""
    consultation = await make_consultation(session)
    author = await create_user(session)
    own = await post(session, consultation, author, "Mój komentarz.")
    client = make_client()
    await client.login(author.email)
    url = f"/consultations/{consultation.id}/comments"

    def mute_value(page) -> str:
        return page.select_one(f"#comment-{own.id}-main input[name=mute]")["value"]

    assert mute_value(html(await client.get(url))) == "1"  # the page's structure is now kept
    assert (await client.submit(f"{url}/{own.id}/mute", {"mute": "1"})).status_code == 303
    await asyncio.sleep(0.01)
    assert mute_value(html(await client.get(url))) == "0"


async def test_own_comments_are_kept_for_their_author_once_no_longer_editable(
    app, session, make_client, monkeypatch
) -> None:
    consultation = await make_consultation(session)
    author = await create_user(session)
    old = await post(session, consultation, author, "Dawno temu.")
    await session.execute(
        update(Comment)
        .where(Comment.id == old.id)
        .values(created_at=old.created_at - timedelta(minutes=16))
    )
    await session.commit()
    fresh = await post(session, consultation, author, "Przed chwilą.")
    client = make_client()
    await client.login(author.email)
    url = f"/consultations/{consultation.id}/comments"
    rendered: list[list[int]] = []
    original = app.state.templates.render

    def counting(request, name, **context):
        if name == "comments/_mains.html":
            rendered.append([v.comment.id for v in context["views"]])
        return original(request, name, **context)

    monkeypatch.setattr(app.state.templates, "render", counting)
    pages = [html(await client.get(url)) for _ in range(2)]
    assert rendered == [[fresh.id, old.id], [fresh.id]], "the old one is kept, the new not"
    for page in pages:
        own_old = page.select_one(f"#comment-{old.id}-main")
        assert own_old.select_one("a[href$='/edit']") is None
        assert own_old.select_one("form[action$='/delete']") is not None
        assert own_old.select_one("a[href$='/report']") is None
        own_new = page.select_one(f"#comment-{fresh.id}-main")
        assert own_new.select_one(f"a[href$='/{fresh.id}/edit']") is not None
    assert str(pages[0].select_one(f"#comment-{old.id}-main")) == str(
        pages[1].select_one(f"#comment-{old.id}-main")
    )
    # Someone else sees the old comment as anyone's: the author's copy is theirs alone.
    other = make_client()
    await other.login((await create_user(session)).email)
    theirs = html(await other.get(url)).select_one(f"#comment-{old.id}-main")
    assert theirs.select_one("form[action$='/delete']") is None
    assert theirs.select_one("a[href$='/report']") is not None
