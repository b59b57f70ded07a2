"""What every survey page needs: the consultation and survey from the path, rendering."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from deliberation.models import Consultation
from deliberation.services import consultations
from deliberation.web.templating import Templates
from surveys.models import Survey
from surveys.services import get_survey


def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    templates: Templates = request.app.state.templates
    return templates.response(request, name, status_code=status, **context)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def load(request: Request) -> tuple[Consultation, Survey]:
    """The consultation (drafts only for their staff) and one of its surveys, or NotFound."""
    db = request.state.db
    consultation = await consultations.get_for(
        db, request.state.principal, int(request.path_params["consultation_id"])
    )
    survey = await get_survey(db, consultation.id, int(request.path_params["survey_id"]))
    return consultation, survey


def survey_url(request: Request, name: str, survey: Survey, **params: Any) -> str:
    return str(
        request.app.url_path_for(
            name, consultation_id=survey.consultation_id, survey_id=survey.id, **params
        )
    )
