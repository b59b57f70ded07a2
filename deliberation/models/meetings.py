"""Meetings of a consultation (in person, online, hybrid), their registrations and notes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import Base, utcnow
from deliberation.models.users import enum_column


class MeetingFormat(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITING = "waiting"


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_in_order"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        Index("ix_meetings_consultation", "consultation_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    format: Mapped[MeetingFormat] = mapped_column(enum_column(MeetingFormat, "meeting_format"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    # One agenda item per line, in order.
    agenda: Mapped[str] = mapped_column(Text, default="")
    registration_required: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int | None] = mapped_column(Integer)
    waiting_list: Mapped[bool] = mapped_column(default=False)
    # Meeting notes: the points themselves are contributions with this meeting_id.
    attendance: Mapped[int | None] = mapped_column(Integer)
    organizations: Mapped[str] = mapped_column(Text, default="")
    notes_published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.agenda.splitlines() if line.strip()]


class Registration(Base):
    """One account's place at a meeting, or on its waiting list; one row per person."""

    __tablename__ = "meeting_registrations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        Index("ix_meeting_registrations_queue", "meeting_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
