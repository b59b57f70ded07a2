"""Meetings of a consultation: planning, registration with a waiting list, and meeting notes.

Registration is race-safe: the meeting row is locked (``FOR UPDATE`` on PostgreSQL; SQLite
transactions start with ``BEGIN IMMEDIATE``) while places are counted, and one row per person is
a database constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import Conflict, NotFound, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l
from deliberation.models import (
    Consultation,
    ConsultationStatus,
    Meeting,
    MeetingFormat,
    Registration,
    RegistrationStatus,
)
from deliberation.permissions import CONSULTATION_EDIT, RECORD_WRITE, Principal, authorize
from deliberation.services.consultations import date_span, phases_of, scope_of

WARSAW = ZoneInfo("Europe/Warsaw")


@dataclass
class MeetingPlan:
    title: str
    format: MeetingFormat
    day: date
    start: str  # "HH:MM", Europe/Warsaw
    end: str
    place: str = ""
    accessibility: str = ""
    online_url: str = ""
    agenda: str = ""
    registration_required: bool = False
    capacity: int | None = None
    waiting_list: bool = False


def local_time(day: date, hhmm: str) -> datetime:
    """A Warsaw wall-clock time as an aware UTC datetime."""
    try:
        hour, minute = (int(part) for part in hhmm.split(":", 1))
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WARSAW).astimezone(
            ZoneInfo("UTC")
        )
    except ValueError:
        raise ValidationFailed(fields={"start": _l("Enter a time like 17:30.")}) from None


async def _check_plan(session: AsyncSession, consultation: Consultation, plan: MeetingPlan) -> None:
    errors: dict[str, object] = {}
    if not plan.title.strip():
        errors["title"] = _l("This field is required.")
    starts, ends = local_time(plan.day, plan.start), local_time(plan.day, plan.end)
    if ends <= starts:
        errors["end"] = _l("The meeting must end after it starts.")
    span = date_span(await phases_of(session, consultation.id))
    if span is not None and not span[0] <= plan.day <= span[1]:
        errors["day"] = _l("The meeting must take place within the consultation's dates.")
    if plan.format is not MeetingFormat.ONLINE and not plan.place.strip():
        errors["place"] = _l("Give the address of the place.")
    if plan.online_url and not plan.online_url.startswith(("https://", "http://")):
        errors["online_url"] = _l("Enter a web address starting with https://.")
    if plan.capacity is not None and plan.capacity < 1:
        errors["capacity"] = _l("Enter a value of at least 1.")
    if errors:
        raise ValidationFailed(fields=errors)


def _apply(meeting: Meeting, plan: MeetingPlan) -> None:
    meeting.title = plan.title.strip()
    meeting.format = plan.format
    meeting.starts_at = local_time(plan.day, plan.start)
    meeting.ends_at = local_time(plan.day, plan.end)
    meeting.place = plan.place.strip()
    meeting.accessibility = plan.accessibility.strip()
    meeting.online_url = plan.online_url.strip()
    meeting.agenda = plan.agenda.strip()
    meeting.registration_required = plan.registration_required
    meeting.capacity = plan.capacity if plan.registration_required else None
    meeting.waiting_list = plan.waiting_list and plan.capacity is not None


async def create_meeting(
    session: AsyncSession, principal: Principal, consultation: Consultation, plan: MeetingPlan
) -> Meeting:
    """Plan a meeting. Emits meeting.created. ValidationFailed for bad times or places."""
    authorize(principal, CONSULTATION_EDIT, scope_of(consultation))
    await _check_plan(session, consultation, plan)
    meeting = Meeting(consultation_id=consultation.id)
    _apply(meeting, plan)
    session.add(meeting)
    await session.flush()
    record(session, ev.MeetingCreated(consultation_id=consultation.id, meeting_id=meeting.id))
    await commit(session)
    return meeting


async def update_meeting(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    meeting: Meeting,
    plan: MeetingPlan,
) -> None:
    """Change a meeting. Emits meeting.updated."""
    authorize(principal, CONSULTATION_EDIT, scope_of(consultation))
    await _check_plan(session, consultation, plan)
    _apply(meeting, plan)
    session.add(meeting)
    record(session, ev.MeetingUpdated(consultation_id=consultation.id, meeting_id=meeting.id))
    await commit(session)


async def get_meeting(session: AsyncSession, consultation_id: int, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.consultation_id != consultation_id:
        raise NotFound()
    return meeting


async def meetings_of(session: AsyncSession, consultation_id: int) -> list[Meeting]:
    rows = await session.scalars(
        select(Meeting)
        .where(Meeting.consultation_id == consultation_id)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(rows)


# --- registration ---------------------------------------------------------------------------------


async def _lock(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if meeting is None:
        raise NotFound()
    return meeting


async def _taken(session: AsyncSession, meeting_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.meeting_id == meeting_id,
            Registration.status == RegistrationStatus.REGISTERED,
        )
    )
    return int(count or 0)


async def register(session: AsyncSession, user_id: int, meeting_id: int) -> Registration:
    """Take a place, or join the waiting list. Emits meeting.registration_changed. Conflict."""
    meeting = await _lock(session, meeting_id)
    consultation = await session.get(Consultation, meeting.consultation_id)
    if consultation is None or consultation.status is not ConsultationStatus.PUBLISHED:
        raise Conflict(_l("Registration for this meeting is closed."))
    if not meeting.registration_required:
        raise Conflict(_l("This meeting does not need registration: just come."))
    if meeting.starts_at <= utcnow():
        raise Conflict(_l("This meeting has already started."))
    existing = await session.scalar(
        select(Registration).where(
            Registration.meeting_id == meeting_id, Registration.user_id == user_id
        )
    )
    if existing is not None:
        return existing
    status = RegistrationStatus.REGISTERED
    if meeting.capacity is not None and await _taken(session, meeting_id) >= meeting.capacity:
        if not meeting.waiting_list:
            raise Conflict(_l("Sorry, this meeting is full."))
        status = RegistrationStatus.WAITING
    registration = Registration(meeting_id=meeting_id, user_id=user_id, status=status)
    session.add(registration)
    try:
        await session.flush()
    except IntegrityError:  # the same person in another tab, at the same moment
        await session.rollback()
        raise Conflict(_l("You are already registered for this meeting.")) from None
    record(
        session,
        ev.RegistrationChanged(
            consultation_id=meeting.consultation_id,
            meeting_id=meeting_id,
            user_id=user_id,
            status=status.value,
        ),
    )
    await commit(session)
    return registration


async def cancel(session: AsyncSession, user_id: int, meeting_id: int) -> Registration | None:
    """Give up a place; the first person waiting takes it. Returns the promoted registration."""
    meeting = await _lock(session, meeting_id)
    mine = await session.scalar(
        select(Registration).where(
            Registration.meeting_id == meeting_id, Registration.user_id == user_id
        )
    )
    if mine is None:
        raise NotFound()
    freed = mine.status is RegistrationStatus.REGISTERED
    await session.delete(mine)
    await session.flush()
    record(
        session,
        ev.RegistrationChanged(
            consultation_id=meeting.consultation_id,
            meeting_id=meeting_id,
            user_id=user_id,
            status="cancelled",
        ),
    )
    promoted = None
    if freed and (meeting.capacity is None or await _taken(session, meeting_id) < meeting.capacity):
        promoted = await session.scalar(
            select(Registration)
            .where(
                Registration.meeting_id == meeting_id,
                Registration.status == RegistrationStatus.WAITING,
            )
            .order_by(Registration.created_at, Registration.id)
            .limit(1)
        )
        if promoted is not None:
            promoted.status = RegistrationStatus.REGISTERED
            record(
                session,
                ev.RegistrationChanged(
                    consultation_id=meeting.consultation_id,
                    meeting_id=meeting_id,
                    user_id=promoted.user_id,
                    status=RegistrationStatus.REGISTERED.value,
                ),
            )
    await commit(session)
    return promoted


@dataclass(frozen=True)
class Places:
    registered: int
    waiting: int
    mine: RegistrationStatus | None

    def free(self, capacity: int | None) -> int | None:
        return None if capacity is None else max(0, capacity - self.registered)


async def places(session: AsyncSession, meeting_id: int, user_id: int | None) -> Places:
    rows = await session.execute(
        select(Registration.status, func.count())
        .where(Registration.meeting_id == meeting_id)
        .group_by(Registration.status)
    )
    counts = {status: int(n) for status, n in rows}
    mine = None
    if user_id is not None:
        mine = await session.scalar(
            select(Registration.status).where(
                Registration.meeting_id == meeting_id, Registration.user_id == user_id
            )
        )
    return Places(
        counts.get(RegistrationStatus.REGISTERED, 0),
        counts.get(RegistrationStatus.WAITING, 0),
        mine,
    )


# --- notes ------------------------------------------------------------------------------------


def ensure_record_open(consultation: Consultation) -> None:
    if consultation.status in (ConsultationStatus.CLOSED, ConsultationStatus.REPORT_PUBLISHED):
        raise Conflict(
            _l("This consultation is closed, so its record can no longer change."),
            code="record_closed",
        )


async def save_notes(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    meeting: Meeting,
    *,
    attendance: int | None,
    organizations: str,
    publish: bool,
) -> None:
    """Save attendance and organizations; publishing shows the notes' points to residents."""
    ensure_record_open(consultation)
    authorize(principal, RECORD_WRITE, scope_of(consultation))
    if attendance is not None and not 0 <= attendance <= 100_000:
        raise ValidationFailed(fields={"attendance": _l("Enter a number of people.")})
    meeting.attendance = attendance
    meeting.organizations = organizations.strip()
    first_publication = publish and meeting.notes_published_at is None
    if first_publication:
        meeting.notes_published_at = utcnow()
    session.add(meeting)
    if first_publication:
        record(
            session,
            ev.MeetingNotesPublished(consultation_id=consultation.id, meeting_id=meeting.id),
        )
    await commit(session)


def upcoming(meetings: list[Meeting], now: datetime | None = None) -> list[Meeting]:
    now = now or utcnow()
    return [m for m in meetings if m.ends_at + timedelta(hours=1) >= now]
