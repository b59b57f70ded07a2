"""Consultations: creating, editing, phases, and draft -> published -> closed -> report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import Conflict, NotFound, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l
from deliberation.markdown import unsafe_reason
from deliberation.models import (
    AreaKind,
    Consultation,
    ConsultationRole,
    ConsultationStatus,
    Phase,
    PhaseKind,
    StaffRole,
)
from deliberation.permissions import (
    CONSULTATION_CREATE,
    CONSULTATION_EDIT,
    CONSULTATION_PUBLISH,
    CONSULTATION_VIEW_DRAFT,
    Principal,
    Scope,
    authorize,
    can,
)
from deliberation.text import fold, slugify

NEXT_STATUS = {
    ConsultationStatus.DRAFT: ConsultationStatus.PUBLISHED,
    ConsultationStatus.PUBLISHED: ConsultationStatus.CLOSED,
    ConsultationStatus.CLOSED: ConsultationStatus.REPORT_PUBLISHED,
}
PUBLIC_STATUSES = (
    ConsultationStatus.PUBLISHED,
    ConsultationStatus.CLOSED,
    ConsultationStatus.REPORT_PUBLISHED,
)
PHASE_ORDER = tuple(PhaseKind)

# Dąbrowa Górnicza's districts, offered as suggestions; any other city edits this list.
DISTRICTS = (
    "Centrum", "Gołonóg", "Reden", "Mydlice", "Łęknice", "Ujejsce", "Antoniów", "Błędów",
    "Łosień", "Okradzionów", "Sikorka", "Strzemieszyce Małe", "Strzemieszyce Wielkie",
    "Trzebiesławice", "Tucznawa", "Ząbkowice", "Kuźniczka Nowa", "Bugaj",
)  # fmt: skip
LEGAL_BASES = (
    "Uchwała Rady Miejskiej w sprawie zasad i trybu przeprowadzania konsultacji społecznych",
    "Art. 5a ustawy z dnia 8 marca 1990 r. o samorządzie gminnym",
    "Ustawa o planowaniu i zagospodarowaniu przestrzennym",
    "Ustawa o rewitalizacji",
)


class ParticipationForm(StrEnum):
    ONLINE = "online"
    MEETING = "meeting"
    PAPER = "paper"
    SURVEY = "survey"
    WALK = "walk"
    POINT = "point"


@dataclass
class Details:
    """What a staff member fills in about a consultation."""

    title: str
    summary: str = ""
    description: str = ""
    topic: str = ""
    area: str = ""
    area_kind: AreaKind = AreaKind.CITY
    organizer: str = ""
    contact: str = ""
    legal_basis: str = ""
    participation_forms: Sequence[ParticipationForm] = field(default_factory=tuple)


def scope_of(consultation: Consultation) -> Scope:
    return Scope(consultation_id=consultation.id, status=consultation.status)


def search_text(c: Consultation) -> str:
    return fold(" ".join((c.title, c.summary, c.topic, c.area)))


def _check_details(details: Details) -> None:
    errors: dict[str, object] = {}
    if not details.title.strip():
        errors["title"] = _l("This field is required.")
    if unsafe_reason(details.description):
        errors["description"] = _l(
            "The description contains a script or an unsafe link (javascript:, data:). "
            "Remove it: only ordinary links (https://) are allowed."
        )
    if details.area_kind is not AreaKind.CITY and not details.area.strip():
        errors["area"] = _l("Name the district or estate.")
    if errors:
        raise ValidationFailed(fields=errors)


def _apply(consultation: Consultation, details: Details) -> None:
    consultation.title = details.title.strip()
    consultation.summary = details.summary.strip()
    consultation.description = details.description
    consultation.topic = details.topic.strip()
    consultation.area_kind = details.area_kind
    consultation.area = "" if details.area_kind is AreaKind.CITY else details.area.strip()
    consultation.organizer = details.organizer.strip()
    consultation.contact = details.contact.strip()
    consultation.legal_basis = details.legal_basis.strip()
    consultation.participation_forms = [
        form.value for form in ParticipationForm if form in set(details.participation_forms)
    ]
    consultation.search_text = search_text(consultation)


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
    principal: Principal | None = None,
    details: Details | None = None,
) -> Consultation:
    """Create a draft; its creator becomes its facilitator. Emits consultation.created.

    ``principal`` is checked when given (web requests); the demo loader and CLI pass none.
    """
    if principal is not None:
        authorize(principal, CONSULTATION_CREATE)
    if details is None:
        details = Details(
            title=title,
            summary=summary,
            description=description,
            topic=topic,
            area=area,
            area_kind=AreaKind.DISTRICT if area.strip() else AreaKind.CITY,
        )
    _check_details(details)
    slug = slugify(slug or details.title)
    if await session.scalar(select(Consultation.id).where(Consultation.slug == slug)):
        raise ValidationFailed(fields={"slug": _l("This web address is already taken.")})
    consultation = Consultation(slug=slug, created_by_id=created_by_id)
    _apply(consultation, details)
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


async def update_consultation(
    session: AsyncSession, principal: Principal, consultation: Consultation, details: Details
) -> None:
    """Change the details. Emits consultation.updated. ValidationFailed, PermissionDenied."""
    authorize(principal, CONSULTATION_EDIT, scope_of(consultation))
    _check_details(details)
    if consultation.status is not ConsultationStatus.DRAFT and not details.summary.strip():
        raise ValidationFailed(
            fields={"summary": _l("A published consultation needs its plain-language summary.")}
        )
    _apply(consultation, details)
    session.add(consultation)
    record(session, ev.ConsultationUpdated(consultation_id=consultation.id))
    await commit(session)


async def phases_of(session: AsyncSession, consultation_id: int) -> list[Phase]:
    rows = await session.scalars(select(Phase).where(Phase.consultation_id == consultation_id))
    return sorted(rows, key=lambda p: PHASE_ORDER.index(p.kind))


async def set_phases(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    dates: Mapping[PhaseKind, tuple[date, date] | None],
) -> list[Phase]:
    """Replace the phases' dates. Emits consultation.phases_changed. ValidationFailed."""
    authorize(principal, CONSULTATION_EDIT, scope_of(consultation))
    errors: dict[str, object] = {}
    previous: tuple[date, date] | None = None
    for kind in PHASE_ORDER:
        span = dates.get(kind)
        if span is None:
            continue
        if span[1] < span[0]:
            errors[f"{kind.value}_ends_on"] = _l("The end date is before the start date.")
        elif previous is not None and span[0] < previous[0]:
            errors[f"{kind.value}_starts_on"] = _l("This phase starts before the previous one.")
        previous = span
    if errors:
        raise ValidationFailed(fields=errors)
    existing = {p.kind: p for p in await phases_of(session, consultation.id)}
    for kind in PHASE_ORDER:
        span, phase = dates.get(kind), existing.get(kind)
        if span is None:
            if phase is not None:
                await session.delete(phase)
            continue
        if phase is None:
            phase = Phase(consultation_id=consultation.id, kind=kind)
            session.add(phase)
        phase.starts_on, phase.ends_on = span
    record(session, ev.ConsultationPhasesChanged(consultation_id=consultation.id))
    await commit(session)
    return await phases_of(session, consultation.id)


def current_phase(phases: Sequence[Phase], today: date) -> Phase | None:
    for phase in phases:
        if phase.starts_on <= today <= phase.ends_on:
            return phase
    return None


def date_span(phases: Sequence[Phase]) -> tuple[date, date] | None:
    if not phases:
        return None
    return min(p.starts_on for p in phases), max(p.ends_on for p in phases)


async def advance_status(
    session: AsyncSession,
    consultation: Consultation,
    target: ConsultationStatus,
    *,
    principal: Principal | None = None,
) -> None:
    """Move to the next status only. Emits consultation.status_changed. Conflict, Validation."""
    if principal is not None:
        authorize(principal, CONSULTATION_PUBLISH, scope_of(consultation))
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


async def get_for(
    session: AsyncSession, principal: Principal, consultation_id: int
) -> Consultation:
    """A consultation the principal may read: public ones, drafts only for their staff."""
    consultation = await session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    if consultation.status is ConsultationStatus.DRAFT and not can(
        principal, CONSULTATION_VIEW_DRAFT, scope_of(consultation)
    ):
        raise NotFound()
    return consultation


def search_terms(query: str) -> list[str]:
    """Folded words cut to a rough Polish stem, so 'parku' finds 'park' and 'Łąki' finds 'łąka'."""
    terms = []
    for word in fold(query).split():
        word = "".join(ch for ch in word if ch.isalnum())
        if len(word) >= 7:
            word = word[: max(5, len(word) - 3)]
        elif len(word) >= 5:
            word = word[:4]
        elif len(word) == 4:
            word = word[:3]
        if len(word) >= 2:
            terms.append(word)
    return terms[:8]


@dataclass(frozen=True)
class ListFilter:
    status: ConsultationStatus | None = None
    area: str = ""
    topic: str = ""
    query: str = ""


async def list_public(
    session: AsyncSession, filters: ListFilter, *, limit: int = 20, offset: int = 0
) -> tuple[list[Consultation], int]:
    """Public consultations matching the filters, newest first, and how many match in all."""
    where: list[ColumnElement[bool]] = [Consultation.status.in_(PUBLIC_STATUSES)]
    if filters.status is not None and filters.status in PUBLIC_STATUSES:
        where.append(Consultation.status == filters.status)
    if filters.area:
        where.append(Consultation.area == filters.area)
    if filters.topic:
        where.append(Consultation.topic == filters.topic)
    for term in search_terms(filters.query):
        where.append(Consultation.search_text.contains(term, autoescape=True))
    total = await session.scalar(select(func.count()).select_from(Consultation).where(*where))
    rows = await session.scalars(
        select(Consultation)
        .where(*where)
        .order_by(Consultation.published_at.desc(), Consultation.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


async def filter_choices(session: AsyncSession) -> tuple[list[str], list[str]]:
    """The areas and topics used by public consultations, for the list's filters."""
    public = Consultation.status.in_(PUBLIC_STATUSES)
    areas = await session.scalars(
        select(Consultation.area).where(public, Consultation.area != "").distinct()
    )
    topics = await session.scalars(
        select(Consultation.topic).where(public, Consultation.topic != "").distinct()
    )
    return sorted(areas), sorted(topics)


async def staff_consultations(session: AsyncSession, principal: Principal) -> list[Consultation]:
    query = select(Consultation).order_by(Consultation.created_at.desc())
    if not principal.is_admin:
        ids = {cid for cid, _role in principal.assignments}
        query = query.where(Consultation.id.in_(ids))
    return list(await session.scalars(query))
