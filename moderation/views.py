"""Moderation pages: the queue and its actions, reports, appeals, the audit log, transparency."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from deliberation.errors import NotFound, ValidationFailed
from deliberation.models import Consultation, User
from deliberation.permissions import CONTRIBUTION_MODERATE, VIEW_PUBLIC
from deliberation.web.forms import form_dict, parse_form, validate
from deliberation.web.participants import current_participant
from deliberation.web.redirects import safe_next, see_other
from deliberation.web.routing import page
from moderation import audit, guard, queue, services
from moderation.export import audit_csv
from moderation.labels import GLOBALS
from moderation.models import AppealOutcome, AuditAction, Mode, ReportReason
from moderation.permissions import APPEAL, QUEUE, REPORT, SETTINGS, SITE_SETTINGS

POST = ("POST",)


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    response: Response = request.app.state.templates.response(
        request,
        name,
        status_code=status_code,
        report_reasons=list(ReportReason),
        **GLOBALS,
        **context,
    )
    return response


def _cid(request: Request) -> int:
    return int(request.path_params["consultation_id"])


def _actor(request: Request) -> User:
    user: User | None = request.state.user
    assert user is not None  # every action here needs a login
    return user


def _back(request: Request, form_next: str | None) -> Response:
    return see_other(safe_next(form_next, str(request.url_for("moderation:queue").path)))


# --- the queue ------------------------------------------------------------------------------


async def queue_page(request: Request) -> Response:
    raw = request.query_params.get("consultation", "")
    show = "hidden" if request.query_params.get("show") == "hidden" else "open"
    items = await queue.queue(
        request.state.db,
        request.state.principal,
        consultation_id=int(raw) if raw.isdigit() else None,
        show=show,
    )
    return _render(request, "moderation/queue.html", items=items, show=show)


class ActForm(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=100)
    action: Literal["approve", "hide", "restore"]
    reason: str = ""
    note: str = Field(default="", max_length=500)
    next: str | None = None


async def act(request: Request) -> Response:
    async with request.form(max_files=0, max_fields=250) as form:
        data = form_dict(form)
        data["ids"] = [int(str(v)) for v in form.getlist("ids") if str(v).isdigit()]
    parsed = validate(ActForm, data)
    reason = parsed.reason if parsed.reason in ReportReason._value2member_map_ else ""
    if parsed.reason == "other" or (not reason and parsed.note):
        reason = parsed.note
    await services.moderate(
        request.state.db,
        request.state.principal,
        _actor(request),
        _cid(request),
        parsed.ids,
        AuditAction(parsed.action),
        reason,
    )
    return _back(request, parsed.next)


class RedactForm(BaseModel):
    contribution_id: int
    fragment: str = Field(min_length=1, max_length=2000)
    next: str | None = None


async def redact(request: Request) -> Response:
    form = await parse_form(request, RedactForm)
    await services.redact(
        request.state.db,
        request.state.principal,
        _actor(request),
        _cid(request),
        form.contribution_id,
        form.fragment,
    )
    return _back(request, form.next)


class BlockForm(BaseModel):
    participant_id: int
    days: Literal["1", "7", "30", "forever"] = "7"
    everywhere: Literal["0", "1"] = "0"
    reason: str = Field(min_length=1, max_length=500)
    next: str | None = None


async def block(request: Request) -> Response:
    form = await parse_form(request, BlockForm)
    await services.block(
        request.state.db,
        request.state.principal,
        _actor(request),
        _cid(request),
        form.participant_id,
        days=None if form.days == "forever" else int(form.days),
        everywhere=form.everywhere == "1",
        reason=form.reason,
    )
    return _back(request, form.next)


async def blocks_page(request: Request) -> Response:
    rows = await queue.active_blocks(request.state.db, request.state.principal)
    return _render(request, "moderation/blocks.html", rows=rows)


class LiftForm(BaseModel):
    reason: str = Field(default="", max_length=500)


async def lift_block(request: Request) -> Response:
    form = await parse_form(request, LiftForm)
    await services.lift_block(
        request.state.db,
        request.state.principal,
        _actor(request),
        int(request.path_params["block_id"]),
        form.reason,
    )
    return see_other(str(request.url_for("moderation:blocks").path))


async def words_page(request: Request) -> Response:
    words = await services.load_site_words(request.state.db, request.state.principal)
    return _render(request, "moderation/words.html", words=words, errors={}, value="")


class WordForm(BaseModel):
    word: str = Field(default="", max_length=200)
    remove: str = Field(default="", max_length=200)


async def words_save(request: Request) -> Response:
    form = await parse_form(request, WordForm)
    try:
        await services.change_site_words(
            request.state.db,
            request.state.principal,
            _actor(request),
            add=form.word,
            remove=form.remove,
        )
    except ValidationFailed as exc:
        # Nothing was committed: the request's transaction ends without a commit.
        words = await services.load_site_words(request.state.db, request.state.principal)
        return _render(
            request,
            "moderation/words.html",
            status_code=422,
            words=words,
            errors=exc.fields,
            value=form.word,
        )
    return see_other(str(request.url_for("moderation:words").path))


class DecideForm(BaseModel):
    outcome: Literal["restored", "upheld"]
    reason: str = Field(default="", max_length=500)
    next: str | None = None


async def decide(request: Request) -> Response:
    form = await parse_form(request, DecideForm)
    await services.decide_appeal(
        request.state.db,
        request.state.principal,
        _actor(request),
        _cid(request),
        int(request.path_params["appeal_id"]),
        AppealOutcome(form.outcome),
        form.reason,
    )
    return _back(request, form.next)


# --- residents: reports and appeals ---------------------------------------------------------


class ReportForm(BaseModel):
    reason: ReportReason
    text: str = Field(default="", max_length=500)


async def _contribution(request: Request) -> Any:
    return await services.load(
        request.state.db, _cid(request), int(request.path_params["contribution_id"])
    )


async def report_page(request: Request) -> Response:
    contribution = await _contribution(request)
    if contribution.moderation_state.value != "visible":
        raise NotFound()
    return _render(request, "moderation/report.html", contribution=contribution, errors={})


async def report(request: Request) -> Response:
    state = request.state
    contribution = await _contribution(request)
    try:
        form = await parse_form(request, ReportForm)
    except ValidationFailed as exc:
        return _render(
            request,
            "moderation/report.html",
            status_code=422,
            contribution=contribution,
            errors=exc.fields,
        )
    participant, _ = await current_participant(request, state.db, state.user, create=True)
    assert participant is not None
    counted = await services.report(
        state.db,
        state.principal,
        reporter_participant_id=participant.id,
        consultation_id=_cid(request),
        contribution_id=contribution.id,
        reason=form.reason,
        text=form.text,
    )
    return _render(
        request,
        "moderation/reported.html",
        contribution=contribution,
        counted=counted,
        consultation_id=_cid(request),
    )


class AppealForm(BaseModel):
    text: str = Field(default="", max_length=500)


async def appeal(request: Request) -> Response:
    form = await parse_form(request, AppealForm)
    contribution = await _contribution(request)
    await services.file_appeal(
        request.state.db,
        request.state.principal,
        _actor(request),
        _cid(request),
        contribution.id,
        form.text,
    )
    return _render(request, "moderation/appealed.html", consultation_id=_cid(request))


# --- the audit log, its CSV, settings and transparency --------------------------------------


def _audit_query(request: Request) -> audit.AuditQuery:
    params = request.query_params
    action = params.get("action", "")
    consultation = params.get("consultation", "")
    return audit.AuditQuery(
        text=params.get("q", "")[:200],
        action=AuditAction(action) if action in AuditAction._value2member_map_ else None,
        consultation_id=int(consultation) if consultation.isdigit() else None,
    )


async def audit_page(request: Request) -> Response:
    query = _audit_query(request)
    entries = await audit.search(request.state.db, request.state.principal, query)
    return _render(
        request, "moderation/audit.html", entries=entries, query=query, actions=list(AuditAction)
    )


async def audit_export(request: Request) -> Response:
    query = _audit_query(request)
    query = audit.AuditQuery(
        text=query.text,
        action=query.action,
        consultation_id=query.consultation_id,
        limit=10_000,
    )
    entries = await audit.search(request.state.db, request.state.principal, query)
    return Response(
        audit_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="moderation-audit.csv"'},
    )


class SettingsForm(BaseModel):
    mode: Mode
    report_threshold: int = Field(ge=1, le=100)
    max_links: int = Field(ge=0, le=50)
    blocked_words: str = Field(default="", max_length=20_000)


async def settings_page(request: Request) -> Response:
    current = await guard.settings_for(request.state.db, _cid(request))
    consultation = await request.state.db.get(Consultation, _cid(request))
    return _render(
        request,
        "moderation/settings.html",
        current=current,
        consultation=consultation,
        errors={},
        modes=list(Mode),
    )


async def settings_save(request: Request) -> Response:
    form = await parse_form(request, SettingsForm)
    await services.update_settings(
        request.state.db,
        request.state.principal,
        _actor(request),
        _cid(request),
        mode=form.mode,
        report_threshold=form.report_threshold,
        max_links=form.max_links,
        blocked_words=form.blocked_words,
    )
    return see_other(
        str(request.url_for("moderation:settings", consultation_id=_cid(request)).path)
    )


async def transparency_page(request: Request) -> Response:
    from deliberation.services.comments import get_consultation

    consultation = await get_consultation(request.state.db, request.state.principal, _cid(request))
    summary = await queue.transparency(request.state.db, consultation.id)
    return _render(
        request, "moderation/transparency.html", consultation=consultation, summary=summary
    )


def routes() -> list[BaseRoute]:
    c = "/consultations/{consultation_id:int}"
    contribution = c + "/contributions/{contribution_id:int}"
    moderate = CONTRIBUTION_MODERATE
    return [
        page("/moderation", queue_page, action=QUEUE, name="moderation:queue"),
        page("/moderation/audit", audit_page, action=QUEUE, name="moderation:audit"),
        page("/moderation/audit.csv", audit_export, action=QUEUE, name="moderation:audit_csv"),
        page("/moderation/blocks", blocks_page, action=QUEUE, name="moderation:blocks"),
        page("/moderation/words", words_page, action=SITE_SETTINGS, name="moderation:words"),
        page(
            "/moderation/words",
            words_save,
            action=SITE_SETTINGS,
            name="moderation:words_save",
            methods=POST,
        ),
        page(
            "/moderation/blocks/{block_id:int}/lift",
            lift_block,
            action=QUEUE,
            name="moderation:lift_block",
            methods=POST,
        ),
        page(c + "/moderation/act", act, action=moderate, name="moderation:act", methods=POST),
        page(
            c + "/moderation/redact",
            redact,
            action=moderate,
            name="moderation:redact",
            methods=POST,
        ),
        page(
            c + "/moderation/block", block, action=moderate, name="moderation:block", methods=POST
        ),
        page(
            c + "/moderation/appeals/{appeal_id:int}",
            decide,
            action=moderate,
            name="moderation:decide",
            methods=POST,
        ),
        page(
            c + "/moderation/settings", settings_page, action=SETTINGS, name="moderation:settings"
        ),
        page(
            c + "/moderation/settings",
            settings_save,
            action=SETTINGS,
            name="moderation:settings_save",
            methods=POST,
        ),
        page(
            c + "/moderation/transparency",
            transparency_page,
            action=VIEW_PUBLIC,
            name="moderation:transparency",
        ),
        page(contribution + "/report", report_page, action=REPORT, name="moderation:report"),
        page(
            contribution + "/report",
            report,
            action=REPORT,
            name="moderation:report_submit",
            methods=POST,
        ),
        page(
            contribution + "/appeal", appeal, action=APPEAL, name="moderation:appeal", methods=POST
        ),
    ]
