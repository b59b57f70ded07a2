"""The moderation state machine and the moderator's and residents' actions on any contribution.

Every change of a contribution's ``moderation_state`` goes through ``_transition``: it checks the
move is allowed, writes the audit row and stages ``contribution.moderated`` (published after the
commit, so live rooms and comment threads update on every screen).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l
from deliberation.models import Consultation, Contribution, ModerationState, User
from deliberation.models.comments import Comment, CommentRevision
from deliberation.permissions import CONTRIBUTION_MODERATE, Principal, Scope, authorize, can
from moderation import audit
from moderation.models import (
    Appeal,
    AppealOutcome,
    AuditAction,
    Block,
    Mode,
    ModerationSettings,
    Report,
    ReportReason,
    WordList,
)
from moderation.permissions import SETTINGS, SITE_SETTINGS

S = ModerationState
# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[AuditAction, tuple[frozenset[ModerationState], ModerationState]] = {
    AuditAction.APPROVE: (frozenset({S.PENDING}), S.VISIBLE),
    AuditAction.HIDE: (frozenset({S.PENDING, S.VISIBLE}), S.HIDDEN),
    AuditAction.RESTORE: (frozenset({S.HIDDEN, S.REJECTED}), S.VISIBLE),
}
# Set on a contribution that enough reports took out of view until a moderator looks.
REPORTED = "reports"
REDACTED = "[…]"
SITE_LIST = "site"
MAX_REASON = 500


def _insert(session: AsyncSession) -> Any:
    bind = session.get_bind()
    return pg_insert if bind.dialect.name == "postgresql" else sqlite_insert


async def _scope(session: AsyncSession, consultation_id: int) -> Scope:
    status = await session.scalar(
        select(Consultation.status).where(Consultation.id == consultation_id)
    )
    if status is None:
        raise NotFound()
    return Scope(consultation_id=consultation_id, status=status)


async def load(session: AsyncSession, consultation_id: int, contribution_id: int) -> Contribution:
    contribution = await session.get(Contribution, contribution_id, populate_existing=True)
    if contribution is None or contribution.consultation_id != consultation_id:
        raise NotFound()
    return contribution


async def _moderatable(
    session: AsyncSession, principal: Principal, consultation_id: int, contribution_id: int
) -> Contribution:
    authorize(principal, CONTRIBUTION_MODERATE, await _scope(session, consultation_id))
    return await load(session, consultation_id, contribution_id)


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = " ".join(reason.split())[:MAX_REASON]
    if required and not reason:
        raise ValidationFailed(fields={"reason": _l("Give a reason.")})
    return reason


async def _resolve_reports(session: AsyncSession, contribution_id: int) -> None:
    await session.execute(
        update(Report)
        .where(Report.contribution_id == contribution_id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )


def _transition(
    session: AsyncSession,
    contribution: Contribution,
    action: AuditAction,
    *,
    actor: User | None,
    reason: str = "",
) -> None:
    allowed, target = TRANSITIONS[action]
    if contribution.moderation_state not in allowed:
        raise Conflict(
            _l("This contribution cannot be changed this way in its current state."),
            code=f"state_{contribution.moderation_state.value}_not_in_"
            + "_".join(sorted(s.value for s in allowed)),
        )
    before = {"state": contribution.moderation_state.value, "reason": contribution.hidden_reason}
    contribution.moderation_state = target
    contribution.hidden_reason = reason if target is S.HIDDEN else None
    _audit_change(session, contribution, action, actor=actor, reason=reason, before=before)


def _audit_change(
    session: AsyncSession,
    contribution: Contribution,
    action: AuditAction,
    *,
    actor: User | None,
    reason: str,
    before: dict[str, Any],
    after: dict[str, Any] | None = None,
) -> None:
    audit.write(
        session,
        action=action,
        actor=actor,
        consultation_id=contribution.consultation_id,
        contribution_id=contribution.id,
        participant_id=contribution.author_participant_id,
        reason=reason,
        before=before,
        after=after
        or {"state": contribution.moderation_state.value, "reason": contribution.hidden_reason},
    )
    record(
        session,
        ev.ContributionModerated(
            consultation_id=contribution.consultation_id,
            contribution_id=contribution.id,
            state=contribution.moderation_state.value,
            source_type=contribution.source_type,
        ),
    )


async def moderate(
    session: AsyncSession,
    principal: Principal,
    actor: User,
    consultation_id: int,
    contribution_ids: Sequence[int],
    action: AuditAction,
    reason: str = "",
) -> list[Contribution]:
    """Approve, hide (reason required) or restore one or many. Emits contribution.moderated.

    PermissionDenied, NotFound, Conflict (a state the action does not start from).
    """
    if action not in TRANSITIONS:
        raise ValidationFailed(fields={"action": _l("Choose one of the options.")})
    reason = _clean_reason(reason, required=action is AuditAction.HIDE)
    changed = []
    for contribution_id in dict.fromkeys(contribution_ids):
        contribution = await _moderatable(session, principal, consultation_id, contribution_id)
        _transition(session, contribution, action, actor=actor, reason=reason)
        await _resolve_reports(session, contribution.id)
        changed.append(contribution)
    await commit(session)
    return changed


async def redact(
    session: AsyncSession,
    principal: Principal,
    actor: User,
    consultation_id: int,
    contribution_id: int,
    fragment: str,
) -> Contribution:
    """Replace personal data in the text; the original survives only in the audit row."""
    contribution = await _moderatable(session, principal, consultation_id, contribution_id)
    fragment = fragment.strip()
    if not fragment or fragment not in contribution.body:
        raise ValidationFailed(
            fields={"fragment": _l("Copy the exact words to remove from the text.")}
        )
    before = {"state": contribution.moderation_state.value, "body": contribution.body}
    contribution.body = contribution.body.replace(fragment, REDACTED)
    # Earlier versions of an edited comment must not keep what was removed.
    comment_id = await session.scalar(
        select(Comment.id).where(Comment.contribution_id == contribution.id)
    )
    if comment_id is not None:
        revisions = await session.scalars(
            select(CommentRevision).where(CommentRevision.comment_id == comment_id)
        )
        for revision in revisions:
            revision.body = revision.body.replace(fragment, REDACTED)
    _audit_change(
        session,
        contribution,
        AuditAction.REDACT,
        actor=actor,
        reason="personal_data",
        before=before,
        after={"state": contribution.moderation_state.value, "body": contribution.body},
    )
    await commit(session)
    return contribution


async def report(
    session: AsyncSession,
    principal: Principal,
    *,
    reporter_participant_id: int,
    consultation_id: int,
    contribution_id: int,
    reason: ReportReason,
    text: str = "",
) -> bool:
    """Report once (a repeat is ignored); enough reports hold it for review. False if repeated.

    Emits contribution.reported, and contribution.moderated when the threshold is reached.
    """
    contribution = await load(session, consultation_id, contribution_id)
    if contribution.author_user_id is not None and contribution.author_user_id == principal.user_id:
        raise ValidationFailed(_l("You cannot report your own contribution."))
    text = " ".join(text.split())[:MAX_REASON]
    if reason is ReportReason.OTHER and not text:
        raise ValidationFailed(fields={"text": _l("Tell us what is wrong.")})
    inserted = await session.execute(
        _insert(session)(Report)
        .values(
            contribution_id=contribution.id,
            reporter_participant_id=reporter_participant_id,
            reason=reason.value,
            text=text,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["contribution_id", "reporter_participant_id"])
        .returning(Report.id)
    )
    if inserted.first() is None:
        return False  # already reported by this participant: nothing changes
    count = await session.scalar(
        select(func.count(Report.id)).where(
            Report.contribution_id == contribution.id, Report.resolved_at.is_(None)
        )
    )
    settings = await session.get(ModerationSettings, consultation_id)
    threshold = settings.report_threshold if settings else 3
    if contribution.moderation_state is S.VISIBLE and (count or 0) >= threshold:
        before = {
            "state": contribution.moderation_state.value,
            "reason": contribution.hidden_reason,
        }
        contribution.moderation_state = S.PENDING
        contribution.hidden_reason = REPORTED
        _audit_change(
            session, contribution, AuditAction.AUTO_HIDE, actor=None, reason=REPORTED, before=before
        )
    record(
        session,
        ev.ContributionReported(
            consultation_id=consultation_id, contribution_id=contribution.id, reports=count or 0
        ),
    )
    await commit(session)
    return True


async def _last_hider(session: AsyncSession, contribution_id: int) -> int | None:
    from moderation.models import AuditEntry

    return await session.scalar(
        select(AuditEntry.actor_user_id)
        .where(AuditEntry.contribution_id == contribution_id, AuditEntry.action == AuditAction.HIDE)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


async def file_appeal(
    session: AsyncSession,
    principal: Principal,
    actor: User,
    consultation_id: int,
    contribution_id: int,
    text: str,
) -> Appeal:
    """The author asks once for a second look at a hidden contribution. Emits appeal.filed."""
    contribution = await load(session, consultation_id, contribution_id)
    if contribution.author_user_id is None or contribution.author_user_id != principal.user_id:
        raise PermissionDenied()
    if contribution.moderation_state is not S.HIDDEN:
        raise Conflict(_l("Only a hidden contribution can be appealed."), code="not_hidden")
    text = " ".join(text.split())[:MAX_REASON]
    inserted = await session.execute(
        _insert(session)(Appeal)
        .values(
            contribution_id=contribution.id,
            participant_id=contribution.author_participant_id,
            text=text,
            contested_by_id=await _last_hider(session, contribution.id),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["contribution_id"])
        .returning(Appeal.id)
    )
    row = inserted.first()
    if row is None:
        raise Conflict(_l("You have already asked for a second look."), code="appealed")
    audit.write(
        session,
        action=AuditAction.APPEAL,
        actor=actor,
        consultation_id=consultation_id,
        contribution_id=contribution.id,
        participant_id=contribution.author_participant_id,
        reason=text,
    )
    record(
        session, ev.AppealFiled(consultation_id=consultation_id, contribution_id=contribution.id)
    )
    await commit(session)
    appeal = await session.get(Appeal, row[0])
    assert appeal is not None
    return appeal


async def decide_appeal(
    session: AsyncSession,
    principal: Principal,
    actor: User,
    consultation_id: int,
    appeal_id: int,
    outcome: AppealOutcome,
    reason: str = "",
) -> Appeal:
    """Another moderator restores or upholds. Emits contribution.moderated when restored."""
    authorize(principal, CONTRIBUTION_MODERATE, await _scope(session, consultation_id))
    appeal = await session.get(Appeal, appeal_id, populate_existing=True)
    if appeal is None:
        raise NotFound()
    contribution = await load(session, consultation_id, appeal.contribution_id)
    if appeal.decided_at is not None:
        raise Conflict(_l("This appeal has already been decided."), code="decided")
    if appeal.contested_by_id == actor.id:
        raise PermissionDenied(
            _l("Another moderator must decide on an appeal against your decision."),
            code="own_decision",
        )
    reason = _clean_reason(reason, required=outcome is AppealOutcome.UPHELD)
    appeal.decided_by_id = actor.id
    appeal.decided_at = utcnow()
    appeal.outcome = outcome
    if outcome is AppealOutcome.RESTORED:
        _transition(session, contribution, AuditAction.RESTORE, actor=actor, reason=reason)
    audit.write(
        session,
        action=AuditAction.APPEAL_DECIDED,
        actor=actor,
        consultation_id=consultation_id,
        contribution_id=contribution.id,
        participant_id=contribution.author_participant_id,
        reason=reason,
        after={"outcome": outcome.value},
    )
    await commit(session)
    return appeal


async def block(
    session: AsyncSession,
    principal: Principal,
    actor: User,
    consultation_id: int,
    participant_id: int,
    *,
    days: int | None,
    everywhere: bool,
    reason: str,
) -> Block:
    """Block a participant for ``days`` (None: for good). Everywhere needs an admin.

    Emits participant.blocked.
    """
    authorize(principal, CONTRIBUTION_MODERATE, await _scope(session, consultation_id))
    if everywhere:
        authorize(principal, SITE_SETTINGS)
    reason = _clean_reason(reason, required=True)
    if days is not None and not 1 <= days <= 3650:
        raise ValidationFailed(fields={"days": _l("Choose one of the options.")})
    row = Block(
        participant_id=participant_id,
        consultation_id=None if everywhere else consultation_id,
        until=utcnow() + timedelta(days=days) if days else None,
        reason=reason,
        created_by_id=actor.id,
    )
    session.add(row)
    audit.write(
        session,
        action=AuditAction.BLOCK,
        actor=actor,
        consultation_id=consultation_id,
        participant_id=participant_id,
        reason=reason,
        after={"days": days, "everywhere": everywhere},
    )
    record(
        session,
        ev.ParticipantBlocked(participant_id=participant_id, consultation_id=row.consultation_id),
    )
    await commit(session)
    return row


async def lift_block(
    session: AsyncSession, principal: Principal, actor: User, block_id: int, reason: str = ""
) -> Block:
    """End a block early. A block everywhere needs an admin; one in a consultation, one of its
    moderators. Audited; emits participant.unblocked. NotFound, PermissionDenied, Conflict."""
    row = await session.get(Block, block_id, populate_existing=True)
    if row is None:
        raise NotFound()
    if row.consultation_id is None:
        authorize(principal, SITE_SETTINGS)
    else:
        authorize(principal, CONTRIBUTION_MODERATE, await _scope(session, row.consultation_id))
    if row.lifted_at is not None or (row.until is not None and row.until <= utcnow()):
        raise Conflict(_l("This block has already ended."), code="block_ended")
    reason = _clean_reason(reason, required=False)
    row.lifted_at = utcnow()
    audit.write(
        session,
        action=AuditAction.UNBLOCK,
        actor=actor,
        consultation_id=row.consultation_id,
        participant_id=row.participant_id,
        reason=reason,
        before={
            "until": row.until.isoformat() if row.until else None,
            "everywhere": row.consultation_id is None,
        },
        after={"lifted": True},
    )
    record(
        session,
        ev.ParticipantUnblocked(
            participant_id=row.participant_id, consultation_id=row.consultation_id
        ),
    )
    await commit(session)
    return row


MAX_WORD = 60


def site_words(row: WordList | None) -> list[str]:
    return [line.strip() for line in (row.entries if row else "").splitlines() if line.strip()]


async def load_site_words(session: AsyncSession, principal: Principal) -> list[str]:
    authorize(principal, SITE_SETTINGS)
    return site_words(await session.get(WordList, SITE_LIST, populate_existing=True))


async def change_site_words(
    session: AsyncSession, principal: Principal, actor: User, *, add: str = "", remove: str = ""
) -> list[str]:
    """Add one entry to the site-wide blocked words, or remove one; audited. Admins only.

    An entry is a word (every inflected form is matched), ``stem*``, ``*part*`` or ``!word``
    (allowed). ValidationFailed for an unusable or duplicate entry, NotFound for a removal of
    an entry that is not on the list.
    """
    from moderation.safeguards import BlockedWords

    authorize(principal, SITE_SETTINGS)
    await session.execute(
        _insert(session)(WordList)
        .values(key=SITE_LIST, entries="", updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
    )
    # Locked, so two admins changing the list at once both keep their change.
    row = await session.scalar(
        select(WordList)
        .where(WordList.key == SITE_LIST)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    entries = site_words(row)
    add, remove = " ".join(add.split()), remove.strip()
    if add:
        if len(add) > MAX_WORD:
            raise ValidationFailed(fields={"word": _l("This text is too long.")})
        try:
            BlockedWords.from_lines([add])
        except ValueError:
            raise ValidationFailed(
                fields={"word": _l("Use letters only, one word a line, with an optional *.")}
            ) from None
        if add.casefold() in (e.casefold() for e in entries):
            raise ValidationFailed(fields={"word": _l("This word is already on the list.")})
        entries.append(add)
    if remove:
        if remove not in entries:
            raise NotFound()
        entries.remove(remove)
    if not add and not remove:
        raise ValidationFailed(fields={"word": _l("This field is required.")})
    row.entries = "\n".join(entries)
    audit.write(
        session,
        action=AuditAction.SETTINGS,
        actor=actor,
        consultation_id=None,
        reason="site_blocked_words",
        after={"added": add or None, "removed": remove or None, "entries": len(entries)},
    )
    await commit(session)
    return entries


async def update_settings(
    session: AsyncSession,
    principal: Principal,
    actor: User,
    consultation_id: int,
    *,
    mode: Mode,
    report_threshold: int,
    max_links: int,
    blocked_words: str,
) -> ModerationSettings:
    """Change how one consultation is moderated; audited."""
    authorize(principal, SETTINGS, await _scope(session, consultation_id))
    if not 1 <= report_threshold <= 100:
        raise ValidationFailed(fields={"report_threshold": _l("Choose one of the options.")})
    if not 0 <= max_links <= 50:
        raise ValidationFailed(fields={"max_links": _l("Choose one of the options.")})
    from moderation.safeguards import BlockedWords

    try:
        BlockedWords.from_lines(blocked_words.splitlines())
    except ValueError:
        raise ValidationFailed(
            fields={"blocked_words": _l("Use letters only, one word a line, with an optional *.")}
        ) from None
    row = await session.get(ModerationSettings, consultation_id)
    if row is None:
        row = ModerationSettings(consultation_id=consultation_id)
        session.add(row)
    before = {"mode": row.mode.value if row.mode else None}
    row.mode, row.report_threshold, row.max_links = mode, report_threshold, max_links
    row.blocked_words = blocked_words.strip()
    audit.write(
        session,
        action=AuditAction.SETTINGS,
        actor=actor,
        consultation_id=consultation_id,
        before=before,
        after={"mode": mode.value, "report_threshold": report_threshold, "max_links": max_links},
    )
    await commit(session)
    return row


def may_moderate(principal: Principal, scope: Scope) -> bool:
    return can(principal, CONTRIBUTION_MODERATE, scope)
