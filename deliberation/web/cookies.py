"""Cookie names and the one function that sets them with safe attributes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

SESSION = "session"
PARTICIPANT = "participant"
LANGUAGE = "lang"
CSRF = "csrftoken"

YEAR = 365 * 24 * 3600


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.cookies_secure),
        path="/",
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        name,
        path="/",
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.cookies_secure),
    )
