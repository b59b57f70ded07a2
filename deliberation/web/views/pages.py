"""Public pages: home, accessibility statement, language switch, health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from deliberation import i18n
from deliberation.errors import ValidationFailed
from deliberation.i18n import _l
from deliberation.models import Consultation, ConsultationStatus
from deliberation.permissions import TAKE_PART, VIEW_PUBLIC
from deliberation.services import accounts
from deliberation.web import cookies
from deliberation.web.redirects import safe_next, see_other
from deliberation.web.routing import page
from deliberation.web.templating import render

PUBLIC_STATUSES = (
    ConsultationStatus.PUBLISHED,
    ConsultationStatus.CLOSED,
    ConsultationStatus.REPORT_PUBLISHED,
)


async def home(request: Request) -> Response:
    rows = await request.state.db.scalars(
        select(Consultation)
        .where(Consultation.status.in_(PUBLIC_STATUSES))
        .order_by(Consultation.published_at.desc(), Consultation.id.desc())
        .limit(50)
    )
    return render(request, "home.html", consultations=list(rows))


async def accessibility(request: Request) -> Response:
    return render(request, "accessibility.html")


async def switch_language(request: Request) -> Response:
    async with request.form(max_files=0, max_fields=10) as form:
        chosen = str(form.get("language", ""))
        target = safe_next(str(form.get("next", "")) or _same_site_referer(request))
    if chosen not in i18n.LANGUAGES:
        raise ValidationFailed(fields={"language": _l("Choose one of the options.")})
    if request.state.user is not None:
        await accounts.set_language(request.state.db, request.state.user, chosen)
    response = see_other(target)
    cookies.set_cookie(request, response, cookies.LANGUAGE, chosen, max_age=cookies.YEAR)
    return response


def _same_site_referer(request: Request) -> str | None:
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.url.netloc:
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return None


async def healthz(request: Request) -> Response:
    try:
        await request.app.state.db.ping()
    except Exception as exc:  # reported, not raised: this endpoint's job is to say so
        return JSONResponse(
            {"status": "error", "database": "unreachable", "detail": type(exc).__name__},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok"})


def routes() -> list[BaseRoute]:
    return [
        page("/", home, action=VIEW_PUBLIC, name="home"),
        page("/accessibility", accessibility, action=VIEW_PUBLIC, name="accessibility"),
        page("/language", switch_language, action=TAKE_PART, name="language", methods=["POST"]),
        page("/healthz", healthz, action=VIEW_PUBLIC, name="healthz"),
    ]
