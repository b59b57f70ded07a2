"""Whole public pages for visitors without an account, kept until their consultation changes.

A resident who opens a consultation from a poster or the city's social media has no session or
participant cookie yet, and sees exactly what every such visitor sees in their language, except
the CSRF token of their own browser in the page's forms. So the first such request renders the
page through the usual path (``guarded``: session, permission check, the view), and the response
is kept in the ``FragmentCache`` with the token replaced by a placeholder; the next ones get the
same bytes with their own token put back, without touching the database or the templates.

Why a hit may skip the permission check: an entry exists only if an anonymous visitor was allowed
to see the page, and anything that could change that or the page's content (publishing, closing,
a new, edited or moderated contribution, new notes) is an event naming the consultation, which
drops its entries in every process (``FragmentCache.on_event``). Entries are also per city day,
so the "now" of the timeline moves at midnight.

Only plain GETs qualify: no cookie other than the CSRF and language ones, no htmx header. Anyone
signed in, any participant of a room or a thread, and every staff member takes the usual path.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from deliberation import i18n
from deliberation.services.schedule import local_today
from deliberation.web import cookies
from deliberation.web.templating import CSRF_SLOT

Endpoint = Callable[[Request], Awaitable[Response]]

# The same slot shared fragments use (never produced by the token serializer).
PLACEHOLDER = CSRF_SLOT.encode()
_SHAREABLE_COOKIES = frozenset({cookies.CSRF, cookies.LANGUAGE})
_DROPPED_HEADERS = frozenset({b"content-length", b"set-cookie"})


def _shareable(request: Request) -> bool:
    return (
        request.method == "GET"
        and "hx-request" not in request.headers
        and _SHAREABLE_COOKIES.issuperset(request.cookies)
    )


def cached_for_visitors(endpoint: Endpoint) -> Endpoint:
    """Wrap a guarded endpoint with a ``{consultation_id}`` path parameter (see the module)."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        if not _shareable(request):
            return await endpoint(request)
        cache = request.app.state.fragments
        consultation_id = int(request.path_params["consultation_id"])
        key = (
            "visitor-page",
            request.url.path,
            request.url.query,
            i18n.get_language(),
            local_today(),
        )
        token = request.scope["csrftoken"]().encode()
        hit: tuple[bytes, list[tuple[bytes, bytes]]] | None = cache.get(consultation_id, key)
        if hit is not None:
            body, headers = hit
            response = Response(body.replace(PLACEHOLDER, token), status_code=200)
            response.raw_headers = [*headers, *response.raw_headers]
            return response
        version = cache.version(consultation_id)
        response = await endpoint(request)
        rendered = getattr(response, "body", None)
        if (
            response.status_code == 200
            and isinstance(rendered, bytes)
            and not any(name == b"set-cookie" for name, _ in response.raw_headers)
        ):
            headers = [(k, v) for k, v in response.raw_headers if k not in _DROPPED_HEADERS]
            body = rendered.replace(token, PLACEHOLDER)
            cache.put(consultation_id, key, (body, headers), version=version)
        return response

    return wrapper
