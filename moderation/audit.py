"""The append-only audit log: one row per moderation action, and the search over it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import folded
from deliberation.models import User
from deliberation.permissions import MODERATOR, Principal
from deliberation.text import fold
from moderation.models import AuditAction, AuditEntry


def write(
    session: AsyncSession,
    *,
    action: AuditAction,
    actor: User | None,
    consultation_id: int | None,
    contribution_id: int | None = None,
    participant_id: int | None = None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Stage one audit row in the caller's transaction (never updated afterwards)."""
    entry = AuditEntry(
        consultation_id=consultation_id,
        contribution_id=contribution_id,
        participant_id=participant_id,
        actor_user_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else "",
        action=action,
        reason=reason,
        before=json.dumps(before or {}, ensure_ascii=False, sort_keys=True),
        after=json.dumps(after or {}, ensure_ascii=False, sort_keys=True),
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditQuery:
    text: str = ""
    action: AuditAction | None = None
    consultation_id: int | None = None
    contribution_id: int | None = None
    limit: int = 100
    offset: int = 0


def visible_consultations(principal: Principal) -> set[int] | None:
    """None means every consultation (admins)."""
    return None if principal.is_admin else principal.staff_consultations(MODERATOR)


async def search(
    session: AsyncSession, principal: Principal, query: AuditQuery
) -> Sequence[AuditEntry]:
    """Audit rows of the principal's consultations, newest first, filtered by the query."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    scope = visible_consultations(principal)
    if scope is not None:
        stmt = stmt.where(AuditEntry.consultation_id.in_(scope or {-1}))
    if query.consultation_id is not None:
        stmt = stmt.where(AuditEntry.consultation_id == query.consultation_id)
    if query.contribution_id is not None:
        stmt = stmt.where(AuditEntry.contribution_id == query.contribution_id)
    if query.action is not None:
        stmt = stmt.where(AuditEntry.action == query.action)
    if query.text:
        # Case- and diacritics-insensitive: "zolc" finds "Żółć"; % and _ are plain characters.
        needle = fold(query.text)
        stmt = stmt.where(
            or_(
                *(
                    folded(column).contains(needle, autoescape=True)
                    for column in (
                        AuditEntry.reason,
                        AuditEntry.actor_name,
                        AuditEntry.before,
                        AuditEntry.after,
                    )
                )
            )
        )
    rows = await session.scalars(stmt.limit(query.limit).offset(query.offset))
    return rows.all()
