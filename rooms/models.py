"""Live Q&A rooms: rooms, their members, questions, votes, polls and the per-room event log.

Every change to a room appends rows to ``room_events`` in the same transaction, numbered by the
room's own counter (``rooms.last_seq``), so the sequence has no gaps and replay comes from here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import Base, utcnow
from deliberation.models.users import enum_column


class RoomStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"  # no new questions; votes and polls go on
    CLOSED = "closed"


class QuestionState(StrEnum):
    PENDING = "pending"
    VISIBLE = "visible"
    HIDDEN = "hidden"
    REJECTED = "rejected"
    MERGED = "merged"


class PollKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    RATING = "rating"
    WORDS = "words"


class PollStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Room(Base):
    __tablename__ = "rooms"
    __table_args__ = (
        CheckConstraint("last_seq >= 0", name="seq_not_negative"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    # The meeting of the consultation this room belongs to, if any.
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    code: Mapped[str] = mapped_column(String(6), unique=True)
    projector_key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[RoomStatus] = mapped_column(
        enum_column(RoomStatus, "room_status"), default=RoomStatus.OPEN
    )
    premoderated: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int | None] = mapped_column(Integer)
    embed_url: Mapped[str | None] = mapped_column(String(500))
    # The last event number of this room, bumped in the transaction that appends the event.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoomEvent(Base):
    """One numbered event of a room; (room_id, seq) is the primary key, so a number is used once."""

    __tablename__ = "room_events"

    room_id: Mapped[int] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(48))
    # "all" or "staff": who may see the payload. Others get the number with type "staff_only".
    audience: Mapped[str] = mapped_column(String(8), default="all")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoomMember(Base):
    """A participant who joined a room; a ban keeps them out under the same identity."""

    __tablename__ = "room_members"
    __table_args__ = (UniqueConstraint("room_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str | None] = mapped_column(String(80))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    banned_at: Mapped[datetime | None]
    ban_reason: Mapped[str | None] = mapped_column(String(500))


class Question(Base):
    __tablename__ = "room_questions"
    __table_args__ = (
        CheckConstraint("vote_count >= 0", name="votes_not_negative"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_self_merge"),
        # At most one question per room is "now answering".
        Index(
            "uq_room_questions_pinned",
            "room_id",
            unique=True,
            sqlite_where=text("pinned"),
            postgresql_where=text("pinned"),
        ),
        Index("ix_room_questions_room", "room_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    author_name: Mapped[str | None] = mapped_column(String(80))
    # Typed in by a facilitator for someone in the hall without a device.
    in_person: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    # The text as asked, kept for the audit when a facilitator edits it.
    original_body: Mapped[str | None] = mapped_column(Text)
    state: Mapped[QuestionState] = mapped_column(
        enum_column(QuestionState, "room_question_state"), default=QuestionState.VISIBLE
    )
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("room_questions.id", ondelete="SET NULL")
    )
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Vote(Base):
    """One upvote; the primary key makes double taps, two tabs and retries count once."""

    __tablename__ = "room_votes"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("room_questions.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Poll(Base):
    __tablename__ = "room_polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PollKind] = mapped_column(enum_column(PollKind, "room_poll_kind"))
    prompt: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[PollStatus] = mapped_column(
        enum_column(PollStatus, "room_poll_status"), default=PollStatus.DRAFT
    )
    revealed: Mapped[bool] = mapped_column(Boolean, default=False)
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PollAnswer(Base):
    """One participant's answer to one poll (changeable while the poll is open)."""

    __tablename__ = "room_poll_answers"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("room_polls.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
