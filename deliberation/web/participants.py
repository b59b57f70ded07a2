"""The participant behind a request or socket: the account's, or the browser's anonymous one."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection
from starlette.responses import Response

from deliberation.models import Participant, User
from deliberation.services import participants
from deliberation.web import cookies

_UNKNOWN = object()


async def current_participant(
    conn: HTTPConnection, session: AsyncSession, user: User | None, *, create: bool
) -> tuple[Participant | None, str | None]:
    """The participant for this account or browser; with ``create``, made on first use.

    Returns the participant and, when a new browser secret was minted, that secret: the caller
    must then call ``remember_participant`` on its response (HTTP) or tell the client (WS).
    """
    secret_key = conn.app.state.settings.key
    secret = conn.cookies.get(cookies.PARTICIPANT)
    if user is not None:
        # ``guarded`` loaded the account's participant with the account (same session); one
        # made later in the request is remembered there too.
        trusted = (
            getattr(conn.state, "db", None) is session and getattr(conn.state, "user", None) is user
        )
        known: Participant | object | None = (
            getattr(conn.state, "user_participant", _UNKNOWN) if trusted else _UNKNOWN
        )
        if known is not _UNKNOWN:
            if isinstance(known, Participant) and known.user_id == user.id:
                return known, None
            if known is None and not create:
                return None, None
        if not create:
            from sqlalchemy import select

            found = await session.scalar(select(Participant).where(Participant.user_id == user.id))
            return found, None
        participant = await participants.ensure_participant(
            session, secret_key=secret_key, participant_secret=None, user=user
        )
        if trusted:
            conn.state.user_participant = participant
        return participant, None
    if secret:
        found = await participants.find_participant(session, secret_key, secret)
        if found is not None or not create:
            return found, None
    if not create:
        return None, None
    minted = not secret
    secret = secret or participants.new_participant_secret()
    participant = await participants.ensure_participant(
        session, secret_key=secret_key, participant_secret=secret, user=None, minted=minted
    )
    return participant, secret


def remember_participant(conn: HTTPConnection, response: Response, secret: str | None) -> None:
    if secret:
        cookies.set_cookie(conn, response, cookies.PARTICIPANT, secret, max_age=cookies.YEAR)  # type: ignore[arg-type]
