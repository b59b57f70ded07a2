"""The core's JSON API: the OpenAPI document, the current identity, published consultations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from deliberation.models import Consultation
from deliberation.permissions import VIEW_PUBLIC
from deliberation.web.openapi import api_route, openapi_document
from deliberation.web.views.pages import PUBLIC_STATUSES


class Me(BaseModel):
    authenticated: bool
    user_id: int | None
    display_name: str | None
    role: str | None
    language: str


class ConsultationItem(BaseModel):
    id: int
    slug: str
    title: str
    summary: str
    status: str
    topic: str
    area: str
    published_at: datetime | None


class ConsultationList(BaseModel):
    items: list[ConsultationItem]


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(request.app.routes))


async def me(request: Request) -> Response:
    from deliberation.i18n import get_language

    user = request.state.user
    body = Me(
        authenticated=user is not None,
        user_id=user.id if user else None,
        display_name=user.display_name if user else None,
        role=user.role.value if user else None,
        language=get_language(),
    )
    return JSONResponse(body.model_dump(mode="json"))


async def consultations(request: Request) -> Response:
    rows = await request.state.db.scalars(
        select(Consultation)
        .where(Consultation.status.in_(PUBLIC_STATUSES))
        .order_by(Consultation.id.desc())
        .limit(200)
    )
    items = [ConsultationItem.model_validate(c, from_attributes=True) for c in rows]
    return JSONResponse(ConsultationList(items=items).model_dump(mode="json"))


def routes() -> list[BaseRoute]:
    return [
        api_route(
            "/api/openapi.json",
            openapi,
            action=VIEW_PUBLIC,
            name="api:openapi",
            summary="This OpenAPI document",
            tags=["meta"],
        ),
        api_route(
            "/api/me",
            me,
            action=VIEW_PUBLIC,
            name="api:me",
            summary="Who the current session belongs to",
            response=Me,
            tags=["accounts"],
        ),
        api_route(
            "/api/consultations",
            consultations,
            action=VIEW_PUBLIC,
            name="api:consultations",
            summary="Published consultations",
            response=ConsultationList,
            tags=["consultations"],
        ),
    ]
