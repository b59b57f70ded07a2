"""Participants: the account's participant comes with the account's session in one query, and
``ensure_participant`` reads before it writes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, func, select, update

from deliberation.db import utcnow
from deliberation.models import Participant, UserSession
from deliberation.services import accounts, participants
from tests.helpers import create_user

KEY = "test-secret-key-that-is-long-enough-0123456789"


async def _session_token(session, user) -> str:
    from deliberation.security import new_token, token_hash

    token = new_token()
    session.add(
        UserSession(
            token_hash=token_hash(token), user_id=user.id, expires_at=utcnow() + timedelta(1)
        )
    )
    await session.flush()
    return token


async def test_signed_in_finds_the_account_and_its_participant(session) -> None:
    user = await create_user(session)
    token = await _session_token(session, user)
    found, participant = await participants.signed_in(session, token)
    assert found is not None and found.id == user.id and participant is None
    made = await participants.ensure_participant(
        session, secret_key=KEY, participant_secret=None, user=user
    )
    found, participant = await participants.signed_in(session, token)
    assert found is not None and participant is not None and participant.id == made.id
    assert (await accounts.user_for_session(session, token)) is found


async def test_signed_in_refuses_what_user_for_session_refuses(session) -> None:
    user = await create_user(session)
    token = await _session_token(session, user)
    assert await participants.signed_in(session, "not-a-token") == (None, None)
    await session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert await participants.signed_in(session, token) == (None, None)
    assert await accounts.user_for_session(session, token) is None


async def test_ensure_participant_reads_first_and_writes_once(db, session) -> None:
    user = await create_user(session)
    first = await participants.ensure_participant(
        session, secret_key=KEY, participant_secret=None, user=user
    )
    seen: list[str] = []

    def add(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", add)
    try:
        again = await participants.ensure_participant(
            session, secret_key=KEY, participant_secret=None, user=user
        )
        secret = participants.new_participant_secret()
        browser = await participants.ensure_participant(
            session, secret_key=KEY, participant_secret=secret, user=None, display_name="Ala"
        )
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", add)
    assert again.id == first.id
    assert not [s for s in seen[:1] if s.lstrip().upper().startswith("INSERT")]
    assert sum(s.lstrip().upper().startswith("INSERT") for s in seen) == 1  # the new browser
    assert browser.display_name == "Ala"
    found = await participants.find_participant(session, KEY, secret)
    assert found is not None and found.id == browser.id
    count = await session.scalar(select(func.count()).select_from(Participant))
    assert count == 2


async def test_a_minted_secret_is_one_insert_and_a_conflict_still_finds_the_row(
    db, session
) -> None:
    seen: list[str] = []

    def add(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement.lstrip().split(None, 1)[0].upper())

    secret = participants.new_participant_secret()
    event.listen(db.engine.sync_engine, "before_cursor_execute", add)
    try:
        made = await participants.ensure_participant(
            session, secret_key=KEY, participant_secret=secret, user=None, minted=True
        )
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", add)
    # (the test session's own SAVEPOINT aside)
    assert [s for s in seen if s not in ("SAVEPOINT", "RELEASE")] == ["INSERT"]
    assert made.id is not None and made.secret_hash == participants.participant_hash(KEY, secret)
    # The same secret again (a caller that believed it new): the row that exists is returned.
    again = await participants.ensure_participant(
        session, secret_key=KEY, participant_secret=secret, user=None, minted=True
    )
    assert again.id == made.id
    count = await session.scalar(
        select(func.count()).select_from(Participant).where(Participant.id == made.id)
    )
    assert count == 1
