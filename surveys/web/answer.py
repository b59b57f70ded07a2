"""Answering pages: all questions at once or one per screen, drafts, confirmation, JSON API.

Everything works without JavaScript; with htmx the all-at-once form hides the questions that
earlier answers make irrelevant, by re-rendering its own fields from the server.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from deliberation.errors import ValidationFailed
from deliberation.i18n import _l
from deliberation.web.participants import current_participant, remember_participant
from deliberation.web.views.report import my_input
from surveys import definition as d
from surveys import online, responses
from surveys.forms import keep_visible, normalize_form_data
from surveys.models import Layout, Survey
from surveys.services import current_definition
from surveys.validation import AnswerErrors, validate_answers, visible_questions
from surveys.web.common import load, render, survey_url
from surveys.web.present import HELPERS

MAX_FIELDS = 600


async def _form(request: Request) -> FormData:
    async with request.form(max_files=0, max_fields=MAX_FIELDS) as form:
        for _key, value in form.multi_items():
            if isinstance(value, str) and len(value) > 20_000:
                raise ValidationFailed(_l("This text is too long."))
        return form


def _context(
    request: Request, consultation: Any, survey: Survey, definition: d.Survey, **extra: Any
) -> dict[str, Any]:
    return {
        "consultation": consultation,
        "survey": survey,
        "definition": definition,
        "accepting": responses.accepting(survey),
        "action": survey_url(request, "surveys:answer", survey),
        "seed": str(request.cookies.get("csrftoken", ""))[:16],
        **HELPERS,
        **extra,
    }


async def answer_page(request: Request) -> Response:
    """GET: the survey, with a draft or the earlier response filled in."""
    db = request.state.db
    consultation, survey = await load(request)
    _version, definition = await current_definition(db, survey)
    participant, _secret = await current_participant(request, db, request.state.user, create=False)
    existing = await responses.response_of(db, survey, participant.id) if participant else None
    editing = existing is not None and request.query_params.get("edit") == "1"
    answers: dict[str, Any] = {}
    if editing and existing is not None:
        answers = dict(existing.answers)
    elif participant is not None:
        answers = await responses.load_draft(db, survey, participant.id)
    ctx = _context(request, consultation, survey, definition, answers=answers, errors={})
    if existing is not None and not editing:
        return render(request, "surveys/answered.html", response=existing, **ctx)
    if survey.layout is Layout.ONE_PER_SCREEN and not editing:
        return _step_page(request, ctx, definition, answers, _step(request))
    return render(request, "surveys/answer.html", editing=editing, **ctx)


def _step(request: Request) -> int:
    raw = request.query_params.get("step", "0")
    return int(raw) if raw.isdigit() and len(raw) < 4 else 0


def _step_page(
    request: Request,
    ctx: dict[str, Any],
    definition: d.Survey,
    answers: dict[str, Any],
    step: int,
    status: int = 200,
) -> Response:
    shown = visible_questions(definition, answers)
    step = min(step, len(shown))
    question = shown[step] if step < len(shown) else None
    return render(
        request,
        "surveys/step.html",
        status=status,
        question=question,
        step=step,
        steps=len(shown),
        shown=shown,
        **{**ctx, "answers": answers},
    )


async def answer_submit(request: Request) -> Response:
    """POST: refresh (htmx), save a draft, move between screens, or submit."""
    db, principal = request.state.db, request.state.principal
    consultation, survey = await load(request)
    _version, definition = await current_definition(db, survey)
    form = await _form(request)
    nav = str(form.get("nav", "submit"))
    if nav == "refresh":  # htmx: only re-render the fields, store nothing
        answers = normalize_form_data(definition, form, drop_hidden=True)
        ctx = _context(request, consultation, survey, definition, answers=answers, errors={})
        return render(request, "surveys/_answer_fields.html", live=True, **ctx)
    participant, secret = await current_participant(request, db, request.state.user, create=True)
    assert participant is not None
    existing = await responses.response_of(db, survey, participant.id)
    response: Response
    if "step" in form and existing is None:
        response = await _step_submit(
            request, consultation, survey, definition, form, nav, participant.id
        )
    else:
        answers = normalize_form_data(definition, form, drop_hidden=True)
        ctx = _context(request, consultation, survey, definition, answers=answers, errors={})
        if nav == "save" and existing is None:
            await responses.save_draft(db, principal, survey, participant.id, answers)
            response = render(request, "surveys/answer.html", saved=True, **ctx)
        else:
            response = await _finish(request, consultation, survey, participant.id, ctx, existing)
    remember_participant(request, response, secret)
    return response


async def _finish(
    request: Request,
    consultation: Any,
    survey: Survey,
    participant_id: int,
    ctx: dict[str, Any],
    existing: Any,
) -> Response:
    db, principal = request.state.db, request.state.principal
    answers = ctx["answers"]
    try:
        if existing is not None:
            await responses.update_response(
                db, principal, consultation, survey, participant_id, answers
            )
            return render(request, "surveys/thanks.html", claim_code=None, updated=True, **ctx)
        submitted = await responses.submit_response(
            db, principal, consultation, survey, participant_id, answers
        )
    except ValidationFailed as failed:
        errors = {key: str(message) for key, message in failed.fields.items()}
        ctx = {**ctx, "errors": errors}
        return render(request, "surveys/answer.html", 422, editing=existing is not None, **ctx)
    return render(
        request, "surveys/thanks.html", claim_code=submitted.claim_code, updated=False, **ctx
    )


async def _step_submit(
    request: Request,
    consultation: Any,
    survey: Survey,
    definition: d.Survey,
    form: FormData,
    nav: str,
    participant_id: int,
) -> Response:
    db, principal = request.state.db, request.state.principal
    raw_step = str(form.get("step", "0"))
    step = int(raw_step) if raw_step.isdigit() and len(raw_step) < 4 else 0
    answers = await responses.load_draft(db, survey, participant_id)
    shown = visible_questions(definition, answers)
    ctx = _context(request, consultation, survey, definition, errors={})
    if nav == "submit":
        try:
            submitted = await responses.submit_response(
                db, principal, consultation, survey, participant_id, answers
            )
        except ValidationFailed as failed:
            ctx["errors"] = {key: str(message) for key, message in failed.fields.items()}
            return _step_page(request, ctx, definition, answers, len(shown), status=422)
        return render(
            request,
            "surveys/thanks.html",
            claim_code=submitted.claim_code,
            updated=False,
            **{**ctx, "answers": answers},
        )
    if step < len(shown):
        key = shown[step].key
        posted = normalize_form_data(definition, form)
        answers = {k: v for k, v in answers.items() if k != key}
        if key in posted:
            answers[key] = posted[key]
        answers = keep_visible(definition, answers)
        if nav == "next":
            error = _error_for(definition, answers, key)
            if error:
                ctx["errors"] = {f"q_{key}": error}
                return _step_page(request, ctx, definition, answers, step, status=422)
    await responses.save_draft(db, principal, survey, participant_id, answers)
    target = step + 1 if nav == "next" else max(step - 1, 0) if nav == "back" else step
    return _step_page(request, ctx, definition, answers, target)


def _error_for(definition: d.Survey, answers: dict[str, Any], key: str) -> str | None:
    try:
        validate_answers(definition, answers)
    except AnswerErrors as errors:
        found = errors.by_question().get(key)
        return str(found.message) if found else None
    return None


# --- claim codes ------------------------------------------------------------------------------


async def claim_page(request: Request) -> Response:
    """The old address of the survey claim page. Every claim code is now read on the core's
    "what happened to my input?" page: GET moves there; a POST (an old form, a bookmark) is
    answered by that same page, so the try counts against the same per-network bucket."""
    if request.method == "POST":
        return await my_input(request)
    return RedirectResponse(str(request.url_for("report:my_input").path), status_code=301)


# --- JSON API ---------------------------------------------------------------------------------


class ResponseIn(BaseModel):
    answers: dict[str, Any] = Field(description="Answers by question key, as in the definition")


class ResponseOut(BaseModel):
    response_id: int
    claim_code: str
    version: int


async def api_submit(request: Request) -> Response:
    """One response per participant; the survey is read once per process (``surveys.online``)."""
    db, principal = request.state.db, request.state.principal
    body: ResponseIn = request.state.body
    participant, secret = await current_participant(request, db, request.state.user, create=True)
    assert participant is not None
    submitted = await online.submit_online(
        db,
        principal,
        int(request.path_params["consultation_id"]),
        int(request.path_params["survey_id"]),
        participant.id,
        body.answers,
        new_participant=secret is not None,  # a new browser secret: a participant made just now
    )
    out = ResponseOut(
        response_id=submitted.response.id,
        claim_code=submitted.claim_code,
        version=submitted.version,
    )
    response = JSONResponse(out.model_dump(), status_code=201)
    remember_participant(request, response, secret)
    return response
