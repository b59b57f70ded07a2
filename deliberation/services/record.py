"""The contribution record: adding contributions from any channel, themes and links.

Reading the record (timelines, filters, search) is in ``deliberation.services.record_query``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import Conflict, NotFound, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l
from deliberation.models import (
    AuthorKind,
    Channel,
    Consultation,
    ConsultationStatus,
    Contribution,
    ContributionLink,
    LinkKind,
    Meeting,
    ModerationState,
    Theme,
    contribution_themes,
)
from deliberation.permissions import RECORD_WRITE, Principal, Scope, authorize
from deliberation.text import slugify

MAX_BODY = 10_000


def add_contribution(
    session: AsyncSession,
    *,
    consultation_id: int,
    channel: Channel,
    body: str,
    author_kind: AuthorKind,
    author_user_id: int | None = None,
    author_participant_id: int | None = None,
    recorded_by_id: int | None = None,
    attendee_name: str | None = None,
    state: ModerationState = ModerationState.VISIBLE,
    source: tuple[str, int] | None = None,
    received_at: datetime | None = None,
) -> Contribution:
    """Stage a contribution (the caller commits). Emits contribution.created after commit."""
    body = body.strip()
    if not body:
        raise ValidationFailed(fields={"body": _l("This field is required.")})
    if len(body) > MAX_BODY:
        raise ValidationFailed(fields={"body": _l("This text is too long.")})
    contribution = Contribution(
        consultation_id=consultation_id,
        channel=channel,
        body=body,
        author_kind=author_kind,
        author_user_id=author_user_id,
        author_participant_id=author_participant_id,
        recorded_by_id=recorded_by_id,
        attendee_name=attendee_name,
        moderation_state=state,
        source_type=source[0] if source else None,
        source_id=source[1] if source else None,
        received_at=received_at,
    )
    session.add(contribution)
    return contribution


async def created(session: AsyncSession, contribution: Contribution) -> None:
    """Flush to get the id and stage contribution.created."""
    await session.flush()
    record(
        session,
        ev.ContributionCreated(
            consultation_id=contribution.consultation_id,
            contribution_id=contribution.id,
            channel=contribution.channel.value,
        ),
    )


async def ensure_theme(session: AsyncSession, consultation_id: int, name: str) -> Theme:
    """The consultation's theme with this name, created on the fly."""
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise ValidationFailed(
            fields={"theme": _l("Give the theme a name of up to 80 characters.")}
        )
    slug = slugify(name)
    theme = await session.scalar(
        select(Theme).where(Theme.consultation_id == consultation_id, Theme.slug == slug)
    )
    if theme is None:
        theme = Theme(consultation_id=consultation_id, name=name, slug=slug)
        session.add(theme)
        await session.flush()
    return theme


async def tag(session: AsyncSession, contribution: Contribution, theme: Theme) -> None:
    if theme.consultation_id != contribution.consultation_id:
        raise ValidationFailed(_l("This theme belongs to another consultation."))
    exists = await session.scalar(
        select(contribution_themes.c.theme_id).where(
            contribution_themes.c.contribution_id == contribution.id,
            contribution_themes.c.theme_id == theme.id,
        )
    )
    if exists is None:
        await session.execute(
            insert(contribution_themes).values(contribution_id=contribution.id, theme_id=theme.id)
        )


async def link(
    session: AsyncSession,
    source: Contribution,
    target: Contribution,
    kind: LinkKind,
    *,
    created_by_id: int | None,
) -> ContributionLink:
    """Link two contributions of one consultation. Emits contribution.linked after commit."""
    if source.consultation_id != target.consultation_id:
        raise ValidationFailed(_l("You can only link contributions of the same consultation."))
    if source.id == target.id:
        raise ValidationFailed(_l("A contribution cannot be linked to itself."))
    existing = await session.scalar(
        select(ContributionLink).where(
            ContributionLink.from_id == source.id, ContributionLink.to_id == target.id
        )
    )
    if existing is not None:
        existing.kind = kind
        return existing
    row = ContributionLink(
        from_id=source.id, to_id=target.id, kind=kind, created_by_id=created_by_id
    )
    session.add(row)
    await session.flush()
    record(
        session,
        ev.ContributionLinked(
            consultation_id=source.consultation_id,
            from_id=source.id,
            to_id=target.id,
            kind=kind.value,
        ),
    )
    return row


# --- staff writing to the record: meeting points, paper and e-mail input, themes, links ---------


def _writable(principal: Principal, consultation: Consultation) -> None:
    """A closed consultation's record is frozen; only its facilitators and admins may write."""
    if consultation.status in (ConsultationStatus.CLOSED, ConsultationStatus.REPORT_PUBLISHED):
        raise Conflict(
            _l("This consultation is closed, so its record can no longer change."),
            code="record_closed",
        )
    authorize(
        principal, RECORD_WRITE, Scope(consultation_id=consultation.id, status=consultation.status)
    )


def theme_names(raw: str) -> list[str]:
    """'zieleń, oświetlenie' -> ['zieleń', 'oświetlenie'] (comma or semicolon separated)."""
    names = [" ".join(part.split()) for part in re.split(r"[,;\n]", raw)]
    return list(dict.fromkeys(name for name in names if name))[:10]


async def _get(session: AsyncSession, consultation_id: int, contribution_id: int) -> Contribution:
    contribution = await session.get(Contribution, contribution_id)
    if contribution is None:
        raise NotFound()
    if contribution.consultation_id != consultation_id:
        raise ValidationFailed(
            fields={"link_to": _l("You can only link contributions of the same consultation.")}
        )
    return contribution


async def _tag_all(session: AsyncSession, contribution: Contribution, themes: list[str]) -> None:
    for name in themes:
        await tag(
            session, contribution, await ensure_theme(session, contribution.consultation_id, name)
        )


async def add_meeting_point(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    meeting: Meeting,
    *,
    body: str,
    raised_by: str = "",
    themes: str = "",
    link_to: int | None = None,
    link_kind: LinkKind = LinkKind.RELATES,
) -> Contribution:
    """Record a point raised in the hall. Emits contribution.created (and .linked). Conflict."""
    _writable(principal, consultation)
    if meeting.consultation_id != consultation.id:
        raise NotFound()
    target = await _get(session, consultation.id, link_to) if link_to else None
    point = add_contribution(
        session,
        consultation_id=consultation.id,
        channel=Channel.MEETING_NOTE,
        body=body,
        author_kind=AuthorKind.RECORDED,
        recorded_by_id=principal.user_id,
        attendee_name=raised_by.strip()[:120] or None,
        received_at=meeting.starts_at,
    )
    point.meeting_id = meeting.id
    await created(session, point)
    await _tag_all(session, point, theme_names(themes))
    if target is not None:
        await link(session, point, target, link_kind, created_by_id=principal.user_id)
    await commit(session)
    return point


async def add_staff_input(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    *,
    channel: Channel,
    body: str,
    received_on: date,
    author_name: str = "",
    themes: str = "",
) -> Contribution:
    """Enter a paper form or an e-mail. Emits contribution.created. ValidationFailed, Conflict."""
    _writable(principal, consultation)
    if channel not in (Channel.PAPER_FORM, Channel.EMAIL):
        raise ValidationFailed(fields={"channel": _l("Choose one of the options.")})
    if received_on > utcnow().date():
        raise ValidationFailed(fields={"received_on": _l("This date is in the future.")})
    contribution = add_contribution(
        session,
        consultation_id=consultation.id,
        channel=channel,
        body=body,
        author_kind=AuthorKind.RECORDED,
        recorded_by_id=principal.user_id,
        attendee_name=author_name.strip()[:120] or None,
        received_at=datetime.combine(received_on, time(12), tzinfo=UTC),
    )
    await created(session, contribution)
    await _tag_all(session, contribution, theme_names(themes))
    await commit(session)
    return contribution


async def link_contributions(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    from_id: int,
    to_id: int,
    kind: LinkKind,
) -> ContributionLink:
    """Link two contributions of this consultation. Emits contribution.linked."""
    _writable(principal, consultation)
    source = await _get(session, consultation.id, from_id)
    target = await _get(session, consultation.id, to_id)
    row = await link(session, source, target, kind, created_by_id=principal.user_id)
    await commit(session)
    return row


async def tag_contribution(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    contribution_id: int,
    themes: str,
) -> list[Theme]:
    """Add themes (created on the fly). Emits contribution.tagged."""
    _writable(principal, consultation)
    contribution = await _get(session, consultation.id, contribution_id)
    names = theme_names(themes)
    if not names:
        raise ValidationFailed(
            fields={"themes": _l("Give the theme a name of up to 80 characters.")}
        )
    added = [await ensure_theme(session, consultation.id, name) for name in names]
    for theme in added:
        await tag(session, contribution, theme)
    record(
        session,
        ev.ContributionTagged(
            consultation_id=consultation.id,
            contribution_id=contribution.id,
            theme_ids=[t.id for t in added],
        ),
    )
    await commit(session)
    return added
