"""Reading for moderators and the public: the queue with context, the transparency summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.models import Consultation, Contribution, ModerationState, Participant, User
from deliberation.models.comments import Comment
from deliberation.permissions import MODERATOR, Principal
from moderation.models import Appeal, AuditAction, AuditEntry, Block, Report

S = ModerationState
PAGE = 50


@dataclass
class QueueItem:
    contribution: Contribution
    consultation_title: str
    author_name: str
    reports: Counter[str] = field(default_factory=Counter)
    report_texts: list[str] = field(default_factory=list)
    appeal: Appeal | None = None
    thread: list[Contribution] = field(default_factory=list)  # parents, oldest first
    history: Counter[str] = field(default_factory=Counter)  # author's states here


def moderated_consultations(principal: Principal) -> set[int] | None:
    return None if principal.is_admin else principal.staff_consultations(MODERATOR)


async def queue(
    session: AsyncSession,
    principal: Principal,
    *,
    consultation_id: int | None = None,
    show: str = "open",
) -> list[QueueItem]:
    """Pending, reported and appealed items of one's consultations (or hidden ones)."""
    open_report = exists().where(
        Report.contribution_id == Contribution.id, Report.resolved_at.is_(None)
    )
    open_appeal = exists().where(
        Appeal.contribution_id == Contribution.id, Appeal.decided_at.is_(None)
    )
    if show == "hidden":
        condition = Contribution.moderation_state == S.HIDDEN
    else:
        condition = or_(
            Contribution.moderation_state == S.PENDING,
            and_(Contribution.moderation_state == S.VISIBLE, open_report),
            and_(Contribution.moderation_state == S.HIDDEN, open_appeal),
        )
    stmt = (
        select(Contribution, Consultation.title)
        .join(Consultation, Consultation.id == Contribution.consultation_id)
        .where(condition)
        .order_by(Contribution.created_at)
        .limit(PAGE)
    )
    scope = moderated_consultations(principal)
    if scope is not None:
        stmt = stmt.where(Contribution.consultation_id.in_(scope or {-1}))
    if consultation_id is not None:
        stmt = stmt.where(Contribution.consultation_id == consultation_id)
    rows = (await session.execute(stmt)).all()
    items = [
        QueueItem(contribution=c, consultation_title=title, author_name="") for c, title in rows
    ]
    await _add_context(session, items)
    return items


async def _add_context(session: AsyncSession, items: list[QueueItem]) -> None:
    if not items:
        return
    ids = [item.contribution.id for item in items]
    by_id = {item.contribution.id: item for item in items}
    reports = await session.execute(
        select(Report.contribution_id, Report.reason, Report.text).where(
            Report.contribution_id.in_(ids), Report.resolved_at.is_(None)
        )
    )
    for cid, reason, text in reports:
        by_id[cid].reports[reason.value] += 1
        if text:
            by_id[cid].report_texts.append(text)
    appeals = await session.scalars(
        select(Appeal).where(Appeal.contribution_id.in_(ids), Appeal.decided_at.is_(None))
    )
    for appeal in appeals:
        by_id[appeal.contribution_id].appeal = appeal
    names = await session.execute(
        select(Comment.contribution_id, Comment.author_name).where(Comment.contribution_id.in_(ids))
    )
    for cid, name in names:
        by_id[cid].author_name = name
    for item in items:
        c = item.contribution
        if not item.author_name and c.author_user_id:
            item.author_name = (await session.get(User, c.author_user_id)).display_name  # type: ignore[union-attr]
        item.thread = await _thread(session, c.id)
        if c.author_participant_id is not None:
            history = await session.execute(
                select(Contribution.moderation_state, func.count())
                .where(
                    Contribution.consultation_id == c.consultation_id,
                    Contribution.author_participant_id == c.author_participant_id,
                )
                .group_by(Contribution.moderation_state)
            )
            item.history = Counter({state.value: n for state, n in history})


async def _thread(session: AsyncSession, contribution_id: int) -> list[Contribution]:
    """The comments this one answers, for context (at most two levels up)."""
    comment = await session.scalar(
        select(Comment).where(Comment.contribution_id == contribution_id)
    )
    chain: list[Contribution] = []
    while comment is not None and comment.parent_id is not None:
        comment = await session.get(Comment, comment.parent_id)
        if comment is None:
            break
        parent = await session.get(Contribution, comment.contribution_id)
        if parent is not None:
            chain.insert(0, parent)
    return chain


@dataclass(frozen=True)
class Transparency:
    total: int
    hidden: int
    by_reason: list[tuple[str, int]]
    actions: int


async def transparency(session: AsyncSession, consultation_id: int) -> Transparency:
    """How many contributions are hidden now, for which reasons, and how many actions were taken."""
    total = await session.scalar(
        select(func.count(Contribution.id)).where(Contribution.consultation_id == consultation_id)
    )
    rows = await session.execute(
        select(Contribution.hidden_reason, func.count())
        .where(
            Contribution.consultation_id == consultation_id,
            Contribution.moderation_state == S.HIDDEN,
        )
        .group_by(Contribution.hidden_reason)
    )
    by_reason = sorted(((r or "other", n) for r, n in rows), key=lambda x: -x[1])
    actions = await session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.consultation_id == consultation_id,
            AuditEntry.action.in_([AuditAction.HIDE, AuditAction.RESTORE, AuditAction.REDACT]),
        )
    )
    return Transparency(
        total=total or 0,
        hidden=sum(n for _, n in by_reason),
        by_reason=by_reason,
        actions=actions or 0,
    )


@dataclass
class BlockRow:
    block: Block
    participant_name: str
    consultation_title: str | None  # None: everywhere
    may_lift: bool


async def active_blocks(session: AsyncSession, principal: Principal) -> list[BlockRow]:
    """Blocks still in force in one's consultations, and those everywhere (only admins lift
    those)."""
    now = utcnow()
    stmt = (
        select(Block, Participant.display_name, User.display_name, Consultation.title)
        .join(Participant, Participant.id == Block.participant_id)
        .outerjoin(User, User.id == Participant.user_id)
        .outerjoin(Consultation, Consultation.id == Block.consultation_id)
        .where(Block.lifted_at.is_(None), or_(Block.until.is_(None), Block.until > now))
        .order_by(Block.created_at.desc())
        .limit(200)
    )
    scope = moderated_consultations(principal)
    if scope is not None:
        stmt = stmt.where(
            or_(Block.consultation_id.in_(scope or {-1}), Block.consultation_id.is_(None))
        )
    rows = (await session.execute(stmt)).all()
    return [
        BlockRow(
            block=block,
            participant_name=user_name or participant_name or "",
            consultation_title=title,
            may_lift=principal.is_admin or block.consultation_id is not None,
        )
        for block, participant_name, user_name, title in rows
    ]
