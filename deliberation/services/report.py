"""The consultation report (Polish practice): facts, participation, summary, themes, surveys,
meeting notes and every contribution with the city's response; exports of its table.

Everything is loaded in a handful of bulk queries, so a record of 20,000 contributions is fine.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, select, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import NotFound, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l, gettext
from deliberation.models import (
    Channel,
    Consultation,
    ConsultationStatus,
    Contribution,
    Meeting,
    ModerationState,
    Phase,
)
from deliberation.models.report import ContributionResponse, ReportText, ResponseStatus
from deliberation.permissions import CONSULTATION_VIEW_DRAFT, Principal, Scope, authorize, can
from deliberation.services import report_sections, summaries
from deliberation.services.report_actions import REPORT_WRITE
from deliberation.services.responses import STATUS_LABELS
from deliberation.summary import Summary
from deliberation.web import labels

MAX_TEXT = 20_000
FORM_LABELS: dict[str, Any] = {
    "online": _l("Online comments"),
    "meeting": _l("Consultation meetings"),
    "paper": _l("Paper forms"),
    "survey": _l("Surveys"),
    "walk": _l("Study walks"),
    "point": _l("Consultation points"),
}


@dataclass(frozen=True)
class Row:
    """One line of the report's table of contributions."""

    id: int
    channel: Channel
    date: datetime
    text: str
    visible: bool
    themes: tuple[str, ...]
    status: ResponseStatus | None
    justification: str
    meeting_id: int | None = None


@dataclass(frozen=True)
class ThemeCount:
    name: str
    total: int
    by_channel: dict[str, int]


@dataclass(frozen=True)
class MeetingNotes:
    id: int
    title: str
    starts_at: datetime
    attendance: int | None
    points: list[Row]


@dataclass(frozen=True)
class SurveyResult:
    title: str
    responses: int


@dataclass
class ReportData:
    consultation: Consultation
    language: str
    phases: list[Phase]
    text: ReportText
    participation: dict[str, int]
    rows: list[Row]
    themes: list[ThemeCount]
    meetings: list[MeetingNotes]
    surveys: list[SurveyResult]
    summary: Summary | None
    # Per-question results of the surveys whose results are published (report_sections).
    survey_results: list[report_sections.SurveyReport] = field(default_factory=list)
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def dates(self) -> tuple[date, date] | None:
        if not self.phases:
            return None
        return min(p.starts_on for p in self.phases), max(p.ends_on for p in self.phases)

    @property
    def answered(self) -> int:
        return sum(1 for row in self.rows if row.status is not None and row.visible)

    @property
    def total_visible(self) -> int:
        return sum(1 for row in self.rows if row.visible)

    @property
    def forms(self) -> list[str]:
        return [str(FORM_LABELS.get(f, f)) for f in self.consultation.participation_forms or []]

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        counts = Counter(row.status for row in self.rows if row.status is not None)
        return [(str(STATUS_LABELS[s]), counts[s]) for s in ResponseStatus if counts[s]]


def may_read(principal: Principal, consultation: Consultation) -> bool:
    """The public reads the report once published; the consultation's staff read it any time."""
    return consultation.status is ConsultationStatus.REPORT_PUBLISHED or can(
        principal, CONSULTATION_VIEW_DRAFT, Scope(consultation.id, consultation.status)
    )


async def report_text(session: AsyncSession, consultation_id: int) -> ReportText:
    row = await session.get(ReportText, consultation_id)
    return row or ReportText(
        consultation_id=consultation_id, announcement="", conclusions="", published_in=""
    )


async def save_text(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    *,
    announcement: str,
    conclusions: str,
    published_in: str,
) -> ReportText:
    """Save the report's own texts. Emits report.text_saved. ValidationFailed."""
    authorize(principal, REPORT_WRITE, Scope(consultation.id, consultation.status))
    values = {
        "announcement": announcement.strip(),
        "conclusions": conclusions.strip(),
        "published_in": published_in.strip(),
    }
    too_long = {k: _l("This text is too long.") for k, v in values.items() if len(v) > MAX_TEXT}
    if too_long:
        raise ValidationFailed(fields=too_long)
    row = await session.get(ReportText, consultation.id)
    if row is None:
        row = ReportText(consultation_id=consultation.id)
        session.add(row)
    row.announcement = values["announcement"]
    row.conclusions = values["conclusions"]
    row.published_in = values["published_in"]
    row.updated_by_id = principal.user_id
    row.updated_at = utcnow()
    record(session, ev.ReportTextSaved(consultation_id=consultation.id))
    await commit(session)
    return row


async def _rows(session: AsyncSession, consultation_id: int) -> list[Row]:
    """Every contribution (all states: hidden ones appear without their text) with its answer."""
    # Enum columns come back as plain strings (SQLAlchemy's enum processing costs ~40 ms per
    # 1,000 rows of three enums) and are mapped with a dict below.
    columns: list[Any] = [
        Contribution.id,
        type_coerce(Contribution.channel, String),
        Contribution.created_at,
        Contribution.received_at,
        Contribution.body,
        type_coerce(Contribution.moderation_state, String),
        Contribution.hidden_reason,
        type_coerce(ContributionResponse.status, String),
        ContributionResponse.justification,
        Contribution.meeting_id,
    ]
    result = await session.execute(
        select(*columns)
        .outerjoin(ContributionResponse, ContributionResponse.contribution_id == Contribution.id)
        .where(
            Contribution.consultation_id == consultation_id,
            Contribution.moderation_state.in_(
                (ModerationState.VISIBLE, ModerationState.HIDDEN, ModerationState.REJECTED)
            ),
        )
        .order_by(Contribution.id)
    )
    themes = await summaries._themes_by_contribution(session, consultation_id)
    channels = {c.value: c for c in Channel}
    statuses = {s.value: s for s in ResponseStatus}
    rows = []
    for r in result:
        visible = r[5] == ModerationState.VISIBLE.value
        body = r[4] if visible else gettext("Hidden by a moderator: %(reason)s", reason=r[6] or "–")
        rows.append(
            Row(
                id=r[0],
                channel=channels[r[1]],
                date=r[3] or r[2],
                text=body,
                visible=visible,
                themes=tuple(themes.get(r[0], ())),
                status=statuses[r[7]] if r[7] else None,
                justification=r[8] or "",
                meeting_id=r[9],
            )
        )
    return rows


def _theme_counts(rows: list[Row]) -> list[ThemeCount]:
    totals: Counter[str] = Counter()
    channels: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        if not row.visible:
            continue
        for name in row.themes:
            totals[name] += 1
            channels[name][row.channel.value] += 1
    return [
        ThemeCount(name, total, dict(channels[name]))
        for name, total in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


async def _meetings(
    session: AsyncSession, consultation_id: int, rows: list[Row]
) -> list[MeetingNotes]:
    points: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        if row.meeting_id is not None and row.visible:
            points[row.meeting_id].append(row)
    meetings = await session.scalars(
        select(Meeting)
        .where(Meeting.consultation_id == consultation_id)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [
        MeetingNotes(
            id=m.id,
            title=m.title,
            starts_at=m.starts_at,
            attendance=m.attendance,
            points=points.get(m.id, []),
        )
        for m in meetings
    ]


async def _surveys(session: AsyncSession, consultation_id: int) -> list[SurveyResult]:
    """Survey titles and response counts, read directly (the core never imports a feature)."""
    if not (
        await summaries.has_table(session, "surveys")
        and await summaries.has_table(session, "survey_responses")
    ):
        return []
    result = await session.execute(
        text(
            "SELECT s.title, COUNT(r.id) FROM surveys s "
            "LEFT JOIN survey_responses r ON r.survey_id = s.id "
            "WHERE s.consultation_id = :cid GROUP BY s.id, s.title ORDER BY s.id"
        ),
        {"cid": consultation_id},
    )
    return [SurveyResult(title=r[0], responses=int(r[1])) for r in result]


async def build(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    language: str,
    providers: Sequence[report_sections.Provider] = (),
) -> ReportData:
    """Everything the report shows, in a few bulk queries. NotFound before it is published
    (except for the consultation's staff). `providers` add published survey results."""
    if not may_read(principal, consultation):
        raise NotFound(_l("The report of this consultation is not published yet."))
    rows = await _rows(session, consultation.id)
    participation: Counter[str] = Counter(row.channel.value for row in rows if row.visible)
    phases = list(
        await session.scalars(
            select(Phase).where(Phase.consultation_id == consultation.id).order_by(Phase.starts_on)
        )
    )
    published = await summaries.published(session, consultation.id, language)
    return ReportData(
        consultation=consultation,
        language=language,
        phases=phases,
        text=await report_text(session, consultation.id),
        participation={c.value: participation[c.value] for c in Channel if participation[c.value]},
        rows=rows,
        themes=_theme_counts(rows),
        meetings=await _meetings(session, consultation.id, rows),
        surveys=await _surveys(session, consultation.id),
        summary=published.summary if published else None,
        survey_results=await report_sections.survey_reports(
            session, principal, consultation, language, providers
        ),
    )


# --- exports ------------------------------------------------------------------------------------


def table_header() -> list[str]:
    return [
        gettext("No."),
        gettext("Channel"),
        gettext("Date"),
        gettext("Contribution"),
        gettext("Themes"),
        gettext("Response"),
        gettext("Justification"),
    ]


def table_rows(data: ReportData) -> list[list[object]]:
    return [
        [
            row.id,
            labels.CHANNELS.get(row.channel.value, row.channel.value),
            row.date.date().isoformat(),
            row.text,
            ", ".join(row.themes),
            str(STATUS_LABELS[row.status]) if row.status else gettext("No answer yet"),
            row.justification,
        ]
        for row in data.rows
    ]


def survey_header() -> list[str]:
    return [
        gettext("Survey"),
        gettext("Question"),
        gettext("Answer"),
        gettext("Online"),
        gettext("On paper"),
        gettext("Total"),
        gettext("Share"),
    ]


def survey_rows(data: ReportData) -> list[list[object]]:
    """Published survey results as a flat table (the XLSX's second sheet)."""
    out: list[list[object]] = []
    for survey in data.survey_results:
        for q in survey.questions:
            for line in q.lines:
                row: list[object] = [survey.title, q.title, line.label, line.online, line.paper]
                out.append([*row, line.count, line.percent])
            for label, counts in q.matrix:
                for column, n in zip(q.columns, counts, strict=False):
                    out.append([survey.title, q.title, f"{label}: {column}", "", "", n, ""])
    return out


def open_data(data: ReportData) -> dict[str, Any]:
    """The report as JSON open data: stable keys and codes, texts in the report's language."""
    c = data.consultation
    dates = data.dates
    return {
        "consultation": {
            "id": c.id,
            "title": c.title,
            "status": c.status.value,
            "legal_basis": getattr(c, "legal_basis", ""),
            "organizer": getattr(c, "organizer", ""),
            "starts_on": dates[0] if dates else None,
            "ends_on": dates[1] if dates else None,
            "participation_forms": list(c.participation_forms or []),
        },
        "language": data.language,
        "generated_at": data.generated_at,
        "announcement": data.text.announcement,
        "conclusions": data.text.conclusions,
        "published_in": data.text.published_in,
        "participation": data.participation,
        "themes": [
            {"name": t.name, "total": t.total, "by_channel": t.by_channel} for t in data.themes
        ],
        "summary": data.summary.to_dict() if data.summary else None,
        "surveys": [{"title": s.title, "responses": s.responses} for s in data.surveys],
        "survey_results": report_sections.open_data(data.survey_results),
        "contributions": [
            {
                "id": row.id,
                "channel": row.channel.value,
                "date": row.date,
                "text": row.text,
                "visible": row.visible,
                "themes": list(row.themes),
                "response": row.status.value if row.status else None,
                "justification": row.justification or None,
            }
            for row in data.rows
        ],
    }
