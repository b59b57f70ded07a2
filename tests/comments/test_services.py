"""Comment services: posting, replies, depth, edit window, deletion, votes, pre-moderation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import Conflict, LoginRequired, PermissionDenied
from deliberation.mail import ConsoleMailer
from deliberation.models import Channel, Contribution, ModerationState, Role
from deliberation.models.comments import Comment, CommentRevision, Stance
from deliberation.services import accounts
from deliberation.services import comments as svc
from moderation.models import AuditAction, AuditEntry, Mode, ModerationSettings
from tests.helpers import create_user
from tests.moderation.factories import make_consultation, participant_of, post


async def test_comment_is_a_contribution_of_the_consultation(session: AsyncSession) -> None:
    consultation = await make_consultation(session)
    author = await create_user(session)
    comment = await post(session, consultation, author, stance=Stance.FOR)
    contribution = await session.get(Contribution, comment.contribution_id)
    assert contribution is not None
    assert contribution.channel is Channel.ONLINE_COMMENT
    assert contribution.consultation_id == consultation.id
    assert (contribution.source_type, contribution.source_id) == ("comment", comment.id)
    assert contribution.moderation_state is ModerationState.VISIBLE
    assert comment.stance is Stance.FOR


async def test_replies_stop_at_three_levels(session: AsyncSession) -> None:
    consultation = await make_consultation(session)
    a, b = await create_user(session), await create_user(session)
    top = await post(session, consultation, a)
    reply = await post(session, consultation, b, "Zgadzam się.", parent_id=top.id)
    deeper = await post(session, consultation, a, "Dziękuję.", parent_id=reply.id)
    assert (top.depth, reply.depth, deeper.depth) == (0, 1, 2)
    with pytest.raises(Conflict):
        await post(session, consultation, b, "Jeszcze głębiej.", parent_id=deeper.id)


async def test_reply_mails_the_parent_author_unless_turned_off(session: AsyncSession) -> None:
    consultation = await make_consultation(session)
    a, b = await create_user(session), await create_user(session)
    mailer = ConsoleMailer()
    top = await post(session, consultation, a)
    await post(session, consultation, b, "Odpowiedź pierwsza.", parent_id=top.id, mailer=mailer)
    await svc.mail_sent()  # sent after the commit, off the request
    assert [m.to for m in mailer.outbox] == [a.email]
    await svc.mute_replies(
        session, await accounts.principal_for(session, a), consultation.id, top.id, True
    )
    await post(session, consultation, b, "Odpowiedź druga.", parent_id=top.id, mailer=mailer)
    await svc.mail_sent()
    assert len(mailer.outbox) == 1
    await svc.mute_replies(
        session, await accounts.principal_for(session, a), consultation.id, top.id, False
    )
    await accounts.set_notifications(session, a, False)
    await post(session, consultation, b, "Odpowiedź trzecia.", parent_id=top.id, mailer=mailer)
    await svc.mail_sent()
    assert len(mailer.outbox) == 1


async def test_edit_within_fifteen_minutes_keeps_history(session: AsyncSession) -> None:
    consultation = await make_consultation(session)
    a = await create_user(session)
    principal = await accounts.principal_for(session, a)
    comment = await post(session, consultation, a, "Pierwsza wersja.")
    await svc.edit_comment(session, principal, consultation.id, comment.id, "Druga wersja.")
    revisions = await session.scalars(
        select(CommentRevision.body).where(CommentRevision.comment_id == comment.id)
    )
    assert list(revisions) == ["Pierwsza wersja."]
    contribution = await session.get(Contribution, comment.contribution_id)
    assert contribution is not None and contribution.body == "Druga wersja."
    comment.created_at = comment.created_at - timedelta(minutes=16)
    await session.commit()
    with pytest.raises(Conflict):
        await svc.edit_comment(session, principal, consultation.id, comment.id, "Za późno.")
    other = await create_user(session)
    with pytest.raises(PermissionDenied):
        await svc.edit_comment(
            session,
            await accounts.principal_for(session, other),
            consultation.id,
            comment.id,
            "Cudza.",
        )


async def test_delete_by_author_keeps_replies(session: AsyncSession) -> None:
    consultation = await make_consultation(session)
    a, b = await create_user(session), await create_user(session)
    top = await post(session, consultation, a)
    await post(session, consultation, b, "Odpowiedź.", parent_id=top.id)
    await svc.delete_comment(
        session, await accounts.principal_for(session, a), consultation.id, top.id
    )
    viewer = svc.Viewer(principal=await accounts.principal_for(session, b), participant_id=None)
    thread = await svc.load_thread(session, consultation, viewer)
    assert thread.comments[0].state == "deleted_by_author"
    assert not thread.comments[0].shows_body
    assert [r.contribution.body for r in thread.comments[0].replies] == ["Odpowiedź."]


async def test_upvote_counts_once(session: AsyncSession) -> None:
    consultation = await make_consultation(session)
    a, b = await create_user(session), await create_user(session)
    comment = await post(session, consultation, a)
    principal = await accounts.principal_for(session, b)
    voter = await participant_of(session, b)
    assert await svc.upvote(session, principal, consultation, comment.id, voter.id)
    assert not await svc.upvote(session, principal, consultation, comment.id, voter.id)
    contribution = await session.get(Contribution, comment.contribution_id, populate_existing=True)
    assert contribution is not None and contribution.support_count == 1
    with pytest.raises(Conflict):
        own = await participant_of(session, a)
        await svc.upvote(
            session, await accounts.principal_for(session, a), consultation, comment.id, own.id
        )


async def test_sorting(session: AsyncSession) -> None:
    consultation = await make_consultation(session)
    a, b = await create_user(session), await create_user(session)
    first = await post(session, consultation, a, "Pierwszy.")
    second = await post(session, consultation, a, "Drugi.")
    await svc.upvote(
        session,
        await accounts.principal_for(session, b),
        consultation,
        first.id,
        (await participant_of(session, b)).id,
    )
    viewer = svc.Viewer(principal=await accounts.principal_for(session, b), participant_id=None)

    async def order(sort: svc.Sort) -> list[int]:
        thread = await svc.load_thread(session, consultation, viewer, sort=sort)
        return [c.comment.id for c in thread.comments]

    assert await order(svc.Sort.NEWEST) == [second.id, first.id]
    assert await order(svc.Sort.OLDEST) == [first.id, second.id]
    assert await order(svc.Sort.SUPPORTED) == [first.id, second.id]


async def test_pre_moderation_holds_and_only_the_author_sees_it(session: AsyncSession) -> None:
    consultation = await make_consultation(session)
    session.add(ModerationSettings(consultation_id=consultation.id, mode=Mode.PRE))
    await session.commit()
    a, b = await create_user(session), await create_user(session)
    comment = await post(session, consultation, a, "Czekam na moderację.")
    contribution = await session.get(Contribution, comment.contribution_id)
    assert contribution is not None and contribution.moderation_state is ModerationState.PENDING
    held = await session.scalar(
        select(AuditEntry).where(AuditEntry.contribution_id == contribution.id)
    )
    assert held is not None and held.action is AuditAction.AUTO_HOLD
    mine = svc.Viewer(
        principal=await accounts.principal_for(session, a),
        participant_id=(await participant_of(session, a)).id,
    )
    other = svc.Viewer(
        principal=await accounts.principal_for(session, b),
        participant_id=(await participant_of(session, b)).id,
    )
    assert [
        c.comment.id for c in (await svc.load_thread(session, consultation, mine)).comments
    ] == [comment.id]
    assert (await svc.load_thread(session, consultation, other)).comments == []


async def test_anonymous_needs_the_setting_which_forces_pre_moderation(
    session: AsyncSession,
) -> None:
    from deliberation.permissions import ANONYMOUS
    from deliberation.services import participants

    consultation = await make_consultation(session)
    anon = await participants.ensure_participant(
        session, secret_key="k" * 40, participant_secret="s" * 40, user=None
    )
    with pytest.raises(LoginRequired):
        await svc.post_comment(
            session, ANONYMOUS, consultation, user=None, participant=anon, body="Hej", network="n"
        )
    facilitator = await create_user(session, Role.ADMIN)
    await svc.set_allow_anonymous(
        session, await accounts.principal_for(session, facilitator), consultation, True
    )
    comment = await svc.post_comment(
        session, ANONYMOUS, consultation, user=None, participant=anon, body="Hej", network="n"
    )
    contribution = await session.get(Contribution, comment.contribution_id)
    assert contribution is not None and contribution.moderation_state is ModerationState.PENDING
    assert (await session.get(Comment, comment.id)) is not None


async def test_a_post_is_stored_in_few_statements_as_it_was_returned(
    db, session: AsyncSession
) -> None:
    """The contribution and the comment are written without ORM flushes (on PostgreSQL in one
    statement); the rows hold what ``post_comment`` returned, each naming the other."""
    from sqlalchemy import event as sa_event

    consultation = await make_consultation(session)
    author = await create_user(session)
    top = await post(session, consultation, author, "Pierwszy.")
    seen: list[str] = []

    def add(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = db.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", add)
    try:
        reply = await post(
            session, consultation, author, "  Druga myśl.  ", parent_id=top.id, stance=Stance.FOR
        )
    finally:
        sa_event.remove(engine, "before_cursor_execute", add)
    writes = [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH"))]
    postgresql = db.engine.dialect.name == "postgresql"
    buckets = [s for s in writes if "rate_buckets" in s]
    # The comment and its contribution: one statement on PostgreSQL, with the four token
    # buckets in one more; SQLite writes them one by one.
    assert len(writes) - len(buckets) == (1 if postgresql else 3), writes
    if postgresql:
        assert len(buckets) == 1
    stored = (
        await session.execute(
            select(Comment, Contribution)
            .join(Contribution, Contribution.id == Comment.contribution_id)
            .where(Comment.id == reply.id)
            .execution_options(populate_existing=True)
        )
    ).one()
    comment, contribution = stored
    assert (contribution.source_type, contribution.source_id) == ("comment", comment.id)
    assert contribution.body == "Druga myśl."
    assert contribution.author_participant_id == comment.author_participant_id
    assert contribution.moderation_state is ModerationState.VISIBLE
    for name in ("parent_id", "depth", "stance", "author_name", "created_at", "meeting_id"):
        assert getattr(comment, name) == getattr(reply, name), name
    assert (comment.parent_id, comment.depth, comment.stance) == (top.id, 1, Stance.FOR)
    assert contribution.created_at == comment.created_at
