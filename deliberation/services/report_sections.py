"""Survey results for the report and the "what we heard" summary, computed by the surveys feature.

The core never imports a feature. A feature with results for the report names a provider in
``PROVIDERS`` (feature name -> "module:function"); it is loaded by name, like the manifests, and
only when that feature is wired into the app. A provider returns ``SurveyReport`` objects for
the consultation's surveys whose results are published, in the language asked for, with the
feature's own accessible chart, table rows and one-sentence reading per question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.features import wired_providers
from deliberation.models import Consultation
from deliberation.permissions import Principal
from deliberation.summary import SurveyHighlight

# Questions of one survey quoted in the summary: the ones most people answered.
HIGHLIGHTS_PER_SURVEY = 3


@dataclass(frozen=True)
class ResultLine:
    """One answer of a charted question: its label, count and share, formatted."""

    label: str
    count: int
    count_text: str
    percent: str
    online: int = 0
    paper: int = 0


@dataclass(frozen=True)
class QuestionResult:
    key: str
    title: str
    respondents: int
    reading: str = ""
    # A self-contained SVG (role="img", <title> and <desc>) made by the feature from the same
    # numbers as `lines`; the report shows it next to the table.
    chart_svg: str = ""
    lines: tuple[ResultLine, ...] = ()
    # For highlights: lines are choices (single, multiple, ranked first), not scale values.
    choice: bool = False
    columns: tuple[str, ...] = ()  # matrix questions: column labels
    matrix: tuple[tuple[str, tuple[int, ...]], ...] = ()  # row label, count per column
    quotes: tuple[str, ...] = ()  # visible open answers only


@dataclass(frozen=True)
class SurveyReport:
    id: int
    title: str
    url: str  # the survey's public results page (a path)
    responses: int
    by_channel: dict[str, int]
    questions: tuple[QuestionResult, ...]
    # Visible contributions made from this survey's open answers: the summary cites them.
    text_contribution_ids: tuple[int, ...] = field(default_factory=tuple)


Provider = Callable[[AsyncSession, Principal, Consultation, str], Awaitable[Sequence[SurveyReport]]]

PROVIDERS: dict[str, str] = {"surveys": "surveys.report:survey_reports"}


def providers_for(features: Iterable[Any]) -> list[Provider]:
    """The providers of the features wired into the app (``app.state.features``)."""
    return wired_providers(features, PROVIDERS)


async def survey_reports(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    language: str,
    providers: Sequence[Provider],
) -> list[SurveyReport]:
    reports: list[SurveyReport] = []
    for provider in providers:
        reports.extend(await provider(session, principal, consultation, language))
    return reports


def highlights(reports: Iterable[SurveyReport]) -> list[SurveyHighlight]:
    """The leading answer of the most answered choice questions of each survey, for the summary.

    Each cites the survey's visible open-answer contributions and links to its results page.
    """
    found: list[SurveyHighlight] = []
    for report in reports:
        charted = [q for q in report.questions if q.choice and q.respondents and any(q.lines)]
        charted.sort(key=lambda q: -q.respondents)  # stable: the survey's order among equals
        for question in charted[:HIGHLIGHTS_PER_SURVEY]:
            top = max(question.lines, key=lambda line: line.count)
            if top.count == 0:
                continue
            found.append(
                SurveyHighlight(
                    question=question.title,
                    option=top.label,
                    percent=min(100.0, 100.0 * top.count / question.respondents),
                    respondents=question.respondents,
                    source_ids=report.text_contribution_ids,
                    link=f"{report.url}#result-{question.key}",
                )
            )
    return found


def open_data(reports: Iterable[SurveyReport]) -> list[dict[str, Any]]:
    """Survey results for the report's JSON: numbers and texts, no markup."""
    return [
        {
            "id": r.id,
            "title": r.title,
            "url": r.url,
            "responses": r.responses,
            "by_channel": dict(r.by_channel),
            "questions": [
                {
                    "key": q.key,
                    "title": q.title,
                    "respondents": q.respondents,
                    "reading": q.reading or None,
                    "answers": [
                        {
                            "label": line.label,
                            "count": line.count,
                            "online": line.online,
                            "paper": line.paper,
                        }
                        for line in q.lines
                    ],
                    "matrix": (
                        {"columns": list(q.columns), "rows": [[lb, list(c)] for lb, c in q.matrix]}
                        if q.matrix
                        else None
                    ),
                    "quotes": list(q.quotes),
                }
                for q in r.questions
            ],
        }
        for r in reports
    ]
