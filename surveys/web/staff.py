"""Staff pages: the survey list, the builder, settings, paper entry, responses and exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from deliberation.errors import NotFound, ValidationFailed
from deliberation.i18n import _l
from deliberation.services import consultations
from deliberation.web.redirects import see_other
from surveys import builder, responses, services
from surveys.builder import Fields
from surveys.forms import normalize_form_data
from surveys.models import (
    Audience,
    Layout,
    ResponseChannel,
    Survey,
    SurveyResponse,
    SurveyStatus,
)
from surveys.services import current_definition
from surveys.web.common import is_htmx, load, render, survey_url
from surveys.web.present import HELPERS

TIMEZONE = ZoneInfo("Europe/Warsaw")


async def _pairs(request: Request) -> list[tuple[str, Any]]:
    async with request.form(max_files=0, max_fields=1000) as form:
        pairs = list(form.multi_items())
    for _key, value in pairs:
        if isinstance(value, str) and len(value) > 20_000:
            raise ValidationFailed(_l("This text is too long."))
    return pairs


async def manage(request: Request) -> Response:
    """GET: the consultation's surveys; POST: create one and open the builder."""
    db, principal = request.state.db, request.state.principal
    consultation = await consultations.get_for(
        db, principal, int(request.path_params["consultation_id"])
    )
    if request.method == "POST":
        fields = Fields(await _pairs(request))
        survey = await services.create_survey(
            db, principal, consultation, title=fields.one("title")
        )
        return see_other(survey_url(request, "surveys:edit", survey))
    surveys = await services.list_surveys(db, consultation.id)
    return render(
        request, "surveys/manage.html", consultation=consultation, surveys=surveys, **HELPERS
    )


async def _builder_context(request: Request, survey: Survey, consultation: Any) -> dict[str, Any]:
    db = request.state.db
    working = services.parse_definition(survey.working)
    version, _current = await current_definition(db, survey)
    return {
        "consultation": consultation,
        "survey": survey,
        "working": working,
        "version": version,
        "answered": await services.response_count(db, version.id),
        "types": builder.QUESTION_TYPES,
        "condition_choices": builder.condition_choices,
        "condition_value": builder.condition_value,
        "base": survey_url(request, "surveys:edit", survey),
        "districts": "\n".join(survey.demographics.get("districts", [])),
        **HELPERS,
    }


async def edit(request: Request) -> Response:
    consultation, survey = await load(request)
    ctx = await _builder_context(request, survey, consultation)
    opened = request.query_params.get("open", "")[:64]
    return render(request, "surveys/builder.html", opened=opened, **ctx)


Op = Callable[[dict[str, Any], Fields], dict[str, Any]]

OPS: dict[str, Op] = {
    "add-section": lambda w, f: builder.add_section(w),
    "add-question": lambda w, f: builder.add_question(w, f.one("section"), f.one("type")),
    "question": lambda w, f: builder.update_question(w, f.one("key"), f),
    "delete-question": lambda w, f: builder.delete_question(w, f.one("key")),
    "up": lambda w, f: builder.move_question(w, f.one("key"), -1),
    # Moving an option from the question's edit form also keeps what was typed in that form.
    "item-up": lambda w, f: builder.move_item(
        builder.update_question(w, f.one("key"), f), f.one("key"), f.one("item"), -1
    ),
    "item-down": lambda w, f: builder.move_item(
        builder.update_question(w, f.one("key"), f), f.one("key"), f.one("item"), 1
    ),
    "down": lambda w, f: builder.move_question(w, f.one("key"), 1),
    "section": lambda w, f: builder.update_section(w, f.one("key"), f),
    "section-up": lambda w, f: builder.move_section(w, f.one("key"), -1),
    "section-down": lambda w, f: builder.move_section(w, f.one("key"), 1),
    "delete-section": lambda w, f: builder.delete_section(w, f.one("key")),
    "intro": lambda w, f: builder.update_intro(w, f),
}


async def edit_op(request: Request) -> Response:
    """One builder step; htmx gets the builder back, a plain form a redirect."""
    db, principal = request.state.db, request.state.principal
    consultation, survey = await load(request)
    op = request.path_params["op"]
    fields = Fields(await _pairs(request))
    notice: Any = None
    if op in OPS:
        working = OPS[op](dict(survey.working), fields)
        await services.save_working(db, principal, consultation, survey, working)
        notice = _l("Saved. Apply the changes to show them to residents.")
    elif op == "apply":
        applied = await services.apply_changes(
            db, principal, consultation, survey, new_version=fields.flag("new_version")
        )
        notice = (
            _l("Version %(n)s started: results are counted per version.", n=applied.version)
            if applied.new_version
            else _l("The changes are applied.")
        )
    elif op == "settings":
        await services.update_settings(db, principal, consultation, survey, _settings(fields))
        notice = _l("Settings saved.")
    elif op in ("open", "close"):
        status = SurveyStatus.OPEN if op == "open" else SurveyStatus.CLOSED
        await services.set_status(db, principal, consultation, survey, status)
    elif op in ("publish", "unpublish"):
        await services.publish_results(db, principal, consultation, survey, op == "publish")
    elif op == "duplicate":
        copy = await services.duplicate_survey(db, principal, consultation, survey)
        return see_other(survey_url(request, "surveys:edit", copy))
    else:
        raise NotFound()
    focus = fields.one("key")
    # After moving an option the question's edit form stays open, the moved item's button focused
    # (htmx restores focus by id; without JavaScript the fragment names the button).
    opened = focus if op in ("item-up", "item-down") else ""
    if is_htmx(request):
        ctx = await _builder_context(request, survey, consultation)
        return render(request, "surveys/_builder.html", notice=notice, opened=opened, **ctx)
    if opened:
        which, _, item = fields.one("item").partition(":")
        return see_other(
            survey_url(request, "surveys:edit", survey)
            + f"?open={opened}#{which}-{op.removeprefix('item-')}-{opened}-{item}"
        )
    anchor = f"#question-{focus}" if focus and op not in ("delete-question",) else ""
    return see_other(survey_url(request, "surveys:edit", survey) + anchor)


def _local(raw: str, end_of_day: bool = False) -> datetime | None:
    if not raw:
        return None
    try:
        if "T" in raw:
            naive = datetime.fromisoformat(raw)
        else:
            naive = datetime.combine(
                date.fromisoformat(raw), time(23, 59) if end_of_day else time()
            )
    except ValueError:
        raise ValidationFailed(fields={"dates": _l("Enter a valid date.")}) from None
    return naive.replace(tzinfo=TIMEZONE).astimezone(UTC)


def _settings(fields: Fields) -> services.Settings:
    audience = fields.one("audience", Audience.ANYONE.value)
    layout = fields.one("layout", Layout.ALL_AT_ONCE.value)
    if audience not in Audience._value2member_map_ or layout not in Layout._value2member_map_:
        raise ValidationFailed(_l("Choose one of the options."))
    return services.Settings(
        audience=Audience(audience),
        layout=Layout(layout),
        editable_until_close=fields.flag("editable"),
        opens_at=_local(fields.one("opens_at")),
        closes_at=_local(fields.one("closes_at"), end_of_day=True),
        age_band=fields.flag("age_band"),
        districts=tuple(
            line.strip() for line in fields.one("districts").splitlines() if line.strip()
        ),
    )


async def preview(request: Request) -> Response:
    """The working definition as residents will see it (nothing is stored)."""
    consultation, survey = await load(request)
    definition = services.parse_definition(survey.working)
    ctx: dict[str, Any] = {
        "consultation": consultation,
        "survey": survey,
        "definition": definition,
        "answers": {},
        "errors": {},
        "seed": "preview",
        **HELPERS,
    }
    return render(request, "surveys/preview.html", **ctx)


async def paper(request: Request) -> Response:
    """GET/POST: fast keyboard entry of paper responses, one after another."""
    db, principal = request.state.db, request.state.principal
    consultation, survey = await load(request)
    _version, definition = await current_definition(db, survey)
    ctx: dict[str, Any] = {
        "consultation": consultation,
        "survey": survey,
        "definition": definition,
        "answers": {},
        "errors": {},
        "seed": "paper",
        "received_on": date.today().isoformat(),
        "action": survey_url(request, "surveys:paper", survey),
        **HELPERS,
    }
    if request.method == "POST":
        pairs = await _pairs(request)
        fields = Fields(pairs)
        answers = normalize_form_data(definition, pairs, drop_hidden=True)
        raw_day = fields.one("received_on")
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            ctx.update(
                answers=answers,
                received_on=raw_day,
                errors={"received_on": str(_l("Enter a valid date."))},
            )
            return render(request, "surveys/paper.html", status=422, **ctx)
        try:
            saved = await responses.enter_paper_response(
                db, principal, consultation, survey, answers, received_on=day
            )
        except ValidationFailed as failed:
            errors = {key: str(message) for key, message in failed.fields.items()}
            ctx.update(answers=answers, received_on=raw_day, errors=errors)
            return render(request, "surveys/paper.html", status=422, **ctx)
        url = survey_url(request, "surveys:paper", survey)
        return see_other(f"{url}?saved={saved.id}&day={day.isoformat()}")
    saved_id = request.query_params.get("saved", "")
    last_day = request.query_params.get("day", "")
    if last_day:
        ctx["received_on"] = last_day[:10]
    paper_count = await _count_paper(request, survey)
    return render(
        request, "surveys/paper.html", saved=saved_id[:12], paper_count=paper_count, **ctx
    )


async def _count_paper(request: Request, survey: Survey) -> int:
    count = await request.state.db.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.channel == ResponseChannel.PAPER
        )
    )
    return int(count or 0)
