"""The contribution record: every voice from every channel, its themes and its links."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import Base, utcnow
from deliberation.models.users import enum_column


class Channel(StrEnum):
    ONLINE_COMMENT = "online_comment"
    LIVE_QUESTION = "live_question"
    SURVEY_ANSWER = "survey_answer"
    MEETING_NOTE = "meeting_note"
    PAPER_FORM = "paper_form"
    EMAIL = "email"


class ModerationState(StrEnum):
    PENDING = "pending"
    VISIBLE = "visible"
    HIDDEN = "hidden"
    REJECTED = "rejected"
    DELETED_BY_AUTHOR = "deleted_by_author"


class AuthorKind(StrEnum):
    ACCOUNT = "account"
    PARTICIPANT = "participant"
    RECORDED = "recorded"


class LinkKind(StrEnum):
    ANSWERS = "answers"
    REPEATS = "repeats"
    DISAGREES = "disagrees"
    RELATES = "relates"


class Contribution(Base):
    __tablename__ = "contributions"
    __table_args__ = (
        # One record per source object (a room question, a comment, a survey answer...).
        UniqueConstraint("source_type", "source_id"),
        Index("ix_contributions_record", "consultation_id", "moderation_state", "created_at"),
        Index("ix_contributions_channel", "consultation_id", "channel", "created_at"),
        Index("ix_contributions_meeting", "meeting_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    body: Mapped[str] = mapped_column(Text)
    author_kind: Mapped[AuthorKind] = mapped_column(enum_column(AuthorKind, "author_kind"))
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    author_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    attendee_name: Mapped[str | None] = mapped_column(String(120))
    moderation_state: Mapped[ModerationState] = mapped_column(
        enum_column(ModerationState, "moderation_state"), default=ModerationState.VISIBLE
    )
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    source_type: Mapped[str | None] = mapped_column(String(32))
    source_id: Mapped[int | None]
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime | None]
    # The meeting whose notes hold this point (channel meeting_note).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Theme(Base):
    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("consultation_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


contribution_themes = Table(
    "contribution_themes",
    Base.metadata,
    Column(
        "contribution_id",
        ForeignKey("contributions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ContributionLink(Base):
    """A directed link, e.g. a meeting note that answers an online question; shown on both sides."""

    __tablename__ = "contribution_links"
    __table_args__ = (
        UniqueConstraint("from_id", "to_id"),
        CheckConstraint("from_id <> to_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    to_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[LinkKind] = mapped_column(enum_column(LinkKind, "link_kind"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
