"""Moderation data: per-consultation settings, word lists, reports, blocks, appeals, the audit log.

The audit log has no foreign keys on purpose: it outlives the rows it describes, and database
triggers refuse every UPDATE and DELETE on it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import Base, utcnow
from deliberation.models.users import enum_column


class Mode(StrEnum):
    POST = "post"  # visible at once, reviewed when reported
    PRE = "pre"  # held until a moderator approves


class ReportReason(StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    ILLEGAL = "illegal"
    OTHER = "other"


class AuditAction(StrEnum):
    APPROVE = "approve"
    HIDE = "hide"
    RESTORE = "restore"
    REDACT = "redact"
    BLOCK = "block"
    UNBLOCK = "unblock"
    AUTO_HOLD = "auto_hold"  # safeguards held it for review
    AUTO_HIDE = "auto_hide"  # enough reports
    APPEAL = "appeal"
    APPEAL_DECIDED = "appeal_decided"
    SETTINGS = "settings"


class AppealOutcome(StrEnum):
    RESTORED = "restored"
    UPHELD = "upheld"


class ModerationSettings(Base):
    __tablename__ = "moderation_settings"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[Mode] = mapped_column(enum_column(Mode, "moderation_mode"), default=Mode.POST)
    report_threshold: Mapped[int] = mapped_column(Integer, default=3)
    max_links: Mapped[int] = mapped_column(Integer, default=2)
    # Extra blocked words for this consultation, one a line (the site list applies too).
    blocked_words: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WordList(Base):
    """The site-wide blocked-word list ('site'), editable by admins; added to the shipped lists."""

    __tablename__ = "moderation_word_lists"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    entries: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Report(Base):
    __tablename__ = "moderation_reports"
    __table_args__ = (UniqueConstraint("contribution_id", "reporter_participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True
    )
    reporter_participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE")
    )
    reason: Mapped[ReportReason] = mapped_column(enum_column(ReportReason, "report_reason"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class Block(Base):
    """A participant may not post: in one consultation or (consultation_id NULL) everywhere."""

    __tablename__ = "moderation_blocks"
    __table_args__ = (Index("ix_moderation_blocks_lookup", "participant_id", "consultation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE")
    )
    until: Mapped[datetime | None]  # NULL: for good
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]


class Appeal(Base):
    """The author's one request for a second look at a hidden contribution."""

    __tablename__ = "moderation_appeals"
    __table_args__ = (UniqueConstraint("contribution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text, default="")
    # The moderator who hid it: someone else must decide.
    contested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    outcome: Mapped[AppealOutcome | None] = mapped_column(
        enum_column(AppealOutcome, "appeal_outcome")
    )


class AuditEntry(Base):
    """Append-only: who did what to which contribution or participant, why, before and after."""

    __tablename__ = "moderation_audit"
    __table_args__ = (
        Index("ix_moderation_audit_consultation", "consultation_id", "created_at"),
        Index("ix_moderation_audit_contribution", "contribution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int | None]
    contribution_id: Mapped[int | None]
    participant_id: Mapped[int | None]
    actor_user_id: Mapped[int | None]  # NULL: the automatic safeguards or report threshold
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction, "audit_action"))
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str] = mapped_column(Text, default="")  # JSON
    after: Mapped[str] = mapped_column(Text, default="")  # JSON
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
