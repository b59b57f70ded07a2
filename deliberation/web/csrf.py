"""CSRF protection for every state-changing request: forms, htmx and the JSON API.

Signed double-submit tokens: the ``csrftoken`` cookie holds a random value signed with the site
key (itsdangerous); a state-changing request must send the same value in the ``x-csrftoken``
header (htmx sends it from ``hx-headers`` on ``<body>``; API clients copy the cookie) or, for
plain HTML forms, in the ``csrftoken`` field. A request without the cookie, with a forged cookie,
or with a token from another browser is refused with 403 in the user's language.

The middleware only issues the cookie; the check runs in ``guarded()`` (every route passes
through it), where Starlette's own form parser reads the body once for the handler too.
(We used asgi-csrf before; its multipart parsing broke with python-multipart 0.0.3x.)
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import CookieError, SimpleCookie

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deliberation.errors import PermissionDenied
from deliberation.i18n import _l
from deliberation.web import cookies

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
HEADER = "x-csrftoken"
FIELD = "csrftoken"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="csrftoken")


def _valid(secret: str, token: str | None) -> bool:
    if not token:
        return False
    try:
        _serializer(secret).loads(token)
    except BadSignature:
        return False
    return True


def _cookie(scope: Scope) -> str | None:
    raw = dict(scope.get("headers") or []).get(b"cookie", b"").decode("latin-1")
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(cookies.CSRF)
    return morsel.value if morsel is not None else None


class CsrfCookieMiddleware:
    """Makes ``scope["csrftoken"]()`` return this browser's token, issuing a cookie if needed."""

    def __init__(self, app: ASGIApp, *, secret: str, secure: bool) -> None:
        self.app = app
        self.secret = secret
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        existing = _cookie(scope)
        valid = _valid(self.secret, existing)
        token = existing if valid and existing else None
        issued: dict[str, str] = {}

        def get_token() -> str:
            nonlocal token
            if token is None:
                token = _serializer(self.secret).dumps(secrets.token_urlsafe(18))
                issued["token"] = token
            return token

        scope["csrftoken"] = get_token

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and issued:
                headers = MutableHeaders(scope=message)
                attributes = f"{cookies.CSRF}={issued['token']}; Path=/; SameSite=Lax"
                headers.append("set-cookie", attributes + ("; Secure" if self.secure else ""))
            await send(message)

        await self.app(scope, receive, send_wrapper)


async def verify(request: Request) -> None:
    """Raise PermissionDenied unless a state-changing request carries this browser's token."""
    if request.method in SAFE_METHODS:
        return
    secret = request.app.state.settings.key
    expected = request.cookies.get(cookies.CSRF)
    if not _valid(secret, expected):
        raise _failed()
    assert expected is not None
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # Starlette caches the parsed form, so the handler reads the same object.
            form = await request.form(max_files=20, max_fields=1000)
            value = form.get(FIELD)
            sent = value if isinstance(value, str) else None
    if sent is None or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise _failed()


def _failed() -> PermissionDenied:
    return PermissionDenied(
        _l("Your form has expired or came from another site. Reload the page and try again."),
        code="csrf_failed",
    )
