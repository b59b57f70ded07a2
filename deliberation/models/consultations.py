"""Consultations, their phases and attachments, and the staff assigned to them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from deliberation.db import Base, utcnow
from deliberation.models.users import StaffRole, enum_column


class ConsultationStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    REPORT_PUBLISHED = "report_published"


class AreaKind(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    ESTATE = "estate"


class PhaseKind(StrEnum):
    """In the order they happen."""

    INFORMATION = "information"
    COLLECTING = "collecting"
    ANALYSIS = "analysis"
    REPORT = "report"


class Consultation(Base):
    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_public", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ConsultationStatus] = mapped_column(
        enum_column(ConsultationStatus, "consultation_status"),
        default=ConsultationStatus.DRAFT,
        index=True,
    )
    topic: Mapped[str] = mapped_column(String(80), default="")
    area: Mapped[str] = mapped_column(String(120), default="")
    area_kind: Mapped[AreaKind] = mapped_column(
        enum_column(AreaKind, "area_kind"), default=AreaKind.CITY, server_default="city"
    )
    organizer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact: Mapped[str] = mapped_column(String(300), default="", server_default="")
    legal_basis: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Values of ``ParticipationForm`` (deliberation.services.consultations), in display order.
    participation_forms: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    # Lowercased, diacritics folded copy of title + summary + topic + area for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Phase(Base):
    """One phase of a consultation with its dates (inclusive, local calendar days)."""

    __tablename__ = "consultation_phases"
    __table_args__ = (
        UniqueConstraint("consultation_id", "kind"),
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PhaseKind] = mapped_column(enum_column(PhaseKind, "phase_kind"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]


class Attachment(Base):
    """A PDF or image of a consultation, kept in the database with the row that describes it."""

    __tablename__ = "consultation_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: listing attachments never loads the bytes.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsultationRole(Base):
    """A facilitator or moderator assigned to one consultation."""

    __tablename__ = "consultation_roles"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole, "staff_role"))
