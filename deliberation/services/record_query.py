"""Reading the contribution record: the public timeline, the staff view, one contribution, search.

Pages use keyset pagination on (created_at, id), newest first, and load themes, links and
meetings for a whole page in one query each, so a page costs the same at item 20 and 20,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import folded
from deliberation.errors import NotFound
from deliberation.models import (
    Channel,
    Contribution,
    ContributionLink,
    LinkKind,
    Meeting,
    ModerationState,
    Theme,
    contribution_themes,
)
from deliberation.text import fold

PAGE_SIZE = 20


@dataclass(frozen=True)
class RecordFilter:
    public: bool = True
    channel: Channel | None = None
    theme_id: int | None = None
    meeting_id: int | None = None
    state: ModerationState | None = None


@dataclass
class LinkView:
    kind: LinkKind
    outgoing: bool  # True: this contribution -> other; False: other -> this one
    other: Contribution


@dataclass
class Entry:
    contribution: Contribution
    themes: list[Theme] = field(default_factory=list)
    links: list[LinkView] = field(default_factory=list)


@dataclass
class RecordPage:
    entries: list[Entry]
    total: int
    next_cursor: str | None


def encode_cursor(c: Contribution) -> str:
    return f"{int(c.created_at.timestamp() * 1_000_000)}-{c.id}"


def decode_cursor(raw: str | None) -> tuple[datetime, int] | None:
    if not raw:
        return None
    try:
        micros, ident = raw.split("-", 1)
        return datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(ident)
    except (ValueError, OverflowError):
        return None


def published_meetings(consultation_id: int) -> ColumnElement[bool]:
    """Meeting points are public only once their meeting's notes are published."""
    published = select(Meeting.id).where(
        Meeting.consultation_id == consultation_id, Meeting.notes_published_at.is_not(None)
    )
    return or_(Contribution.meeting_id.is_(None), Contribution.meeting_id.in_(published))


def _conditions(consultation_id: int, f: RecordFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Contribution.consultation_id == consultation_id]
    if f.public:
        where += [
            Contribution.moderation_state == ModerationState.VISIBLE,
            published_meetings(consultation_id),
        ]
    elif f.state is not None:
        where.append(Contribution.moderation_state == f.state)
    if f.channel is not None:
        where.append(Contribution.channel == f.channel)
    if f.meeting_id is not None:
        where.append(Contribution.meeting_id == f.meeting_id)
    if f.theme_id is not None:
        where.append(
            Contribution.id.in_(
                select(contribution_themes.c.contribution_id).where(
                    contribution_themes.c.theme_id == f.theme_id
                )
            )
        )
    return where


async def record_page(
    session: AsyncSession,
    consultation_id: int,
    filters: RecordFilter,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> RecordPage:
    where = _conditions(consultation_id, filters)
    total = await session.scalar(select(func.count(Contribution.id)).where(*where))
    after = decode_cursor(cursor)
    if after is not None:
        where.append(
            or_(
                Contribution.created_at < after[0],
                and_(Contribution.created_at == after[0], Contribution.id < after[1]),
            )
        )
    rows = list(
        await session.scalars(
            select(Contribution)
            .where(*where)
            .order_by(Contribution.created_at.desc(), Contribution.id.desc())
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    entries = await decorate(session, consultation_id, rows, public=filters.public)
    return RecordPage(entries, int(total or 0), encode_cursor(rows[-1]) if more and rows else None)


async def decorate(
    session: AsyncSession, consultation_id: int, rows: list[Contribution], *, public: bool
) -> list[Entry]:
    """Themes and links of many contributions, in two queries."""
    entries = {c.id: Entry(c) for c in rows}
    if not entries:
        return []
    ids = list(entries)
    themed = await session.execute(
        select(contribution_themes.c.contribution_id, Theme)
        .join(Theme, Theme.id == contribution_themes.c.theme_id)
        .where(contribution_themes.c.contribution_id.in_(ids))
        .order_by(Theme.name)
    )
    for contribution_id, theme in themed:
        entries[contribution_id].themes.append(theme)
    links = list(
        await session.scalars(
            select(ContributionLink).where(
                or_(ContributionLink.from_id.in_(ids), ContributionLink.to_id.in_(ids))
            )
        )
    )
    if links:
        other_ids = {lk.to_id for lk in links} | {lk.from_id for lk in links}
        other_where: list[ColumnElement[bool]] = [Contribution.id.in_(other_ids)]
        if public:
            other_where += [
                Contribution.moderation_state == ModerationState.VISIBLE,
                published_meetings(consultation_id),
            ]
        others = {c.id: c for c in await session.scalars(select(Contribution).where(*other_where))}
        for lk in sorted(links, key=lambda x: x.id):
            if lk.from_id in entries and lk.to_id in others:
                entries[lk.from_id].links.append(LinkView(lk.kind, True, others[lk.to_id]))
            if lk.to_id in entries and lk.from_id in others:
                entries[lk.to_id].links.append(LinkView(lk.kind, False, others[lk.from_id]))
    return [entries[c.id] for c in rows]


async def contribution_entry(
    session: AsyncSession, consultation_id: int, contribution_id: int, *, public: bool
) -> Entry:
    where = [
        Contribution.id == contribution_id,
        *_conditions(consultation_id, RecordFilter(public)),
    ]
    contribution = await session.scalar(select(Contribution).where(*where))
    if contribution is None:
        raise NotFound()
    return (await decorate(session, consultation_id, [contribution], public=public))[0]


async def search(
    session: AsyncSession, consultation_id: int, query: str, *, exclude: int | None = None
) -> list[Contribution]:
    """Staff search while writing notes: by number (#12) or words in the text."""
    query = query.strip().lstrip("#")
    if not query:
        return []
    where: list[ColumnElement[bool]] = [Contribution.consultation_id == consultation_id]
    if exclude is not None:
        where.append(Contribution.id != exclude)
    if query.isdigit():
        where.append(Contribution.id == int(query))
    else:
        for word in fold(query).split()[:6]:
            where.append(folded(Contribution.body).contains(word, autoescape=True))
    rows = await session.scalars(
        select(Contribution).where(*where).order_by(Contribution.created_at.desc()).limit(10)
    )
    return list(rows)


async def themes_of(session: AsyncSession, consultation_id: int) -> list[Theme]:
    rows = await session.scalars(
        select(Theme).where(Theme.consultation_id == consultation_id).order_by(Theme.name)
    )
    return list(rows)
