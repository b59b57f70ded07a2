"""Consultations and the staff assigned to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import Base, utcnow
from deliberation.models.users import StaffRole, enum_column


class ConsultationStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    REPORT_PUBLISHED = "report_published"


class Consultation(Base):
    __tablename__ = "consultations"

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
    # Lowercased, diacritics folded copy of title + summary + topic + area for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


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
