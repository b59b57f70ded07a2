"""Accounts: registration, login sessions, passwords, personal data and roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation import ratelimit
from deliberation.db import utcnow
from deliberation.errors import NotFound, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l
from deliberation.models import (
    Consultation,
    ConsultationRole,
    Contribution,
    Participant,
    PasswordResetToken,
    Role,
    StaffRole,
    User,
    UserSession,
)
from deliberation.permissions import Principal
from deliberation.security import (
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_password,
)


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == normalize_email(email)))


async def register(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    password: str,
    role: Role = Role.RESIDENT,
    language: str | None = None,
) -> User:
    """Create an account. Emits user.registered. Raises ValidationFailed on a taken e-mail."""
    email = normalize_email(email)
    if await find_user_by_email(session, email) is not None:
        raise ValidationFailed(fields={"email": _l("An account with this e-mail already exists.")})
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
        language=language,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        # Two registrations raced: the unique index decided.
        await session.rollback()
        raise ValidationFailed(
            fields={"email": _l("An account with this e-mail already exists.")}
        ) from None
    record(session, ev.UserRegistered(user_id=user.id))
    await commit(session)
    return user


@dataclass(frozen=True)
class LoginSession:
    user: User
    token: str
    expires_at: datetime


LOGIN_LIMIT = ratelimit.Limit(capacity=5, period_seconds=60)


async def login(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    session_days: int,
    limit: ratelimit.Limit = LOGIN_LIMIT,
    replace_token: str | None = None,
) -> LoginSession:
    """Check credentials and open a new session (the old one, if any, is dropped: rotation).

    Emits user.logged_in. Raises RateLimited after too many attempts for one e-mail, and
    ValidationFailed on wrong credentials (the same message whether or not the e-mail exists).
    """
    email = normalize_email(email)
    # The attempt is counted in its own transaction, so failures count too.
    await ratelimit.take(session, f"login:{email}", limit)
    await session.commit()
    user = await find_user_by_email(session, email)
    if user is None or user.is_deleted or not verify_password(user.password_hash, password):
        raise ValidationFailed(_l("The e-mail or password is incorrect."))
    assert user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if replace_token:
        await session.execute(
            delete(UserSession).where(UserSession.token_hash == token_hash(replace_token))
        )
    token = new_token()
    expires_at = utcnow() + timedelta(days=session_days)
    session.add(UserSession(token_hash=token_hash(token), user_id=user.id, expires_at=expires_at))
    record(session, ev.UserLoggedIn(user_id=user.id))
    await commit(session)
    return LoginSession(user=user, token=token, expires_at=expires_at)


async def logout(session: AsyncSession, token: str) -> None:
    await session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
    await commit(session)


async def user_for_session(session: AsyncSession, token: str) -> User | None:
    row = await session.execute(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == token_hash(token), UserSession.expires_at > utcnow())
    )
    user = row.scalar_one_or_none()
    if user is None or user.is_deleted:
        return None
    return user


async def principal_for(
    session: AsyncSession, user: User | None, participant_id: int | None = None
) -> Principal:
    if user is None:
        return Principal(participant_id=participant_id)
    assignments: frozenset[tuple[int, StaffRole]] = frozenset()
    if user.role is not Role.RESIDENT:
        rows = await session.execute(
            select(ConsultationRole.consultation_id, ConsultationRole.role).where(
                ConsultationRole.user_id == user.id
            )
        )
        assignments = frozenset((cid, role) for cid, role in rows)
    return Principal(
        user_id=user.id, role=user.role, participant_id=participant_id, assignments=assignments
    )


async def change_password(
    session: AsyncSession, user: User, *, current: str, new: str, keep_token: str | None
) -> None:
    """Set a new password and end every other session. Emits user.password_changed."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed(fields={"current_password": _l("The current password is wrong.")})
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != token_hash(keep_token))
    await session.execute(stmt)
    session.add(user)
    record(session, ev.UserPasswordChanged(user_id=user.id))
    await commit(session)


RESET_LIMIT = ratelimit.Limit(capacity=3, period_seconds=3600)


async def request_password_reset(
    session: AsyncSession, email: str, *, valid_minutes: int
) -> tuple[User, str] | None:
    """Create a single-use reset token; returns None (silently) for unknown e-mails.

    Emits user.password_reset_requested. The caller mails the link.
    """
    email = normalize_email(email)
    await ratelimit.take(session, f"reset:{email}", RESET_LIMIT)
    user = await find_user_by_email(session, email)
    if user is None or user.is_deleted:
        await session.commit()
        return None
    # Only the newest link works.
    await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    token = new_token()
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=token_hash(token),
            expires_at=utcnow() + timedelta(minutes=valid_minutes),
        )
    )
    record(session, ev.PasswordResetRequested(user_id=user.id))
    await commit(session)
    return user, token


async def check_reset_token(session: AsyncSession, token: str) -> PasswordResetToken:
    row = await session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash(token))
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise ValidationFailed(
            _l("This password reset link has expired or was already used. Ask for a new one."),
            code="reset_token_invalid",
        )
    return row


async def reset_password(session: AsyncSession, token: str, new_password: str) -> User:
    """Use a reset token once: set the password, end all sessions. Emits user.password_changed."""
    row = await check_reset_token(session, token)
    # Mark used with a guarded UPDATE so two concurrent uses cannot both succeed.
    result = await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise ValidationFailed(
            _l("This password reset link has expired or was already used. Ask for a new one."),
            code="reset_token_invalid",
        )
    user = await session.get_one(User, row.user_id)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    await session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    record(session, ev.UserPasswordChanged(user_id=user.id))
    await commit(session)
    return user


async def set_language(session: AsyncSession, user: User, language: str) -> None:
    user.language = language
    session.add(user)
    await commit(session)


async def set_notifications(session: AsyncSession, user: User, enabled: bool) -> None:
    user.email_notifications = enabled
    session.add(user)
    await commit(session)


async def export_data(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything the platform holds about one account, as JSON-ready data."""
    contributions = await session.execute(
        select(Contribution, Consultation.title)
        .join(Consultation, Consultation.id == Contribution.consultation_id)
        .where(Contribution.author_user_id == user.id)
        .order_by(Contribution.created_at)
    )
    roles = await session.execute(
        select(ConsultationRole.consultation_id, ConsultationRole.role).where(
            ConsultationRole.user_id == user.id
        )
    )
    session_count = await session.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )
    return {
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.value,
            "language": user.language,
            "email_notifications": user.email_notifications,
            "created_at": user.created_at.isoformat(),
        },
        "active_sessions": session_count,
        "consultation_roles": [{"consultation_id": cid, "role": role.value} for cid, role in roles],
        "contributions": [
            {
                "id": c.id,
                "consultation": title,
                "channel": c.channel.value,
                "text": c.body,
                "moderation_state": c.moderation_state.value,
                "created_at": c.created_at.isoformat(),
            }
            for c, title in contributions
        ],
    }


async def delete_account(session: AsyncSession, user: User, *, password: str) -> None:
    """Remove identity and sessions; public contributions stay, shown as a deleted participant.

    Emits user.deleted.
    """
    if not verify_password(user.password_hash, password):
        raise ValidationFailed(fields={"password": _l("The password is wrong.")})
    await session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    await session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    await session.execute(delete(ConsultationRole).where(ConsultationRole.user_id == user.id))
    await session.execute(
        update(Participant).where(Participant.user_id == user.id).values(display_name=None)
    )
    user.email = None
    user.display_name = ""
    user.password_hash = None
    user.deleted_at = utcnow()
    session.add(user)
    record(session, ev.UserDeleted(user_id=user.id))
    await commit(session)


async def assign_staff(
    session: AsyncSession, *, consultation_id: int, user_id: int, role: StaffRole
) -> None:
    """Assign a facilitator or moderator to a consultation. Emits consultation.staff_assigned."""
    user = await session.get(User, user_id)
    if user is None or user.is_deleted:
        raise NotFound()
    exists = await session.scalar(
        select(ConsultationRole.id).where(
            ConsultationRole.consultation_id == consultation_id,
            ConsultationRole.user_id == user_id,
            ConsultationRole.role == role,
        )
    )
    if exists is None:
        session.add(ConsultationRole(consultation_id=consultation_id, user_id=user_id, role=role))
        record(
            session,
            ev.StaffAssigned(consultation_id=consultation_id, user_id=user_id, role=role.value),
        )
    await commit(session)


async def set_role(session: AsyncSession, user: User, role: Role) -> None:
    """Change a user's global role. Emits user.role_changed."""
    if user.role is role:
        return
    user.role = role
    session.add(user)
    record(session, ev.UserRoleChanged(user_id=user.id, role=role.value))
    await commit(session)


async def unassign_staff(
    session: AsyncSession, *, consultation_id: int, user_id: int, role: StaffRole
) -> None:
    """Remove a facilitator or moderator from a consultation. Emits consultation.staff_removed."""
    result = await session.execute(
        delete(ConsultationRole).where(
            ConsultationRole.consultation_id == consultation_id,
            ConsultationRole.user_id == user_id,
            ConsultationRole.role == role,
        )
    )
    if result.rowcount:  # type: ignore[attr-defined]
        record(
            session,
            ev.StaffRemoved(consultation_id=consultation_id, user_id=user_id, role=role.value),
        )
    await commit(session)
