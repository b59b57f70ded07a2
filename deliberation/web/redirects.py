"""Redirect helpers that never send a user to another site."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import RedirectResponse


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local absolute paths: no scheme, no host, no ``//`` or backslash tricks."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    return target


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
