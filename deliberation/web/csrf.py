"""CSRF protection for every state-changing request (forms and htmx), via asgi-csrf.

asgi-csrf implements signed double-submit tokens: a ``csrftoken`` cookie plus the same value in
the form field ``csrftoken`` or the ``x-csrftoken`` header (htmx sends it from ``hx-headers``).
We protect every path, even for requests without cookies, and render failures in the user's
language.
"""

from __future__ import annotations

from typing import Any

from asgi_csrf import asgi_csrf
from starlette.requests import Request
from starlette.types import ASGIApp, Scope, Send

from deliberation import i18n
from deliberation.errors import PermissionDenied
from deliberation.i18n import _l
from deliberation.web.language import negotiate


class _EveryPath:
    """asgi-csrf skips cookie-less requests unless their path is 'always protected'."""

    def __contains__(self, path: object) -> bool:
        return True


def protect(app: ASGIApp, *, secret: str, secure: bool, default_language: str) -> Any:
    async def send_csrf_failed(scope: Scope, send: Send, message_id: Any) -> None:
        from deliberation.web.errors import render_error

        i18n.set_language(negotiate(scope, default_language))
        request = Request(scope)
        error = PermissionDenied(
            _l("Your form has expired or came from another site. Reload the page and try again."),
            code="csrf_failed",
        )
        response = render_error(request, error)
        await response(scope, _no_receive, send)

    return asgi_csrf(
        app,
        signing_secret=secret,
        always_protect=_EveryPath(),
        cookie_secure=secure,
        send_csrf_failed=send_csrf_failed,
    )


async def _no_receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}
