"""The surveys' part of the consultation report: published results per question, for the core.

Named in ``deliberation.services.report_sections.PROVIDERS``; the core calls it without
importing this package. Reuses the results computation (``surveys.results``), the presentation
(``surveys.presentation``) and the accessible charts (``surveys.charts``); nothing is counted
here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation import i18n
from deliberation.models import Consultation, Contribution, ModerationState
from deliberation.permissions import Principal
from deliberation.services.report_sections import QuestionResult, ResultLine, SurveyReport
from surveys import definition as d
from surveys.charts import bar_chart_svg
from surveys.models import Survey, SurveyAnswer, SurveyResponse, SurveyStatus
from surveys.presentation import QuestionView, question_views
from surveys.responses import SOURCE
from surveys.results import compute_results
from surveys.web import ONE

CHOICES = (d.SingleChoiceQuestion, d.MultipleChoiceQuestion, d.RankingQuestion)


def results_path(survey: Survey) -> str:
    path = ONE.replace(":int", "").format(
        consultation_id=survey.consultation_id, survey_id=survey.id
    )
    return path + "/results"


async def survey_reports(
    session: AsyncSession, principal: Principal, consultation: Consultation, language: str
) -> list[SurveyReport]:
    """Every survey of the consultation whose results are published, in survey order."""
    surveys = await session.scalars(
        select(Survey)
        .where(
            Survey.consultation_id == consultation.id,
            Survey.results_published.is_(True),
            Survey.status != SurveyStatus.DRAFT,
        )
        .order_by(Survey.id)
    )
    reports = []
    for survey in list(surveys):
        results = await compute_results(session, principal, consultation, survey)
        with i18n.language(language):
            views = question_views(results)
            questions = tuple(_question(survey, view) for view in views)
        reports.append(
            SurveyReport(
                id=survey.id,
                title=survey.title,
                url=results_path(survey),
                responses=results.total,
                by_channel=dict(results.responses),
                questions=questions,
                text_contribution_ids=await _text_contributions(session, survey.id),
            )
        )
    return reports


def _question(survey: Survey, view: QuestionView) -> QuestionResult:
    chart = ""
    if view.chart:
        # The same chart as on the survey's page, with ids unique in a report of many surveys.
        pairs = [(row.label, row.count) for row in view.rows]
        description = "; ".join(
            f"{row.label}: {row.percent} ({row.count_text})" for row in view.rows
        )
        chart = bar_chart_svg(
            view.question.title,
            description,
            pairs,
            total=view.total,
            language=i18n.get_language(),
            chart_id=f"survey-{survey.id}-chart-{view.question.key}",
        )
    # channel_rows lines up with rows (the survey's results page pairs them by position).
    channels = [(online, paper) for _label, online, paper in view.channel_rows]
    channels += [(0, 0)] * (len(view.rows) - len(channels))
    return QuestionResult(
        key=view.question.key,
        title=view.question.title,
        respondents=view.total,
        reading=view.reading,
        chart_svg=chart,
        lines=tuple(
            ResultLine(
                label=row.label,
                count=row.count,
                count_text=row.count_text,
                percent=row.percent,
                online=channels[index][0],
                paper=channels[index][1],
            )
            for index, row in enumerate(view.rows)
        ),
        choice=isinstance(view.question, CHOICES),
        columns=tuple(view.columns),
        matrix=tuple((label, tuple(counts)) for label, counts in view.matrix),
        quotes=tuple(view.quotes),
    )


async def _text_contributions(session: AsyncSession, survey_id: int) -> tuple[int, ...]:
    """Visible contributions made from this survey's open answers."""
    rows = await session.scalars(
        select(Contribution.id)
        .join(
            SurveyAnswer,
            (Contribution.source_type == SOURCE) & (Contribution.source_id == SurveyAnswer.id),
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(
            SurveyResponse.survey_id == survey_id,
            Contribution.moderation_state == ModerationState.VISIBLE,
        )
        .order_by(Contribution.id)
    )
    return tuple(rows)
