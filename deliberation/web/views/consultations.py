"""Public consultation pages: the list, one consultation, its record, meetings and calendars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute

from deliberation import calendar
from deliberation.errors import NotFound
from deliberation.i18n import get_language
from deliberation.markdown import render_markdown
from deliberation.models import Channel, ConsultationStatus
from deliberation.permissions import CONSULTATION_VIEW_DRAFT, MEETING_REGISTER, VIEW_PUBLIC, can
from deliberation.services import attachments, meetings, record_query
from deliberation.services import consultations as service
from deliberation.services.schedule import local_today
from deliberation.settings import Settings
from deliberation.web.redirects import see_other
from deliberation.web.routing import page
from deliberation.web.templating import Templates


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    templates: Templates = request.app.state.templates
    return templates.response(request, name, status_code=status, **context)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


async def consultation_list(request: Request) -> Response:
    params = request.query_params
    status = params.get("status", "")
    filters = service.ListFilter(
        status=ConsultationStatus(status)
        if status in ConsultationStatus._value2member_map_
        else None,
        area=params.get("area", "")[:120],
        topic=params.get("topic", "")[:80],
        query=params.get("q", "")[:200],
    )
    page_number = max(1, min(_int(params.get("page")) or 1, 1000))
    rows, total = await service.list_public(
        request.state.db, filters, limit=20, offset=(page_number - 1) * 20
    )
    areas, topics = await service.filter_choices(request.state.db)
    return _render(
        request,
        "consultations/list.html",
        consultations=rows,
        total=total,
        filters=filters,
        areas=areas,
        topics=topics,
        page_number=page_number,
        has_more=page_number * 20 < total,
    )


def _record_filter(request: Request, public: bool) -> record_query.RecordFilter:
    params = request.query_params
    channel = params.get("channel", "")
    return record_query.RecordFilter(
        public=public,
        channel=Channel(channel) if channel in Channel._value2member_map_ else None,
        theme_id=_int(params.get("theme")),
        meeting_id=_int(params.get("meeting")),
    )


@dataclass(frozen=True)
class PublicRecord:
    """The rendered public record (the same for every visitor), cached until its consultation
    changes."""

    html: Markup
    total: int
    empty: bool


async def _public_record(
    request: Request, consultation: Any, filters: record_query.RecordFilter, all_meetings: Any
) -> PublicRecord:
    cursor = request.query_params.get("after")
    key = (
        "record",
        consultation.id,
        get_language(),
        filters.channel,
        filters.theme_id,
        filters.meeting_id,
        cursor,
    )
    cache = request.app.state.fragments
    cached: PublicRecord | None = cache.get(consultation.id, key)
    if cached is not None:
        return cached
    page = await record_query.record_page(request.state.db, consultation.id, filters, cursor=cursor)
    html = request.app.state.templates.render(
        request,
        "consultations/_record.html",
        consultation=consultation,
        record=page,
        filters=filters,
        meetings=all_meetings,
    )
    # The fragment was rendered by our autoescaping templates: it is safe HTML already.
    fresh = PublicRecord(html=Markup(html), total=page.total, empty=not page.entries)  # noqa: S704
    cache.put(consultation.id, key, fresh)
    return fresh


async def consultation_page(request: Request) -> Response:
    db, principal = request.state.db, request.state.principal
    consultation = await service.get_for(db, principal, request.path_params["consultation_id"])
    filters = _record_filter(request, public=True)
    if _is_htmx(request):
        all_meetings = await meetings.meetings_of(db, consultation.id)
        record = await _public_record(request, consultation, filters, all_meetings)
        return HTMLResponse(record.html)
    is_staff = can(principal, CONSULTATION_VIEW_DRAFT, service.scope_of(consultation))
    today = local_today()
    key = (
        "page",
        consultation.id,
        get_language(),
        filters.channel,
        filters.theme_id,
        filters.meeting_id,
        request.query_params.get("after"),
        today,
        is_staff,
    )
    cache = request.app.state.fragments
    page_html: Markup | None = cache.get(consultation.id, key)
    if page_html is None:
        page_html = await _render_page(request, consultation, filters, is_staff, today)
        cache.put(consultation.id, key, page_html)
    return _render(
        request, "consultations/show.html", consultation=consultation, page_html=page_html
    )


async def _render_page(
    request: Request,
    consultation: Any,
    filters: record_query.RecordFilter,
    is_staff: bool,
    today: date,
) -> Markup:
    """The page's article: the same for every visitor of one kind, so it is cached."""
    db = request.state.db
    phases = await service.phases_of(db, consultation.id)
    all_meetings = await meetings.meetings_of(db, consultation.id)
    html = request.app.state.templates.render(
        request,
        "consultations/_page.html",
        consultation=consultation,
        description=render_markdown(consultation.description),
        phases=phases,
        current=service.current_phase(phases, today),
        meetings=all_meetings,
        attachments=await attachments.list_attachments(db, consultation.id),
        themes=await record_query.themes_of(db, consultation.id),
        record=await _public_record(request, consultation, filters, all_meetings),
        filters=filters,
        is_staff=is_staff,
    )
    return Markup(html)  # noqa: S704 (rendered by our autoescaping templates)


async def contribution_page(request: Request) -> Response:
    db = request.state.db
    consultation = await service.get_for(
        db, request.state.principal, request.path_params["consultation_id"]
    )
    entry = await record_query.contribution_entry(
        db, consultation.id, request.path_params["contribution_id"], public=True
    )
    meeting = None
    if entry.contribution.meeting_id is not None:
        meeting = await meetings.get_meeting(db, consultation.id, entry.contribution.meeting_id)
    return _render(
        request,
        "consultations/contribution.html",
        consultation=consultation,
        entry=entry,
        meeting=meeting,
    )


async def meeting_page(request: Request) -> Response:
    db, user = request.state.db, request.state.user
    consultation = await service.get_for(
        db, request.state.principal, request.path_params["consultation_id"]
    )
    meeting = await meetings.get_meeting(db, consultation.id, request.path_params["meeting_id"])
    points = None
    if meeting.notes_published_at is not None:
        points = await record_query.record_page(
            db,
            consultation.id,
            record_query.RecordFilter(public=True, meeting_id=meeting.id),
            cursor=request.query_params.get("after"),
            limit=50,
        )
    return _render(
        request,
        "consultations/meeting.html",
        consultation=consultation,
        meeting=meeting,
        places=await meetings.places(db, meeting.id, user.id if user else None),
        points=points,
        notice=request.query_params.get("done"),
    )


async def register(request: Request) -> Response:
    return await _registration(request, cancel=False)


async def cancel(request: Request) -> Response:
    return await _registration(request, cancel=True)


async def _registration(request: Request, *, cancel: bool) -> Response:
    db = request.state.db
    consultation = await service.get_for(
        db, request.state.principal, request.path_params["consultation_id"]
    )
    meeting = await meetings.get_meeting(db, consultation.id, request.path_params["meeting_id"])
    async with request.form(max_files=0, max_fields=5):
        pass  # the CSRF middleware has checked the token
    if cancel:
        await meetings.cancel(db, request.state.user.id, meeting.id)
        done = "cancelled"
    else:
        registration = await meetings.register(db, request.state.user.id, meeting.id)
        done = registration.status.value
    url = request.url_for(
        "consultations:meeting", consultation_id=consultation.id, meeting_id=meeting.id
    )
    return see_other(f"{url.path}?done={done}")


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _absolute(request: Request, path: str) -> str:
    settings: Settings = request.app.state.settings
    return settings.base_url.rstrip("/") + path


def _host(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return settings.base_url.split("://", 1)[-1].split("/", 1)[0]


async def meeting_ics(request: Request) -> Response:
    db = request.state.db
    consultation = await service.get_for(
        db, request.state.principal, request.path_params["consultation_id"]
    )
    meeting = await meetings.get_meeting(db, consultation.id, request.path_params["meeting_id"])
    url = request.url_for(
        "consultations:meeting", consultation_id=consultation.id, meeting_id=meeting.id
    ).path
    body = calendar.meeting_ics(meeting, consultation, _absolute(request, url), _host(request))
    return _ics(body, f"spotkanie-{meeting.id}.ics")


async def consultation_calendar(request: Request) -> Response:
    db = request.state.db
    consultation = await service.get_for(
        db, request.state.principal, request.path_params["consultation_id"]
    )
    pairs = [
        (
            m,
            _absolute(
                request,
                request.url_for(
                    "consultations:meeting", consultation_id=consultation.id, meeting_id=m.id
                ).path,
            ),
        )
        for m in await meetings.meetings_of(db, consultation.id)
    ]
    body = calendar.consultation_feed(consultation, pairs, _host(request))
    return _ics(body, f"{consultation.slug}.ics")


async def attachment_file(request: Request) -> Response:
    db = request.state.db
    consultation = await service.get_for(
        db, request.state.principal, request.path_params["consultation_id"]
    )
    item = await attachments.attachment_with_data(
        db, consultation.id, request.path_params["attachment_id"]
    )
    inline = item.content_type == "application/pdf" or item.content_type.startswith("image/")
    disposition = "inline" if inline else "attachment"
    return Response(
        item.data,
        media_type=item.content_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{item.filename}"; '
            f"filename*=UTF-8''{quote(item.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
        },
    )


async def consultation_by_slug(request: Request) -> Response:
    """Short address /k/<slug> for posters and leaflets."""
    from sqlalchemy import select

    from deliberation.models import Consultation

    found = await request.state.db.scalar(
        select(Consultation.id).where(Consultation.slug == request.path_params["slug"])
    )
    if found is None:
        raise NotFound()
    return see_other(request.url_for("consultations:show", consultation_id=found).path)


def routes() -> list[BaseRoute]:
    base = "/consultations/{consultation_id:int}"
    meeting = base + "/meetings/{meeting_id:int}"
    return [
        page("/consultations", consultation_list, action=VIEW_PUBLIC, name="consultations:list"),
        page("/k/{slug:str}", consultation_by_slug, action=VIEW_PUBLIC, name="consultations:slug"),
        page(
            base,
            consultation_page,
            action=VIEW_PUBLIC,
            name="consultations:show",
            visitor_cache=True,
        ),
        page(
            base + "/calendar.ics",
            consultation_calendar,
            action=VIEW_PUBLIC,
            name="consultations:calendar",
        ),
        page(
            base + "/contributions/{contribution_id:int}",
            contribution_page,
            action=VIEW_PUBLIC,
            name="consultations:contribution",
        ),
        page(
            base + "/attachments/{attachment_id:int}",
            attachment_file,
            action=VIEW_PUBLIC,
            name="consultations:attachment",
        ),
        page(meeting, meeting_page, action=VIEW_PUBLIC, name="consultations:meeting"),
        page(meeting + "/event.ics", meeting_ics, action=VIEW_PUBLIC, name="consultations:ics"),
        page(
            meeting + "/register",
            register,
            action=MEETING_REGISTER,
            name="consultations:register",
            methods=["POST"],
        ),
        page(
            meeting + "/cancel",
            cancel,
            action=MEETING_REGISTER,
            name="consultations:cancel",
            methods=["POST"],
        ),
    ]
