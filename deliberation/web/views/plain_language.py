"""The plain-language check: an htmx partial next to every editor, or a page without JavaScript.

Also the publishing gate the staff publish route calls (``publish_gate``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from deliberation.models import Consultation, ConsultationStatus
from deliberation.services import plain_language
from deliberation.services.report_actions import PLAIN_LANGUAGE_CHECK
from deliberation.web.routing import page
from deliberation.web.templating import render

MAX_FIELDS = 60


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def check(request: Request) -> Response:
    async with request.form(max_files=0, max_fields=MAX_FIELDS) as form:
        data = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    field = data.get("field", "text")[:64] or "text"
    text = data.get(field, data.get("text", ""))
    settings = request.app.state.settings
    language = plain_language.normalize_language(data.get("language"), settings.default_language)
    prefix = "rl-" + "".join(ch for ch in field if ch.isalnum() or ch in "-_")
    result = plain_language.check(
        text,
        language,
        target=settings.plain_language_target,
        prefix=prefix,
        glossary_path=settings.glossary_path,
    )
    context: dict[str, Any] = {"check": result, "field": field, "text": text, "prefix": prefix}
    if _is_htmx(request):
        return render(request, "plain_language/_readability.html", **context)
    return render(request, "plain_language/check.html", **context)


async def publish_gate(
    request: Request, consultation: Consultation, target: ConsultationStatus, data: dict[str, Any]
) -> Response | None:
    """For the staff publish route: a confirmation page when the summary is above the target.

    Returns None to go on publishing; when the author confirmed, the confirmation is staged on the
    request's session and committed with the status change.
    """
    if target is not ConsultationStatus.PUBLISHED:
        return None
    settings = request.app.state.settings
    result = plain_language.check_publish_readability(
        consultation, target=settings.plain_language_target, glossary_path=settings.glossary_path
    )
    if not result.needs_confirmation:
        return None
    if data.get("confirm_readability") == "yes":
        user = request.state.user
        plain_language.note_confirmation(
            request.state.db, consultation, result, user.id if user else None
        )
        return None
    return render(
        request,
        "plain_language/confirm_publish.html",
        409,
        consultation=consultation,
        result=result,
        check=plain_language.check(
            consultation.summary,
            "pl",
            target=settings.plain_language_target,
            glossary_path=settings.glossary_path,
        ),
        status=target.value,
    )


def routes() -> list[BaseRoute]:
    return [
        page(
            "/plain-language/check",
            check,
            action=PLAIN_LANGUAGE_CHECK,
            name="plain_language:check",
            methods=["POST"],
        ),
    ]
