"""The contribution record: adding contributions from any channel, themes and links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import record
from deliberation.i18n import _l
from deliberation.models import (
    AuthorKind,
    Channel,
    Contribution,
    ContributionLink,
    LinkKind,
    ModerationState,
    Theme,
    contribution_themes,
)
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
        raise ValidationFailed(fields={"theme": _l("Give the theme a name of up to 80 characters.")})
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
