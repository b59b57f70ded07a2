"""Report pages: you said, we did (staff responses, claim codes), what we heard, the report and
its exports (PDF, CSV, XLSX, JSON)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from deliberation import exporting, i18n
from deliberation.errors import DomainError, NotFound, ValidationFailed
from deliberation.i18n import _l
from deliberation.models import Channel, Consultation, Contribution, ModerationState, Theme
from deliberation.models.report import ContributionResponse, ResponseStatus, SummaryState
from deliberation.paths import static_dir
from deliberation.permissions import CONSULTATION_VIEW_DRAFT, TAKE_PART, VIEW_PUBLIC, can
from deliberation.services import claims, plain_language, report_sections, responses, summaries
from deliberation.services import consultations as consultation_service
from deliberation.services import report as service
from deliberation.services.report_actions import REPORT_WRITE, RESPONSE_WRITE, SUMMARY_WRITE
from deliberation.services.report_pdf import render_pdf
from deliberation.summary import Summary
from deliberation.web.redirects import see_other
from deliberation.web.routing import page
from deliberation.web.templating import render

PAGE_SIZE = 50
TABLE_PAGE = 100  # rows of the report's table per web page
Handler = Callable[[Request], Awaitable[Response]]
SOURCES_SHOWN = 10
MAX_FIELDS = 2000


def response_label(value: str) -> str:
    return str(responses.STATUS_LABELS[ResponseStatus(value)])


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    return render(request, name, status, response_label=response_label, **context)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _form(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    async with request.form(max_files=0, max_fields=MAX_FIELDS) as form:
        single = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        multi = {k: [str(v) for v in form.getlist(k)] for k in form}
    return single, multi


async def _consultation(request: Request) -> Consultation:
    return await consultation_service.get_for(
        request.state.db, request.state.principal, request.path_params["consultation_id"]
    )


def _url(request: Request, name: str, **params: Any) -> str:
    return str(request.url_for(name, **params).path)


def _language(request: Request) -> str:
    lang = request.query_params.get("lang", "")
    return lang if lang in ("pl", "en") else i18n.get_language()


def _status_choices() -> list[tuple[str, str]]:
    return [(s.value, str(responses.STATUS_LABELS[s])) for s in ResponseStatus]


def _check(request: Request, text: str, field: str) -> plain_language.Check:
    settings = request.app.state.settings
    return plain_language.check(
        text,
        "pl",
        target=settings.plain_language_target,
        prefix=f"rl-{field}",
        glossary_path=settings.glossary_path,
    )


# --- staff: the report's texts ------------------------------------------------------------------


async def staff_report(request: Request, status: int = 200, **extra: Any) -> Response:
    db = request.state.db
    consultation = await _consultation(request)
    text = await service.report_text(db, consultation.id)
    data = extra.pop("data", None) or {
        "announcement": text.announcement,
        "conclusions": text.conclusions,
        "published_in": text.published_in,
    }
    return _render(
        request,
        "report/staff_report.html",
        status,
        consultation=consultation,
        data=data,
        progress=await responses.progress(db, consultation.id),
        checks={name: _check(request, value, name) for name, value in data.items()},
        saved=request.query_params.get("saved"),
        **extra,
    )


async def save_report(request: Request) -> Response:
    consultation = await _consultation(request)
    data, _multi = await _form(request)
    fields = {k: data.get(k, "") for k in ("announcement", "conclusions", "published_in")}
    try:
        await service.save_text(request.state.db, request.state.principal, consultation, **fields)
    except ValidationFailed as exc:  # raised before anything changed
        return await staff_report(
            request, exc.status, data=fields, errors=exc.fields, message=exc.message
        )
    return see_other(_url(request, "report:staff", consultation_id=consultation.id) + "?saved=1")


# --- staff: responses ---------------------------------------------------------------------------


async def _response_rows(
    request: Request, consultation: Consultation, only_open: bool, page_number: int
) -> tuple[list[tuple[Contribution, Any]], bool]:
    query = (
        select(Contribution, ContributionResponse)
        .outerjoin(ContributionResponse, ContributionResponse.contribution_id == Contribution.id)
        .where(
            Contribution.consultation_id == consultation.id,
            Contribution.moderation_state == ModerationState.VISIBLE,
        )
        .order_by(Contribution.id)
        .limit(PAGE_SIZE + 1)
        .offset((page_number - 1) * PAGE_SIZE)
    )
    if only_open:
        query = query.where(ContributionResponse.id.is_(None))
    rows = [(c, r) for c, r in (await request.state.db.execute(query)).all()]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


async def staff_responses(request: Request, status: int = 200, **extra: Any) -> Response:
    db = request.state.db
    consultation = await _consultation(request)
    only_open = request.query_params.get("open") == "1"
    raw_page = request.query_params.get("page", "1")
    page_number = int(raw_page) if raw_page.isdigit() and len(raw_page) < 6 else 1
    rows, has_more = await _response_rows(request, consultation, only_open, max(1, page_number))
    themes = list(
        await db.scalars(
            select(Theme).where(Theme.consultation_id == consultation.id).order_by(Theme.name)
        )
    )
    return _render(
        request,
        "report/staff_responses.html",
        status,
        consultation=consultation,
        rows=rows,
        themes=themes,
        only_open=only_open,
        page_number=max(1, page_number),
        has_more=has_more,
        statuses=_status_choices(),
        progress=await responses.progress(db, consultation.id),
        **extra,
    )


async def save_response(request: Request) -> Response:
    consultation = await _consultation(request)
    data, _multi = await _form(request)
    raw_id, raw_theme = data.get("contribution_id", ""), data.get("theme_id", "")
    try:
        if (raw_id and not raw_id.isdigit()) or (raw_theme and not raw_theme.isdigit()):
            raise ValidationFailed(fields={"contribution_id": _bad_choice()})
        saved = await responses.respond(
            request.state.db,
            request.state.principal,
            consultation,
            status=data.get("status", ""),
            justification=data.get("justification", ""),
            contribution_ids=[int(raw_id)] if raw_id and not raw_theme else [],
            theme_id=int(raw_theme) if raw_theme else None,
            mailer=request.app.state.mailer,
            base_url=request.app.state.settings.base_url,
        )
    except (ValidationFailed, NotFound) as exc:  # raised before anything changed
        if _is_htmx(request) and raw_id:
            return _render(
                request,
                "report/_response_form.html",
                exc.status,
                consultation=consultation,
                contribution_id=int(raw_id) if raw_id.isdigit() else 0,
                response=None,
                data=data,
                errors=exc.fields,
                message=exc.message,
                statuses=_status_choices(),
            )
        return await staff_responses(
            request, exc.status, errors=exc.fields, message=exc.message, data=data
        )
    if _is_htmx(request) and raw_id and len(saved) == 1:
        return _render(
            request,
            "report/_response_form.html",
            consultation=consultation,
            contribution_id=saved[0].contribution_id,
            response=saved[0],
            data={},
            saved=True,
            statuses=_status_choices(),
        )
    return see_other(
        _url(request, "report:responses", consultation_id=consultation.id) + f"?saved={len(saved)}"
    )


def _bad_choice() -> Any:
    return _l("Choose a contribution.")


# --- staff: what we heard -----------------------------------------------------------------------


async def staff_summary(request: Request, status: int = 200, **extra: Any) -> Response:
    db = request.state.db
    consultation = await _consultation(request)
    language = _language(request)
    draft = await summaries.get_version(db, consultation.id, language, SummaryState.DRAFT)
    live = await summaries.get_version(db, consultation.id, language, SummaryState.PUBLISHED)
    summary = Summary.from_dict(draft.content) if draft else None
    settings = request.app.state.settings
    check = None
    if summary is not None:
        text = " ".join(s.text for s in summary.sentences())
        check = plain_language.check(
            text,
            language,
            target=settings.plain_language_target,
            prefix="rl-draft",
            glossary_path=settings.glossary_path,
        )
    return _render(
        request,
        "report/staff_summary.html",
        status,
        consultation=consultation,
        language=language,
        draft=draft,
        summary=summary,
        published=live,
        check=check,
        saved=request.query_params.get("saved"),
        **extra,
    )


def _providers(request: Request) -> list[report_sections.Provider]:
    return report_sections.providers_for(request.app.state.features)


async def generate_summary(request: Request) -> Response:
    consultation = await _consultation(request)
    language = _language(request)
    url = request.app.state.settings.summarizer_url
    db, principal = request.state.db, request.state.principal
    surveys = await report_sections.survey_reports(
        db, principal, consultation, language, _providers(request)
    )
    await summaries.generate_draft(
        db,
        principal,
        consultation,
        language,
        summaries.make_summarizer(url),
        report_sections.highlights(surveys),
    )
    return see_other(
        _url(request, "report:summary", consultation_id=consultation.id)
        + f"?lang={language}&saved=generated"
    )


async def save_summary(request: Request) -> Response:
    consultation = await _consultation(request)
    language = _language(request)
    data, multi = await _form(request)
    texts = {k.removeprefix("s-"): v for k, v in data.items() if k.startswith("s-")}
    removed = set(multi.get("remove", []))
    try:
        await summaries.edit_draft(
            request.state.db, request.state.principal, consultation, language, texts, removed
        )
        if data.get("publish") == "1":
            await summaries.publish(
                request.state.db, request.state.principal, consultation, language
            )
    except (ValidationFailed, NotFound) as exc:  # raised before anything changed
        return await staff_summary(request, exc.status, errors=exc.fields, message=exc.message)
    saved = "published" if data.get("publish") == "1" else "saved"
    return see_other(
        _url(request, "report:summary", consultation_id=consultation.id)
        + f"?lang={language}&saved={saved}"
    )


# --- public: what we heard ----------------------------------------------------------------------


async def what_we_heard(request: Request) -> Response:
    consultation = await _consultation(request)
    found = await summaries.published(request.state.db, consultation.id, _language(request))
    return _render(
        request,
        "report/what_we_heard.html",
        200 if found else 404,
        consultation=consultation,
        summary=found.summary if found else None,
        published=found.row if found else None,
    )


async def summary_sources(request: Request) -> Response:
    consultation = await _consultation(request)
    found = await summaries.published(request.state.db, consultation.id, _language(request))
    if found is None:
        raise NotFound()
    section = request.path_params["section"]
    number = request.path_params["sentence"]
    sentence = summaries.sentence_at(found.summary, section, number)
    cited = await summaries.sources(request.state.db, consultation.id, sentence.sources)
    context: dict[str, Any] = {
        "consultation": consultation,
        "sentence": sentence,
        "sources": cited,
        "shown": SOURCES_SHOWN,
        "key": f"{section}-{number}",
        "visible_state": ModerationState.VISIBLE,
    }
    if _is_htmx(request):
        return _render(request, "report/_sources.html", **context)
    return _render(request, "report/sources.html", **context)


# --- public: you said, we did; claim codes; progress --------------------------------------------


async def you_said_we_did(request: Request) -> Response:
    consultation = await _consultation(request)
    raw_page = request.query_params.get("page", "1")
    page_number = max(1, int(raw_page) if raw_page.isdigit() and len(raw_page) < 6 else 1)
    rows, has_more = await _response_rows(request, consultation, False, page_number)
    return _render(
        request,
        "report/you_said_we_did.html",
        consultation=consultation,
        rows=rows,
        page_number=page_number,
        has_more=has_more,
        progress=await responses.progress(request.state.db, consultation.id),
    )


async def progress(request: Request) -> Response:
    consultation = await _consultation(request)
    return _render(
        request,
        "report/_progress.html",
        consultation=consultation,
        progress=await responses.progress(request.state.db, consultation.id),
    )


async def my_input(request: Request) -> Response:
    """Any claim code (a contribution's, or a feature's such as a survey response's): what
    happened to that input. One rate-limit bucket per network for every kind of code."""
    if request.method == "GET":
        return _render(request, "report/my_input.html", code="")
    data, _multi = await _form(request)
    code = data.get("code", "")[:64]
    host = request.client.host if request.client else None
    network = responses.claim_network_key(request.app.state.settings.key, host)
    providers = claims.providers_for(request.app.state.features)
    try:
        found = await claims.find(request.state.db, code, providers, network=network)
    except DomainError as exc:
        response = _render(
            request,
            "report/my_input.html",
            exc.status,
            code=code,
            errors={"code": exc.message},
            message=exc.message,
        )
        response.headers.update(exc.headers)
        return response
    if isinstance(found, claims.FeatureClaim):
        return _render(request, "report/my_input.html", code="", found=found)
    return _render(request, "report/my_input.html", code="", claimed=found)


# --- the report and its exports -----------------------------------------------------------------


def _in_report_language(handler: Handler) -> Handler:
    """With ?lang=pl|en the whole report (headings, tables, exports) is in that language."""

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        lang = request.query_params.get("lang", "")
        if lang not in ("pl", "en"):
            return await handler(request)
        with i18n.language(lang):
            return await handler(request)

    return wrapper


async def _report(request: Request) -> service.ReportData:
    consultation = await _consultation(request)
    return await service.build(
        request.state.db,
        request.state.principal,
        consultation,
        _language(request),
        _providers(request),
    )


def _filename(data: service.ReportData, extension: str) -> str:
    return f"raport-{data.consultation.slug or data.consultation.id}-{data.language}.{extension}"


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@dataclass(frozen=True)
class TablePage:
    """One page of the report's table of contributions on the web (print and PDF list all)."""

    rows: list[service.Row]
    page: int
    pages: int
    matching: int
    theme: str
    status: str
    show_all: bool
    themes: list[str]
    statuses: list[tuple[str, str]]
    language: str = ""  # ?lang= of the request, kept in the pager's links

    @property
    def first(self) -> int:
        """The number of the first row shown (1-based), 0 when nothing matches."""
        return 0 if not self.rows else 1 if self.show_all else (self.page - 1) * TABLE_PAGE + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    def link(self, **changes: Any) -> str:
        """The query of this view with some parameters changed (page 1 and empty ones left out)."""
        params = {
            "lang": self.language,
            "theme": self.theme,
            "status": self.status,
            "page": self.page,
            **changes,
        }
        query = {k: v for k, v in params.items() if v not in ("", None) and (k, v) != ("page", 1)}
        return "?" + urlencode(query) + "#r-table"


def _table_page(request: Request, data: service.ReportData) -> TablePage:
    params = request.query_params
    themes = sorted({name for row in data.rows for name in row.themes})
    statuses = [("open", str(_l("No answer yet"))), *_status_choices()]
    theme = params.get("theme", "")
    theme = theme if theme in themes else ""
    status = params.get("status", "")
    status = status if status in dict(statuses) else ""
    rows = data.rows
    if theme:
        rows = [row for row in rows if theme in row.themes]
    if status == "open":
        rows = [row for row in rows if row.status is None]
    elif status:
        rows = [row for row in rows if row.status is not None and row.status.value == status]
    show_all = params.get("all") == "1"
    pages = max(1, -(-len(rows) // TABLE_PAGE))
    raw = params.get("page", "1")
    page_number = min(pages, max(1, int(raw) if raw.isdigit() and len(raw) < 7 else 1))
    shown = rows if show_all else rows[(page_number - 1) * TABLE_PAGE : page_number * TABLE_PAGE]
    lang = params.get("lang", "")
    return TablePage(
        shown,
        page_number,
        pages,
        len(rows),
        theme,
        status,
        show_all,
        themes,
        statuses,
        lang if lang in ("pl", "en") else "",
    )


@_in_report_language
async def report_page(request: Request) -> Response:
    data = await _report(request)
    principal = request.state.principal
    consultation = data.consultation
    return _render(
        request,
        "report/report.html",
        report=data,
        table=_table_page(request, data),
        consultation=consultation,
        is_staff=can(
            principal,
            CONSULTATION_VIEW_DRAFT,
            consultation_service.scope_of(consultation),
        ),
        channels=[c.value for c in Channel],
    )


@_in_report_language
async def report_pdf(request: Request) -> Response:
    data = await _report(request)
    html = request.app.state.templates.render(
        request,
        "report/print.html",
        report=data,
        consultation=data.consultation,
        pdf=True,
        # Printed links must work off the site: the public address, not a path.
        site_url=request.app.state.settings.base_url.rstrip("/"),
        print_css=(static_dir() / "css" / "report-print.css").read_text(encoding="utf-8"),
        response_label=response_label,
    )
    body = await asyncio.to_thread(render_pdf, html, str(request.base_url))
    return _download(body, "application/pdf", _filename(data, "pdf"))


@_in_report_language
async def report_csv(request: Request) -> Response:
    data = await _report(request)
    body = exporting.write_csv(service.table_rows(data), service.table_header())
    return _download(body, "text/csv; charset=utf-8", _filename(data, "csv"))


@_in_report_language
async def report_xlsx(request: Request) -> Response:
    data = await _report(request)
    sheets = {i18n.gettext("Contributions"): (service.table_header(), service.table_rows(data))}
    if data.survey_results:
        sheets[i18n.gettext("Survey results")] = (
            service.survey_header(),
            service.survey_rows(data),
        )
    body = exporting.write_xlsx(sheets)
    return _download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _filename(data, "xlsx"),
    )


@_in_report_language
async def report_json(request: Request) -> Response:
    data = await _report(request)
    return Response(
        exporting.write_json(service.open_data(data)),
        media_type="application/json",
        headers={"Content-Disposition": f'inline; filename="{_filename(data, "json")}"'},
    )


def routes() -> list[BaseRoute]:
    staff = "/staff/consultations/{consultation_id:int}"
    public = "/consultations/{consultation_id:int}"
    post = ["POST"]
    return [
        page(staff + "/report", staff_report, action=REPORT_WRITE, name="report:staff"),
        page(staff + "/report", save_report, action=REPORT_WRITE, name="report:save", methods=post),
        page(staff + "/responses", staff_responses, action=RESPONSE_WRITE, name="report:responses"),
        page(
            staff + "/responses",
            save_response,
            action=RESPONSE_WRITE,
            name="report:respond",
            methods=post,
        ),
        page(staff + "/summary", staff_summary, action=SUMMARY_WRITE, name="report:summary"),
        page(
            staff + "/summary/generate",
            generate_summary,
            action=SUMMARY_WRITE,
            name="report:generate",
            methods=post,
        ),
        page(
            staff + "/summary",
            save_summary,
            action=SUMMARY_WRITE,
            name="report:save_summary",
            methods=post,
        ),
        page(public + "/what-we-heard", what_we_heard, action=VIEW_PUBLIC, name="report:heard"),
        page(
            public + "/what-we-heard/sources/{section:int}/{sentence:int}",
            summary_sources,
            action=VIEW_PUBLIC,
            name="report:sources",
        ),
        page(
            public + "/you-said-we-did", you_said_we_did, action=VIEW_PUBLIC, name="report:answers"
        ),
        page(public + "/answer-progress", progress, action=VIEW_PUBLIC, name="report:progress"),
        page(public + "/report", report_page, action=VIEW_PUBLIC, name="report:page"),
        page(public + "/report.pdf", report_pdf, action=VIEW_PUBLIC, name="report:pdf"),
        page(public + "/report.csv", report_csv, action=VIEW_PUBLIC, name="report:csv"),
        page(public + "/report.xlsx", report_xlsx, action=VIEW_PUBLIC, name="report:xlsx"),
        page(public + "/report.json", report_json, action=VIEW_PUBLIC, name="report:json"),
        page(
            "/my-input", my_input, action=TAKE_PART, name="report:my_input", methods=["GET", "POST"]
        ),
    ]
