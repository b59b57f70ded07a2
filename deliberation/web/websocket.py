"""WebSocket guards: the Origin check before accept, and the identity behind a socket.

Starlette's CORS middleware does nothing for WebSockets, so every socket endpoint calls
``check_origin`` before ``accept`` and closes with 1008 (policy violation) on a foreign origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket

from deliberation import i18n
from deliberation.models import User
from deliberation.permissions import Principal
from deliberation.services import accounts
from deliberation.web import cookies
from deliberation.web.language import negotiate

POLICY_VIOLATION = 1008


def origin_allowed(websocket: WebSocket) -> bool:
    """Same origin as the page (Host header), or one listed in DELIBERATION_WEBSOCKET_ORIGINS."""
    origin = websocket.headers.get("origin")
    if not origin:
        # Browsers always send Origin on WebSockets; non-browser clients (integrations) do not
        # carry ambient cookies from a victim's browser, so they are allowed.
        return True
    allowed = websocket.app.state.settings.websocket_origins
    if origin in allowed or "*" in allowed:
        return True
    parts = urlsplit(origin)
    host = websocket.headers.get("host", "")
    return parts.scheme in ("http", "https") and parts.netloc == host


async def check_origin(websocket: WebSocket) -> bool:
    """Close the handshake with 1008 unless the origin is allowed. Call before accept."""
    if origin_allowed(websocket):
        return True
    await websocket.close(code=POLICY_VIOLATION)
    return False


async def socket_identity(
    websocket: WebSocket, session: AsyncSession
) -> tuple[User | None, Principal]:
    """The account (from the session cookie) and principal behind a socket; sets its language."""
    user = None
    token = websocket.cookies.get(cookies.SESSION)
    if token:
        user = await accounts.user_for_session(session, token)
    i18n.set_language(
        negotiate(
            websocket.scope,
            websocket.app.state.settings.default_language,
            user.language if user else None,
        )
    )
    return user, await accounts.principal_for(session, user)
