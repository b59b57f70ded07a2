"""Moderation services: the state machine, audit, reports, appeals, redaction, blocks, guard."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import Conflict, PermissionDenied, RateLimited, ValidationFailed
from deliberation.models import Contribution, ModerationState, Role, StaffRole, User
from deliberation.models.comments import CommentRevision
from deliberation.services import accounts
from deliberation.services import comments as comment_service
from moderation import guard, queue, services
from moderation.models import (
    AppealOutcome,
    AuditAction,
    AuditEntry,
    ModerationSettings,
    ReportReason,
)
from tests.helpers import create_user
from tests.moderation.factories import make_consultation, make_staff, participant_of, post

S = ModerationState


async def _setup(session: AsyncSession) -> tuple[object, User, User, Contribution]:
    consultation = await make_consultation(session)
    moderator = await make_staff(session, consultation, StaffRole.MODERATOR, Role.MODERATOR)
    author = await create_user(session)
    comment = await post(session, consultation, author, "Ławki są za niskie.")
    contribution = await session.get(Contribution, comment.contribution_id)
    assert contribution is not None
    return consultation, moderator, author, contribution


async def _p(session: AsyncSession, user: User) -> object:
    return await accounts.principal_for(session, user)


async def test_hide_restore_and_audit(session: AsyncSession) -> None:
    _consultation, moderator, _author, c = await _setup(session)
    principal = await _p(session, moderator)
    with pytest.raises(ValidationFailed):
        await services.moderate(
            session, principal, moderator, c.consultation_id, [c.id], AuditAction.HIDE, ""
        )
    await services.moderate(
        session, principal, moderator, c.consultation_id, [c.id], AuditAction.HIDE, "offensive"
    )
    assert c.moderation_state is S.HIDDEN and c.hidden_reason == "offensive"
    with pytest.raises(Conflict):
        await services.moderate(
            session, principal, moderator, c.consultation_id, [c.id], AuditAction.APPROVE
        )
    await services.moderate(
        session, principal, moderator, c.consultation_id, [c.id], AuditAction.RESTORE
    )
    assert c.moderation_state is S.VISIBLE and c.hidden_reason is None
    rows = list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.contribution_id == c.id).order_by(AuditEntry.id)
        )
    )
    assert [r.action for r in rows] == [AuditAction.HIDE, AuditAction.RESTORE]
    assert rows[0].actor_user_id == moderator.id and rows[0].reason == "offensive"
    assert '"visible"' in rows[0].before and '"hidden"' in rows[0].after
    summary = await queue.transparency(session, c.consultation_id)
    assert summary.hidden == 0 and summary.actions == 2


async def test_audit_rows_cannot_be_changed_or_deleted(session: AsyncSession) -> None:
    _consultation, moderator, _author, c = await _setup(session)
    await services.moderate(
        session,
        await _p(session, moderator),
        moderator,
        c.consultation_id,
        [c.id],
        AuditAction.HIDE,
        "spam",
    )
    for statement in (
        "UPDATE moderation_audit SET reason = 'changed'",
        "DELETE FROM moderation_audit",
    ):
        nested = await session.begin_nested()
        with pytest.raises((DBAPIError, IntegrityError)):
            await session.execute(text(statement))
        await nested.rollback()
    assert (await session.scalar(select(AuditEntry.reason))) == "spam"


async def test_reports_once_each_and_threshold_holds(session: AsyncSession) -> None:
    consultation, _moderator, _author, c = await _setup(session)
    session.add(ModerationSettings(consultation_id=c.consultation_id, report_threshold=2))
    await session.commit()
    reporters = [await create_user(session) for _ in range(2)]
    first = reporters[0]
    args = {"consultation_id": c.consultation_id, "contribution_id": c.id}
    pid = (await participant_of(session, first)).id
    principal = await _p(session, first)
    assert await services.report(
        session, principal, reporter_participant_id=pid, reason=ReportReason.SPAM, **args
    )
    assert not await services.report(
        session, principal, reporter_participant_id=pid, reason=ReportReason.SPAM, **args
    )
    assert c.moderation_state is S.VISIBLE
    with pytest.raises(ValidationFailed):
        await services.report(
            session,
            await _p(session, reporters[1]),
            reporter_participant_id=(await participant_of(session, reporters[1])).id,
            reason=ReportReason.OTHER,
            **args,
        )
    await services.report(
        session,
        await _p(session, reporters[1]),
        reporter_participant_id=(await participant_of(session, reporters[1])).id,
        reason=ReportReason.OTHER,
        text="Reklama",
        **args,
    )
    await session.refresh(c)
    assert c.moderation_state is S.PENDING and c.hidden_reason == services.REPORTED
    del consultation


async def test_appeal_is_decided_by_another_moderator(session: AsyncSession) -> None:
    consultation, moderator, author, c = await _setup(session)
    second = await make_staff(session, consultation, StaffRole.MODERATOR, Role.MODERATOR)  # type: ignore[arg-type]
    await services.moderate(
        session,
        await _p(session, moderator),
        moderator,
        c.consultation_id,
        [c.id],
        AuditAction.HIDE,
        "off_topic",
    )
    appeal = await services.file_appeal(
        session, await _p(session, author), author, c.consultation_id, c.id, "To jest na temat."
    )
    with pytest.raises(Conflict):
        await services.file_appeal(
            session, await _p(session, author), author, c.consultation_id, c.id, "Jeszcze raz."
        )
    with pytest.raises(PermissionDenied):
        await services.decide_appeal(
            session,
            await _p(session, moderator),
            moderator,
            c.consultation_id,
            appeal.id,
            AppealOutcome.RESTORED,
        )
    await services.decide_appeal(
        session,
        await _p(session, second),
        second,
        c.consultation_id,
        appeal.id,
        AppealOutcome.RESTORED,
    )
    await session.refresh(c)
    assert c.moderation_state is S.VISIBLE


async def test_redaction_keeps_the_original_only_in_the_audit(session: AsyncSession) -> None:
    consultation, moderator, author, c = await _setup(session)
    comment_id = c.source_id
    assert comment_id is not None
    await comment_service.edit_comment(
        session,
        await _p(session, author),
        c.consultation_id,
        comment_id,
        "Dzwońcie do Jana, tel. 600 100 200.",
    )
    await comment_service.edit_comment(
        session,
        await _p(session, author),
        c.consultation_id,
        comment_id,
        "Jan Kowalski, tel. 600 100 200, ma rację.",
    )
    await services.redact(
        session, await _p(session, moderator), moderator, c.consultation_id, c.id, "600 100 200"
    )
    await session.refresh(c)
    assert "600 100 200" not in c.body and services.REDACTED in c.body
    bodies = await session.scalars(
        select(CommentRevision.body).where(CommentRevision.comment_id == comment_id)
    )
    assert all("600 100 200" not in b for b in bodies)
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == AuditAction.REDACT))
    assert entry is not None and "600 100 200" in entry.before
    del consultation


async def test_blocked_participant_cannot_post(session: AsyncSession) -> None:
    consultation, moderator, author, c = await _setup(session)
    pid = (await participant_of(session, author)).id
    assert not await guard.is_blocked(session, pid, c.consultation_id)
    with pytest.raises(PermissionDenied):  # only admins block everywhere
        await services.block(
            session,
            await _p(session, moderator),
            moderator,
            c.consultation_id,
            pid,
            days=None,
            everywhere=True,
            reason="spam",
        )
    await services.block(
        session,
        await _p(session, moderator),
        moderator,
        c.consultation_id,
        pid,
        days=7,
        everywhere=False,
        reason="spam",
    )
    assert await guard.is_blocked(session, pid, c.consultation_id)
    other = await make_consultation(session)
    assert not await guard.is_blocked(session, pid, other.id)
    with pytest.raises(PermissionDenied):
        await post(session, consultation, author, "Znowu ja.")  # type: ignore[arg-type]


async def test_rate_limit_says_how_long_to_wait(session: AsyncSession) -> None:
    consultation = await make_consultation(session)
    author = await create_user(session)
    for n in range(guard.LIMITS.participant_minute.capacity):
        await post(session, consultation, author, f"Uwaga numer {n} o parku i ławkach.")
    with pytest.raises(RateLimited) as caught:
        await post(session, consultation, author, "Jedna za dużo o parku.")
    assert caught.value.retry_after >= 1
    assert str(caught.value.retry_after) in str(caught.value.message)


async def test_safeguards_hold_blocked_words_links_and_duplicates(session: AsyncSession) -> None:
    consultation = await make_consultation(session)
    author = await create_user(session)

    async def state_of(body: str) -> ModerationState:
        comment = await post(session, consultation, author, body)
        contribution = await session.get(Contribution, comment.contribution_id)
        assert contribution is not None
        return contribution.moderation_state

    assert await state_of("Park potrzebuje nowych ławek przy stawie.") is S.VISIBLE
    assert await state_of("Park potrzebuje nowych ławek przy stawie!") is S.PENDING
    assert await state_of("Zobacz a.pl b.pl c.pl oraz http://d.example.com/x") is S.PENDING
    session.add(ModerationSettings(consultation_id=consultation.id, blocked_words="betonoza"))
    await session.commit()
    assert await state_of("Znowu ta betonozą w centrum miasta") is S.PENDING


async def test_queue_shows_only_own_consultations(session: AsyncSession) -> None:
    consultation, moderator, author, c = await _setup(session)
    other = await make_consultation(session)
    elsewhere = await make_staff(session, other, StaffRole.MODERATOR, Role.MODERATOR)  # type: ignore[arg-type]
    await services.moderate(
        session,
        await _p(session, moderator),
        moderator,
        c.consultation_id,
        [c.id],
        AuditAction.HIDE,
        "spam",
    )
    await services.file_appeal(
        session, await _p(session, author), author, c.consultation_id, c.id, ""
    )
    mine = await queue.queue(session, await _p(session, moderator))  # type: ignore[arg-type]
    assert [i.contribution.id for i in mine] == [c.id] and mine[0].appeal is not None
    assert await queue.queue(session, await _p(session, elsewhere)) == []  # type: ignore[arg-type]
    del consultation
