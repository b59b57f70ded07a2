"""The report's tables: responses to contributions, claim codes, summaries, readability notes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import Base, utcnow
from deliberation.models.users import enum_column


class ResponseStatus(StrEnum):
    """The city's position on a contribution (uwzględniona, częściowo, ...)."""

    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    NOT_ACCEPTED = "not_accepted"
    NOT_APPLICABLE = "not_applicable"
    ANSWERED = "answered"


class SummaryState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ContributionResponse(Base):
    """The city's answer to one contribution; one per contribution, replaced when re-answered."""

    __tablename__ = "contribution_responses"
    __table_args__ = (
        UniqueConstraint("contribution_id"),
        Index("ix_contribution_responses_consultation", "consultation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    status: Mapped[ResponseStatus] = mapped_column(enum_column(ResponseStatus, "response_status"))
    justification: Mapped[str] = mapped_column(Text)
    # Set when the answer was given to a whole theme at once.
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ClaimCode(Base):
    """A code an anonymous contributor keeps to see what happened to their input; stored hashed."""

    __tablename__ = "claim_codes"
    __table_args__ = (UniqueConstraint("code_hash"), UniqueConstraint("contribution_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsultationSummary(Base):
    """A "what we heard" summary (Summary.to_dict()); one draft and one published per language."""

    __tablename__ = "consultation_summaries"
    __table_args__ = (UniqueConstraint("consultation_id", "language", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    state: Mapped[SummaryState] = mapped_column(enum_column(SummaryState, "summary_state"))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    # How many visible contributions the record held when this version was made.
    contributions: Mapped[int] = mapped_column(default=0)
    edited: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReportText(Base):
    """What staff write for the report that the record cannot tell: announcement, conclusions."""

    __tablename__ = "consultation_reports"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    announcement: Mapped[str] = mapped_column(Text, default="")
    conclusions: Mapped[str] = mapped_column(Text, default="")
    published_in: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReadabilityConfirmation(Base):
    """A text published above the plain-language target, confirmed: who and how hard."""

    __tablename__ = "readability_confirmations"
    __table_args__ = (Index("ix_readability_confirmations_consultation", "consultation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(32))
    metric: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
