"""Participants: taking part live with or without an account.

The browser keeps a random secret in an HttpOnly cookie; the database keeps only its keyed hash.
A logged-in resident has one participant row linked to the account.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.models import Participant, User
from deliberation.security import keyed_hash, new_token

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


async def ensure_participant(
    session: AsyncSession,
    *,
    secret_key: str,
    participant_secret: str | None,
    user: User | None,
    display_name: str | None = None,
) -> Participant:
    """The participant for this account or this browser secret, created on first use.

    Safe under concurrency: the unique constraints decide, ON CONFLICT keeps the first row.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
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
    await session.execute(
        insert(Participant).values(**values).on_conflict_do_nothing(index_elements=conflict)
    )
    participant = await session.scalar(select(Participant).where(key))
    assert participant is not None
    if display_name is not None and participant.display_name != display_name:
        participant.display_name = display_name
    return participant
