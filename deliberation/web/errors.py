"""The one place that renders errors: as a full page, an htmx partial, or JSON under /api/."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from deliberation.errors import (
    DomainError,
    LoginRequired,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from deliberation.i18n import gettext
from deliberation.web.templating import render

log = logging.getLogger(__name__)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )


def render_error(request: Request, error: DomainError) -> Response:
    headers = dict(error.headers)
    if wants_json(request):
        return JSONResponse({"error": error.to_dict()}, status_code=error.status, headers=headers)
    is_htmx = request.headers.get("hx-request") == "true"
    if isinstance(error, LoginRequired) and request.method == "GET" and not is_htmx:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = request.url_for("login").include_query_params(next=target)
        return RedirectResponse(str(login.path) + "?" + login.query, status_code=303)
    if is_htmx:
        headers["HX-Retarget"] = request.headers.get("hx-target-error", "#flash")
        headers["HX-Reswap"] = "innerHTML"
        return render(request, "_error.html", error.status, headers, error=error)
    return render(request, "error.html", error.status, headers, error=error)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return render_error(request, exc)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error: DomainError
    if exc.status_code == 404:
        error = NotFound()
    elif exc.status_code == 403:
        error = PermissionDenied()
    elif exc.status_code == 429:
        error = RateLimited(retry_after=1)
    else:
        error = DomainError(code=f"http_{exc.status_code}")
        error.status = exc.status_code
        if exc.status_code == 405:
            error.message = gettext("This address does not accept this kind of request.")
    return render_error(request, error)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    error = DomainError(gettext("Sorry, something went wrong on our side. Please try again."))
    error.code = "server_error"
    error.status = 500
    try:
        return render_error(request, error)
    except Exception:  # the templates themselves failed: fall back to plain text
        log.exception("error page failed to render")
        return Response("500", status_code=500, media_type="text/plain")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    HTTPException: http_error,
    500: server_error,
}
