"""Survey tables: surveys and their versions, responses (online and paper), drafts, answers.

Each answer is also one or more rows of ``survey_answers`` so results are counted by the
database with GROUP BY; the response keeps its answers as JSON too, for exports and editing.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import Base, utcnow
from deliberation.models.users import enum_column


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Audience(StrEnum):
    ANYONE = "anyone"  # anonymous participants, one response per participant secret
    ACCOUNTS = "accounts"  # residents with an account


class Layout(StrEnum):
    ONE_PER_SCREEN = "one_per_screen"
    ALL_AT_ONCE = "all_at_once"


class ResponseChannel(StrEnum):
    ONLINE = "online"
    PAPER = "paper"


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[SurveyStatus] = mapped_column(
        enum_column(SurveyStatus, "survey_status"), default=SurveyStatus.DRAFT
    )
    audience: Mapped[Audience] = mapped_column(
        enum_column(Audience, "survey_audience"), default=Audience.ANYONE
    )
    layout: Mapped[Layout] = mapped_column(
        enum_column(Layout, "survey_layout"), default=Layout.ALL_AT_ONCE
    )
    editable_until_close: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    results_published: Mapped[bool] = mapped_column(Boolean, default=False)
    # The city's optional demographic questions: {"age_band": bool, "districts": [names]}.
    demographics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the builder edits; applied to a version (in place or as a new one) on "apply".
    working: Mapped[dict[str, Any]] = mapped_column(JSON)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SurveyVersion(Base):
    """The definition as answered: responses point at the version they answered."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        # One response per participant: the database decides, even under a race.
        UniqueConstraint("survey_id", "participant_id"),
        CheckConstraint(
            "channel = 'online' OR participant_id IS NULL", name="paper_has_no_participant"
        ),
        Index("ix_survey_responses_version", "version_id", "channel"),
        # The responses not yet folded into the tallies (see ``surveys.tallies``): few at a time.
        Index(
            "ix_survey_responses_unfolded",
            "version_id",
            "id",
            postgresql_where=text("NOT folded"),
            sqlite_where=text("folded = 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE")
    )
    channel: Mapped[ResponseChannel] = mapped_column(
        enum_column(ResponseChannel, "survey_channel"), default=ResponseChannel.ONLINE
    )
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_on: Mapped[date | None]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    claim_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Counted in ``survey_tallies`` yet? Results add the answers of unfolded responses themselves.
    folded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SurveyDraft(Base):
    """Answers saved on the way, so a resident can come back later."""

    __tablename__ = "survey_drafts"
    __table_args__ = (UniqueConstraint("survey_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SurveyAnswer(Base):
    """One counted fact of a response: (question, item, value), see ``surveys.answers``.

    ``version_id`` and ``channel`` are copied from the response so the results query reads one
    covering index and never the responses table.
    """

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question", "item"),
        Index("ix_survey_answers_counts", "version_id", "question", "item", "value", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id", ondelete="CASCADE"))
    channel: Mapped[ResponseChannel] = mapped_column(
        enum_column(ResponseChannel, "survey_answer_channel")
    )
    question: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[str] = mapped_column(String(64), default="")
    num: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)


class SurveyTally(Base):
    """Counts of the folded responses, so results read a few thousand rows, not a million.

    ``grp_question``/``grp_item`` are empty for the plain counts; otherwise the row counts the
    answers of respondents who gave ``grp_item`` to the single-choice ``grp_question`` (cross-tabs).
    ``item == "*"`` counts respondents to a question. Only the folding task (one at a time per
    version) and edits of folded responses write here; submissions never do. ``shard`` is kept
    for the rows written before folding existed; results add shards up with SUM ... GROUP BY.
    """

    __tablename__ = "survey_tallies"
    __table_args__ = (
        UniqueConstraint(
            "version_id",
            "grp_question",
            "grp_item",
            "question",
            "item",
            "value",
            "channel",
            "shard",
            name="uq_survey_tallies_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id", ondelete="CASCADE"))
    grp_question: Mapped[str] = mapped_column(String(64), default="")
    grp_item: Mapped[str] = mapped_column(String(64), default="")
    question: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[ResponseChannel] = mapped_column(
        enum_column(ResponseChannel, "survey_tally_channel")
    )
    shard: Mapped[int] = mapped_column(Integer, default=0)
    n: Mapped[int] = mapped_column(Integer, default=0)
