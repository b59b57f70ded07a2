"""Participants: taking part live with or without an account.

The browser keeps a random secret in an HttpOnly cookie; the database keeps only its keyed hash.
A logged-in resident has one participant row linked to the account.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import String, Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import UTCDateTime, utcnow
from deliberation.models import Participant, User, UserSession
from deliberation.security import keyed_hash, new_token, token_hash

PURPOSE = "participant"


def new_participant_secret() -> str:
    return new_token()


def participant_hash(secret_key: str, participant_secret: str) -> str:
    return keyed_hash(secret_key, PURPOSE, participant_secret)


async def find_participant(
    session: AsyncSession, secret_key: str, participant_secret: str
) -> Participant | None:
    return await session.scalar(
        select(Participant).where(
            Participant.secret_hash == participant_hash(secret_key, participant_secret)
        )
    )


async def signed_in(session: AsyncSession, token: str) -> tuple[User | None, Participant | None]:
    """The account behind a session token (as ``accounts.user_for_session`` finds it: a live
    session of an account not deleted) and that account's participant if it has one, in one
    query: every signed-in request needs both."""
    params = {"hash": token_hash(token), "now": utcnow()}
    row = (await session.execute(_signed_in_statement(), params)).first()
    if row is None or row[0].is_deleted:
        return None, None
    return row[0], row[1]


_signed_in_statements: list[Any] = []


def _signed_in_statement() -> Any:
    """Built once: building it cost about as much CPU as running it."""
    if not _signed_in_statements:
        _signed_in_statements.append(
            select(User, Participant)
            .join(UserSession, UserSession.user_id == User.id)
            .outerjoin(Participant, Participant.user_id == User.id)
            .where(
                UserSession.token_hash == bindparam("hash", type_=String()),
                UserSession.expires_at > bindparam("now", type_=UTCDateTime()),
            )
        )
    return _signed_in_statements[0]


async def ensure_participant(
    session: AsyncSession,
    *,
    secret_key: str,
    participant_secret: str | None,
    user: User | None,
    display_name: str | None = None,
    minted: bool = False,
) -> Participant:
    """The participant for this account or this browser secret, created on first use.

    Read first (the participant exists on every visit but the first); safe under concurrency:
    the unique constraints decide, ON CONFLICT keeps the first row. ``minted``: the browser
    secret was made by this request, so no row can exist yet: insert at once and read only if
    the insert found one after all (one statement instead of three for a first visit).
    """
    key: Any
    if user is not None:
        key = Participant.user_id == user.id
        values: dict[str, object] = {"user_id": user.id, "display_name": user.display_name}
        conflict = ["user_id"]
    else:
        if not participant_secret:
            raise ValueError("an anonymous participant needs a secret")
        hashed = participant_hash(secret_key, participant_secret)
        key = Participant.secret_hash == hashed
        values = {"secret_hash": hashed, "display_name": display_name}
        conflict = ["secret_hash"]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    participant: Participant | None = None
    if minted and user is None:
        participant = await session.scalar(
            insert(Participant)
            .values(**values)
            .on_conflict_do_nothing(index_elements=conflict)
            .returning(Participant)
        )
    if participant is None:
        participant = await session.scalar(select(Participant).where(key))
    if participant is None:
        await session.execute(
            insert(cast(Table, Participant.__table__))
            .values(**values)
            .on_conflict_do_nothing(index_elements=conflict)
        )
        participant = await session.scalar(select(Participant).where(key))
        assert participant is not None
    if display_name is not None and participant.display_name != display_name:
        participant.display_name = display_name
    return participant
