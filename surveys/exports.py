"""Exports of a survey's responses (staff only) and results, as CSV, XLSX and JSON.

Cells go through ``deliberation.exporting``, which neutralizes spreadsheet formulas.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import NotFound
from deliberation.exporting import write_csv, write_json, write_xlsx
from deliberation.i18n import gettext
from deliberation.models import Consultation
from deliberation.permissions import Principal, authorize
from surveys import definition as d
from surveys.models import Survey, SurveyResponse, SurveyVersion
from surveys.permissions import SURVEY_SEE_RESPONSES
from surveys.results import Results, rows_for_export
from surveys.services import scope
from surveys.web.present import answer_text

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


async def response_table(
    session: AsyncSession, principal: Principal, consultation: Consultation, survey: Survey
) -> tuple[list[str], list[list[Any]], list[dict[str, Any]]]:
    """Header, rows (one per response, answers in words) and the raw records for JSON."""
    authorize(principal, SURVEY_SEE_RESPONSES, scope(consultation))
    versions = {
        v.id: (v.number, d.Survey.model_validate(v.definition))
        for v in await session.scalars(
            select(SurveyVersion).where(SurveyVersion.survey_id == survey.id)
        )
    }
    if not versions:
        raise NotFound()
    latest = max(versions.values(), key=lambda pair: pair[0])[1]
    questions = list(latest.questions())
    header = [
        gettext("Response"),
        gettext("Version"),
        gettext("Channel"),
        gettext("Submitted"),
        gettext("Received on paper"),
        *[q.title for q in questions],
    ]
    rows: list[list[Any]] = []
    records: list[dict[str, Any]] = []
    result = await session.stream_scalars(
        select(SurveyResponse)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(SurveyResponse.id)
    )
    async for response in result:
        number, definition = versions[response.version_id]
        cells = []
        for q in questions:
            asked = definition.question(q.key)
            value = response.answers.get(q.key)
            cells.append(
                answer_text(asked, value) if asked is not None and value is not None else ""
            )
        rows.append(
            [
                response.id,
                number,
                response.channel.value,
                response.submitted_at,
                response.received_on,
                *cells,
            ]
        )
        records.append(
            {
                "id": response.id,
                "version": number,
                "channel": response.channel.value,
                "submitted_at": response.submitted_at,
                "received_on": response.received_on,
                "answers": response.answers,
            }
        )
    return header, rows, records


def results_table(results: Results) -> tuple[list[str], list[list[Any]]]:
    header = [
        gettext("Question"),
        gettext("Answer"),
        gettext("Column"),
        gettext("Online"),
        gettext("On paper"),
        gettext("Total"),
    ]
    return header, rows_for_export(results)


def encode(fmt: str, name: str, header: list[str], rows: list[list[Any]], raw: Any) -> bytes:
    if fmt == "csv":
        return write_csv(rows, header)
    if fmt == "xlsx":
        return write_xlsx({name: (header, rows)})
    return write_json(raw)
