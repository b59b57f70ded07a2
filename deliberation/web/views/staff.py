"""Staff pages: consultations, phases, attachments, status, meetings, and the record's input."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from deliberation.errors import ValidationFailed
from deliberation.i18n import _l
from deliberation.models import (
    AreaKind,
    Channel,
    Consultation,
    ConsultationStatus,
    LinkKind,
    MeetingFormat,
    ModerationState,
    PhaseKind,
)
from deliberation.permissions import (
    CONSULTATION_CREATE,
    CONSULTATION_EDIT,
    CONSULTATION_PUBLISH,
    CONSULTATION_VIEW_DRAFT,
    STAFF_HOME,
)
from deliberation.services import attachments, meetings, record_query
from deliberation.services import consultations as service
from deliberation.services import record as record_service
from deliberation.web.forms import form_dict, validate
from deliberation.web.redirects import see_other
from deliberation.web.routing import page
from deliberation.web.templating import Templates
from deliberation.web.views import plain_language as plain_language_views


class ConsultationForm(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    slug: str = Field(default="", max_length=100)
    summary: str = Field(default="", max_length=1200)
    description: str = Field(default="", max_length=20_000)
    topic: str = Field(default="", max_length=80)
    area_kind: AreaKind = AreaKind.CITY
    area: str = Field(default="", max_length=120)
    organizer: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=300)
    legal_basis: str = Field(default="", max_length=500)


class MeetingForm(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    format: MeetingFormat
    day: date
    start: str = Field(pattern=r"^\d{1,2}:\d{2}$")
    end: str = Field(pattern=r"^\d{1,2}:\d{2}$")
    place: str = Field(default="", max_length=300)
    accessibility: str = Field(default="", max_length=2000)
    online_url: str = Field(default="", max_length=500)
    agenda: str = Field(default="", max_length=5000)
    registration_required: bool = False
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    waiting_list: bool = False


class NotesForm(BaseModel):
    attendance: int | None = Field(default=None, ge=0, le=100_000)
    organizations: str = Field(default="", max_length=2000)
    publish: bool = False


class PointForm(BaseModel):
    body: str = Field(min_length=1, max_length=record_service.MAX_BODY)
    raised_by: str = Field(default="", max_length=120)
    themes: str = Field(default="", max_length=500)
    link_to: int | None = None
    link_kind: LinkKind = LinkKind.RELATES


class InputForm(BaseModel):
    channel: Channel
    body: str = Field(min_length=1, max_length=record_service.MAX_BODY)
    received_on: date
    author_name: str = Field(default="", max_length=120)
    themes: str = Field(default="", max_length=500)


class LinkForm(BaseModel):
    from_id: int
    to_id: int
    kind: LinkKind


class ThemesForm(BaseModel):
    themes: str = Field(min_length=1, max_length=500)


class StatusForm(BaseModel):
    status: ConsultationStatus


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("districts", service.DISTRICTS)
    context.setdefault("legal_bases", service.LEGAL_BASES)
    context.setdefault("participation_forms", [f.value for f in service.ParticipationForm])
    templates: Templates = request.app.state.templates
    return templates.response(request, name, status_code=status, **context)


async def _form(request: Request) -> tuple[dict[str, Any], list[str]]:
    async with request.form(max_files=0, max_fields=100) as form:
        return form_dict(form), [str(v) for v in form.getlist("participation_forms")]


async def _rollback(request: Request) -> None:
    """Undo a failed write, then reload the user the page header shows (rollback expires it)."""
    await request.state.db.rollback()
    if request.state.user is not None:
        await request.state.db.refresh(request.state.user)


async def _consultation(request: Request) -> Consultation:
    return await service.get_for(
        request.state.db, request.state.principal, request.path_params["consultation_id"]
    )


def _url(request: Request, name: str, **params: Any) -> str:
    return str(request.url_for(name, **params).path)


def _details(form: ConsultationForm, forms: list[str]) -> service.Details:
    return service.Details(
        title=form.title,
        summary=form.summary,
        description=form.description,
        topic=form.topic,
        area=form.area,
        area_kind=form.area_kind,
        organizer=form.organizer,
        contact=form.contact,
        legal_basis=form.legal_basis,
        participation_forms=[
            service.ParticipationForm(f)
            for f in forms
            if f in service.ParticipationForm._value2member_map_
        ],
    )


# --- consultations --------------------------------------------------------------------------------


async def index(request: Request) -> Response:
    rows = await service.staff_consultations(request.state.db, request.state.principal)
    return _render(request, "staff/index.html", consultations=rows)


async def new_consultation(request: Request) -> Response:
    if request.method == "GET":
        return _render(request, "staff/consultation_form.html", data={}, consultation=None)
    data, forms = await _form(request)
    try:
        form = validate(ConsultationForm, data)
        consultation = await service.create_consultation(
            request.state.db,
            title=form.title,
            slug=form.slug or None,
            created_by_id=request.state.user.id,
            principal=request.state.principal,
            details=_details(form, forms),
        )
    except ValidationFailed as exc:
        data["participation_forms"] = forms
        return _render(
            request,
            "staff/consultation_form.html",
            exc.status,
            data=data,
            errors=exc.fields,
            message=exc.message,
            consultation=None,
        )
    return see_other(_url(request, "staff:consultation", consultation_id=consultation.id))


async def edit_consultation(request: Request) -> Response:
    consultation = await _consultation(request)
    if request.method == "GET":
        data = {
            name: getattr(consultation, name)
            for name in ConsultationForm.model_fields
            if name != "slug"
        }
        data["participation_forms"] = consultation.participation_forms
        return _render(
            request, "staff/consultation_form.html", data=data, consultation=consultation
        )
    data, forms = await _form(request)
    try:
        form = validate(ConsultationForm, data)
        await service.update_consultation(
            request.state.db, request.state.principal, consultation, _details(form, forms)
        )
    except ValidationFailed as exc:  # raised before anything changed: nothing to roll back
        data["participation_forms"] = forms
        return _render(
            request,
            "staff/consultation_form.html",
            exc.status,
            data=data,
            errors=exc.fields,
            message=exc.message,
            consultation=consultation,
        )
    return see_other(_url(request, "staff:consultation", consultation_id=consultation.id))


async def overview(request: Request, status: int = 200, **extra: Any) -> Response:
    db = request.state.db
    consultation = await _consultation(request)
    phases = {p.kind.value: p for p in await service.phases_of(db, consultation.id)}
    return _render(
        request,
        "staff/consultation.html",
        status,
        consultation=consultation,
        phases=phases,
        phase_kinds=list(PhaseKind),
        meetings=await meetings.meetings_of(db, consultation.id),
        attachments=await attachments.list_attachments(db, consultation.id),
        next_status=service.NEXT_STATUS.get(consultation.status),
        **extra,
    )


async def consultation_home(request: Request) -> Response:
    return await overview(request, saved=request.query_params.get("saved"))


async def save_phases(request: Request) -> Response:
    consultation = await _consultation(request)
    data, _forms = await _form(request)
    dates: dict[PhaseKind, tuple[date, date] | None] = {}
    errors: dict[str, Any] = {}
    for kind in PhaseKind:
        start, end = data.get(f"{kind.value}_starts_on"), data.get(f"{kind.value}_ends_on")
        if not start and not end:
            dates[kind] = None
            continue
        try:
            dates[kind] = (date.fromisoformat(str(start)), date.fromisoformat(str(end)))
        except ValueError:
            errors[f"{kind.value}_starts_on"] = _l("Enter both dates of this phase.")
    try:
        if errors:
            raise ValidationFailed(fields=errors)
        await service.set_phases(request.state.db, request.state.principal, consultation, dates)
    except ValidationFailed as exc:
        await _rollback(request)
        return await overview(
            request, exc.status, errors=exc.fields, message=exc.message, phase_data=data
        )
    return see_other(
        _url(request, "staff:consultation", consultation_id=consultation.id) + "?saved=phases"
    )


async def change_status(request: Request) -> Response:
    consultation = await _consultation(request)
    data, _forms = await _form(request)
    form = validate(StatusForm, data)
    if gate := await plain_language_views.publish_gate(request, consultation, form.status, data):
        return gate  # issue 7: a summary above the plain-language target needs a confirmation
    try:
        await service.advance_status(
            request.state.db, consultation, form.status, principal=request.state.principal
        )
    except ValidationFailed as exc:
        await _rollback(request)
        return await overview(request, exc.status, errors=exc.fields, message=exc.message)
    return see_other(
        _url(request, "staff:consultation", consultation_id=consultation.id) + "?saved=status"
    )


async def upload_attachment(request: Request) -> Response:
    consultation = await _consultation(request)
    limit = attachments.MAX_BYTES + 1
    async with request.form(max_files=1, max_fields=5, max_part_size=limit) as form:
        upload = form.get("file")
        title = str(form.get("title") or "")
        data, filename = b"", ""
        if isinstance(upload, UploadFile):
            data, filename = await upload.read(limit), upload.filename or ""
    try:
        await attachments.add_attachment(
            request.state.db,
            request.state.principal,
            consultation,
            title=title,
            filename=filename,
            data=data,
        )
    except ValidationFailed as exc:
        await _rollback(request)
        return await overview(request, exc.status, errors=exc.fields, message=exc.message)
    target = (
        _url(request, "staff:consultation", consultation_id=consultation.id) + "?saved=attachment"
    )
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return see_other(target)


async def delete_attachment(request: Request) -> Response:
    consultation = await _consultation(request)
    await _form(request)
    await attachments.remove_attachment(
        request.state.db,
        request.state.principal,
        consultation,
        request.path_params["attachment_id"],
    )
    return see_other(_url(request, "staff:consultation", consultation_id=consultation.id))


# --- meetings -------------------------------------------------------------------------------------


def _plan(form: MeetingForm) -> meetings.MeetingPlan:
    return meetings.MeetingPlan(**form.model_dump())


async def meeting_form(request: Request) -> Response:
    db, principal = request.state.db, request.state.principal
    consultation = await _consultation(request)
    meeting_id = request.path_params.get("meeting_id")
    meeting = await meetings.get_meeting(db, consultation.id, meeting_id) if meeting_id else None
    if request.method == "GET":
        data: dict[str, Any] = {}
        if meeting is not None:
            data = {
                name: getattr(meeting, name)
                for name in MeetingForm.model_fields
                if hasattr(meeting, name)
            }
            local = meeting.starts_at.astimezone(meetings.WARSAW)
            data |= {
                "day": local.date().isoformat(),
                "start": local.strftime("%H:%M"),
                "end": meeting.ends_at.astimezone(meetings.WARSAW).strftime("%H:%M"),
            }
        return _render(
            request,
            "staff/meeting_form.html",
            consultation=consultation,
            meeting=meeting,
            data=data,
        )
    data, _forms = await _form(request)
    try:
        plan = _plan(validate(MeetingForm, data))
        if meeting is None:
            meeting = await meetings.create_meeting(db, principal, consultation, plan)
        else:
            await meetings.update_meeting(db, principal, consultation, meeting, plan)
    except ValidationFailed as exc:  # raised before anything changed: nothing to roll back
        return _render(
            request,
            "staff/meeting_form.html",
            exc.status,
            consultation=consultation,
            meeting=meeting,
            data=data,
            errors=exc.fields,
            message=exc.message,
        )
    return see_other(_url(request, "staff:consultation", consultation_id=consultation.id))


# --- meeting notes and the record ----------------------------------------------------------------


async def notes(request: Request, status: int = 200, **extra: Any) -> Response:
    db = request.state.db
    consultation = await _consultation(request)
    meeting = await meetings.get_meeting(db, consultation.id, request.path_params["meeting_id"])
    query = request.query_params.get("q", "")[:200]
    points = await record_query.record_page(
        db,
        consultation.id,
        record_query.RecordFilter(public=False, meeting_id=meeting.id),
        limit=200,
    )
    return _render(
        request,
        "staff/notes.html",
        status,
        consultation=consultation,
        meeting=meeting,
        points=points,
        query=query,
        results=await record_query.search(db, consultation.id, query) if query else [],
        data=extra.pop("data", dict(request.query_params)),
        **extra,
    )


async def save_notes(request: Request) -> Response:
    db = request.state.db
    consultation = await _consultation(request)
    meeting = await meetings.get_meeting(db, consultation.id, request.path_params["meeting_id"])
    data, _forms = await _form(request)
    form = validate(NotesForm, data)
    await meetings.save_notes(
        db,
        request.state.principal,
        consultation,
        meeting,
        attendance=form.attendance,
        organizations=form.organizations,
        publish=form.publish,
    )
    return see_other(
        _url(request, "staff:notes", consultation_id=consultation.id, meeting_id=meeting.id)
    )


async def add_point(request: Request) -> Response:
    db = request.state.db
    consultation = await _consultation(request)
    meeting = await meetings.get_meeting(db, consultation.id, request.path_params["meeting_id"])
    data, _forms = await _form(request)
    try:
        form = validate(PointForm, data)
        await record_service.add_meeting_point(
            db, request.state.principal, consultation, meeting, **form.model_dump()
        )
    except ValidationFailed as exc:
        await _rollback(request)
        return await notes(request, exc.status, errors=exc.fields, message=exc.message, data=data)
    return see_other(
        _url(request, "staff:notes", consultation_id=consultation.id, meeting_id=meeting.id)
        + "?saved=point"
    )


async def search(request: Request) -> Response:
    db = request.state.db
    consultation = await _consultation(request)
    query = request.query_params.get("q", "")[:200]
    return _render(
        request,
        "staff/_search_results.html",
        consultation=consultation,
        results=await record_query.search(db, consultation.id, query),
        query=query,
    )


def _staff_filter(request: Request) -> record_query.RecordFilter:
    params = request.query_params
    state = params.get("state", "")
    channel = params.get("channel", "")
    theme, meeting = params.get("theme", ""), params.get("meeting", "")
    return record_query.RecordFilter(
        public=False,
        channel=Channel(channel) if channel in Channel._value2member_map_ else None,
        state=ModerationState(state) if state in ModerationState._value2member_map_ else None,
        theme_id=int(theme) if theme.isdigit() and len(theme) < 10 else None,
        meeting_id=int(meeting) if meeting.isdigit() and len(meeting) < 10 else None,
    )


async def staff_record(request: Request) -> Response:
    db = request.state.db
    consultation = await _consultation(request)
    filters = _staff_filter(request)
    record = await record_query.record_page(
        db, consultation.id, filters, cursor=request.query_params.get("after")
    )
    return _render(
        request,
        "staff/record.html",
        consultation=consultation,
        record=record,
        filters=filters,
        themes=await record_query.themes_of(db, consultation.id),
        meetings=await meetings.meetings_of(db, consultation.id),
        saved=request.query_params.get("saved"),
    )


async def staff_input(request: Request) -> Response:
    consultation = await _consultation(request)
    if request.method == "GET":
        return _render(request, "staff/input.html", consultation=consultation, data={})
    data, _forms = await _form(request)
    try:
        form = validate(InputForm, data)
        await record_service.add_staff_input(
            request.state.db, request.state.principal, consultation, **form.model_dump()
        )
    except ValidationFailed as exc:
        await _rollback(request)
        consultation = await _consultation(request)
        return _render(
            request,
            "staff/input.html",
            exc.status,
            consultation=consultation,
            data=data,
            errors=exc.fields,
            message=exc.message,
        )
    return see_other(
        _url(request, "staff:record", consultation_id=consultation.id) + "?saved=input"
    )


async def add_link(request: Request) -> Response:
    consultation = await _consultation(request)
    data, _forms = await _form(request)
    form = validate(LinkForm, data)
    await record_service.link_contributions(
        request.state.db, request.state.principal, consultation, form.from_id, form.to_id, form.kind
    )
    return see_other(_url(request, "staff:record", consultation_id=consultation.id) + "?saved=link")


async def add_themes(request: Request) -> Response:
    consultation = await _consultation(request)
    data, _forms = await _form(request)
    form = validate(ThemesForm, data)
    await record_service.tag_contribution(
        request.state.db,
        request.state.principal,
        consultation,
        request.path_params["contribution_id"],
        form.themes,
    )
    return see_other(
        _url(request, "staff:record", consultation_id=consultation.id) + "?saved=themes"
    )


def routes() -> list[BaseRoute]:
    base = "/staff/consultations/{consultation_id:int}"
    meeting = base + "/meetings/{meeting_id:int}"
    post = ["POST"]
    both = ["GET", "POST"]
    edit, view = CONSULTATION_EDIT, CONSULTATION_VIEW_DRAFT
    return [
        page("/staff", index, action=STAFF_HOME, name="staff:index"),
        page(
            "/staff/consultations/new",
            new_consultation,
            action=CONSULTATION_CREATE,
            name="staff:new",
            methods=both,
        ),
        page(base, consultation_home, action=view, name="staff:consultation"),
        page(base + "/edit", edit_consultation, action=edit, name="staff:edit", methods=both),
        page(base + "/phases", save_phases, action=edit, name="staff:phases", methods=post),
        page(
            base + "/status",
            change_status,
            action=CONSULTATION_PUBLISH,
            name="staff:status",
            methods=post,
        ),
        page(
            base + "/attachments",
            upload_attachment,
            action=edit,
            name="staff:attach",
            methods=post,
        ),
        page(
            base + "/attachments/{attachment_id:int}/delete",
            delete_attachment,
            action=edit,
            name="staff:detach",
            methods=post,
        ),
        page(
            base + "/meetings/new",
            meeting_form,
            action=edit,
            name="staff:new_meeting",
            methods=both,
        ),
        page(meeting + "/edit", meeting_form, action=edit, name="staff:meeting", methods=both),
        page(meeting + "/notes", notes, action=edit, name="staff:notes"),
        page(meeting + "/notes", save_notes, action=edit, name="staff:save_notes", methods=post),
        page(meeting + "/points", add_point, action=edit, name="staff:add_point", methods=post),
        page(base + "/record", staff_record, action=view, name="staff:record"),
        page(base + "/record/search", search, action=edit, name="staff:search"),
        page(base + "/input", staff_input, action=edit, name="staff:input", methods=both),
        page(base + "/links", add_link, action=edit, name="staff:link", methods=post),
        page(
            base + "/contributions/{contribution_id:int}/themes",
            add_themes,
            action=edit,
            name="staff:themes",
            methods=post,
        ),
    ]
