"""Consultations: creating, editing and moving through draft -> published -> closed -> report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import Conflict, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l
from deliberation.models import Consultation, ConsultationRole, ConsultationStatus, StaffRole
from deliberation.text import fold, slugify

NEXT_STATUS = {
    ConsultationStatus.DRAFT: ConsultationStatus.PUBLISHED,
    ConsultationStatus.PUBLISHED: ConsultationStatus.CLOSED,
    ConsultationStatus.CLOSED: ConsultationStatus.REPORT_PUBLISHED,
}


def search_text(c: Consultation) -> str:
    return fold(" ".join((c.title, c.summary, c.topic, c.area)))


async def create_consultation(
    session: AsyncSession,
    *,
    title: str,
    summary: str = "",
    description: str = "",
    topic: str = "",
    area: str = "",
    slug: str | None = None,
    created_by_id: int | None,
) -> Consultation:
    """Create a draft; its creator becomes its facilitator. Emits consultation.created."""
    slug = slugify(slug or title)
    if await session.scalar(select(Consultation.id).where(Consultation.slug == slug)):
        raise ValidationFailed(fields={"slug": _l("This web address is already taken.")})
    consultation = Consultation(
        slug=slug,
        title=title.strip(),
        summary=summary.strip(),
        description=description,
        topic=topic.strip(),
        area=area.strip(),
        created_by_id=created_by_id,
    )
    consultation.search_text = search_text(consultation)
    session.add(consultation)
    await session.flush()
    if created_by_id is not None:
        session.add(
            ConsultationRole(
                consultation_id=consultation.id, user_id=created_by_id, role=StaffRole.FACILITATOR
            )
        )
    record(session, ev.ConsultationCreated(consultation_id=consultation.id))
    await commit(session)
    return consultation


async def advance_status(
    session: AsyncSession, consultation: Consultation, target: ConsultationStatus
) -> None:
    """Move to the next status only. Emits consultation.status_changed."""
    if NEXT_STATUS.get(consultation.status) is not target:
        raise Conflict(_l("A consultation cannot move to this status from its current one."))
    if target is ConsultationStatus.PUBLISHED:
        if not consultation.summary.strip():
            raise ValidationFailed(
                fields={"summary": _l("Write a short plain-language summary before publishing.")}
            )
        consultation.published_at = utcnow()
    consultation.status = target
    session.add(consultation)
    record(
        session,
        ev.ConsultationStatusChanged(consultation_id=consultation.id, status=target.value),
    )
    await commit(session)
