"""Accounts, sessions, password-reset tokens and anonymous participants."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import Base, utcnow


class Role(StrEnum):
    """A user's global role. Staff roles can also be held per consultation (``StaffRole``)."""

    RESIDENT = "resident"
    FACILITATOR = "facilitator"
    MODERATOR = "moderator"
    ADMIN = "admin"


class StaffRole(StrEnum):
    FACILITATOR = "facilitator"
    MODERATOR = "moderator"


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """Enums stored as their values, checked by a named CHECK constraint on both databases."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email", "email", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the account is deleted: identity goes, contributions stay.
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"), default=Role.RESIDENT)
    language: Mapped[str | None] = mapped_column(String(5))
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class UserSession(Base):
    """A server-side login session; the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class PasswordResetToken(Base):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Participant(Base):
    """Someone taking part, with or without an account.

    Anonymous participants are known only by a keyed hash (HMAC-SHA256 with the secret key) of a
    random secret kept in their browser's HttpOnly cookie; no IP address is stored.
    """

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    display_name: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
