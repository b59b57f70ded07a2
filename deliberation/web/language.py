"""Choosing the language of a request: the switcher's cookie, the account, the browser, the site."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from starlette.types import Scope

from deliberation import i18n
from deliberation.web import cookies


def _cookie(scope: Scope, name: str) -> str | None:
    headers = dict(scope.get("headers") or [])
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get(b"cookie", b"").decode("latin-1"))
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def negotiate(scope: Scope, default: str, user_language: str | None = None) -> str:
    chosen = _cookie(scope, cookies.LANGUAGE)
    if chosen in i18n.LANGUAGES:
        assert chosen is not None
        return chosen
    if user_language in i18n.LANGUAGES:
        assert user_language is not None
        return user_language
    headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
    for part in headers.get(b"accept-language", b"").decode("latin-1").split(","):
        tag: str = part.split(";")[0].strip().lower()[:2]
        if tag in i18n.LANGUAGES:
            return tag
    return str(default)
