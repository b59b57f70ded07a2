"""Results of one survey version, counted by the database: per question, per channel, cross-tabs.

SUM ... GROUP BY over the folded tallies plus the responses not folded yet (``surveys.tallies``)
gives every count; Python only arranges the numbers for the page. Unpublished results are for
the consultation's facilitators.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Subquery, and_, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import NotFound
from deliberation.models import Consultation, Contribution, ModerationState
from deliberation.permissions import Principal, authorize
from surveys import definition as d
from surveys.answers import TEXT_TYPES
from surveys.definition import OTHER, OTHER_LABEL
from surveys.models import (
    ResponseChannel,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyTally,
    SurveyVersion,
)
from surveys.permissions import SURVEY_SEE_RESPONSES
from surveys.responses import SOURCE
from surveys.services import parsed_definition, scope
from surveys.tallies import ANSWERED, count_selects, single_choice_keys, unfolded

CHANNELS = (ResponseChannel.ONLINE.value, ResponseChannel.PAPER.value)
QUOTES_PER_QUESTION = 5


@dataclass
class QuestionCounts:
    """Counts for one question: (item, value) -> channel -> n, and respondents per channel."""

    question: d.Question
    cells: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    mean: float | None = None
    low: float | None = None
    high: float | None = None
    quotes: list[str] = field(default_factory=list)

    def count(self, item: str, value: str = "", channel: str | None = None) -> int:
        by_channel = self.cells.get((item, value), {})
        return by_channel.get(channel, 0) if channel else sum(by_channel.values())

    @property
    def total(self) -> int:
        return sum(self.answered.values())


@dataclass
class Results:
    survey: Survey
    version: SurveyVersion
    definition: d.Survey
    versions: list[tuple[int, int]]  # (number, responses) for every version
    responses: dict[str, int]  # channel -> responses to this version
    questions: list[QuestionCounts]
    crosstab_by: d.SingleChoiceQuestion | None = None
    # question -> group (item of the "by" question) -> (item, value) -> n
    crosstab: dict[str, dict[str, dict[tuple[str, str], int]]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.responses.values())


def may_see(principal: Principal, consultation: Consultation, survey: Survey) -> None:
    if not survey.results_published:
        authorize(principal, SURVEY_SEE_RESPONSES, scope(consultation))


async def compute_results(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    survey: Survey,
    *,
    version_number: int | None = None,
    by: str | None = None,
    quotes: bool = True,
) -> Results:
    """Counts for one version (default: the current one). PermissionDenied when unpublished."""
    may_see(principal, consultation, survey)
    versions = await _versions(session, survey)
    number = version_number or survey.current_version
    version = await session.scalar(
        select(SurveyVersion).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.number == number
        )
    )
    if version is None:
        raise NotFound()
    definition = parsed_definition(version)
    counts = {q.key: QuestionCounts(q) for q in definition.questions()}
    responses = await _responses(session, version.id)
    await _cells(session, version.id, counts)
    await _numbers(session, version.id, counts)
    if quotes:
        await _quotes(session, version.id, counts)
    results = Results(survey, version, definition, versions, responses, list(counts.values()))
    target = definition.question(by) if by else None
    if isinstance(target, d.SingleChoiceQuestion) and target.key in single_choice_keys(definition):
        results.crosstab_by = target
        results.crosstab = await crosstab(session, version.id, target.key)
    return results


async def _versions(session: AsyncSession, survey: Survey) -> list[tuple[int, int]]:
    rows = await session.execute(
        select(SurveyVersion.number, func.count(SurveyResponse.id))
        .outerjoin(SurveyResponse, SurveyResponse.version_id == SurveyVersion.id)
        .where(SurveyVersion.survey_id == survey.id)
        .group_by(SurveyVersion.number)
        .order_by(SurveyVersion.number)
    )
    return [(int(n), int(c)) for n, c in rows]


async def _responses(session: AsyncSession, version_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(SurveyResponse.channel, func.count())
        .where(SurveyResponse.version_id == version_id)
        .group_by(SurveyResponse.channel)
    )
    found = {channel.value: int(n) for channel, n in rows}
    return {channel: found.get(channel, 0) for channel in CHANNELS}


def _with_unfolded(version_id: int, group: str) -> Subquery:
    """The folded tallies of one group ("" = plain counts) and the same counts of the responses
    not folded yet, as rows to SUM: read in one statement, so in one snapshot."""
    t = SurveyTally
    folded = select(t.grp_question, t.grp_item, t.question, t.item, t.value, t.channel, t.n).where(
        t.version_id == version_id, t.grp_question == group
    )
    pending = count_selects(
        version_id, unfolded(version_id), [group] if group else [], plain=not group
    )
    return union_all(folded, *pending).subquery()


async def _cells(session: AsyncSession, version_id: int, counts: dict[str, QuestionCounts]) -> None:
    """Plain counts and respondents per question: tallies plus responses not folded yet."""
    u = _with_unfolded(version_id, "")
    rows = await session.execute(
        select(u.c.question, u.c.item, u.c.value, u.c.channel, func.sum(u.c.n)).group_by(
            u.c.question, u.c.item, u.c.value, u.c.channel
        )
    )
    for question, item, value, channel, n in rows:
        target = counts.get(question)
        if target is None or not n:
            continue
        if item == ANSWERED:
            target.answered[channel.value] = int(n)
        else:
            target.cells.setdefault((item, value), {})[channel.value] = int(n)


async def _numbers(
    session: AsyncSession, version_id: int, counts: dict[str, QuestionCounts]
) -> None:
    keys = [key for key, c in counts.items() if c.question.type == "number"]
    if not keys:
        return
    a = SurveyAnswer
    rows = await session.execute(
        select(a.question, func.avg(a.num), func.min(a.num), func.max(a.num))
        .where(a.version_id == version_id, a.question.in_(keys))
        .group_by(a.question)
    )
    for question, mean, low, high in rows:
        target = counts[question]
        target.mean = float(mean) if mean is not None else None
        target.low, target.high = low, high


async def _quotes(
    session: AsyncSession, version_id: int, counts: dict[str, QuestionCounts]
) -> None:
    """Open answers that are visible in the contribution record: only those are quoted."""
    for key, c in counts.items():
        if c.question.type not in TEXT_TYPES:
            continue
        rows = await session.scalars(
            select(Contribution.body)
            .join(
                SurveyAnswer,
                and_(Contribution.source_type == SOURCE, Contribution.source_id == SurveyAnswer.id),
            )
            .where(
                SurveyAnswer.version_id == version_id,
                SurveyAnswer.question == key,
                Contribution.moderation_state == ModerationState.VISIBLE,
            )
            .order_by(Contribution.id.desc())
            .limit(QUOTES_PER_QUESTION)
        )
        c.quotes = list(rows)


async def crosstab(
    session: AsyncSession, version_id: int, by_key: str
) -> dict[str, dict[str, dict[tuple[str, str], int]]]:
    """Counts of every question split by the answer to one single-choice question."""
    u = _with_unfolded(version_id, by_key)
    rows = await session.execute(
        select(u.c.question, u.c.grp_item, u.c.item, u.c.value, func.sum(u.c.n)).group_by(
            u.c.question, u.c.grp_item, u.c.item, u.c.value
        )
    )
    table: dict[str, dict[str, dict[tuple[str, str], int]]] = defaultdict(lambda: defaultdict(dict))
    for question, group, item, value, n in rows:
        if n:
            table[question][group][(item, value)] = int(n)
    return {q: dict(groups) for q, groups in table.items()}


def labels_of(question: d.Question) -> dict[str, str]:
    """Item key -> label for the items a question's rows carry."""
    if isinstance(question, d.SingleChoiceQuestion | d.MultipleChoiceQuestion):
        labels = {o.key: o.label for o in question.options}
        if question.allow_other:
            labels[OTHER] = str(OTHER_LABEL)
        return labels
    if isinstance(question, d.RankingQuestion):
        return {o.key: o.label for o in question.options}
    if isinstance(question, d.MatrixQuestion):
        return {o.key: o.label for o in question.rows}
    if isinstance(question, d.ScaleQuestion):
        return {str(v): str(v) for v in range(question.min, question.max + 1)}
    return {}


def rows_for_export(results: Results) -> list[list[Any]]:
    """The results as a flat table: question, answer, column, online, paper, total."""
    out: list[list[Any]] = []
    for c in results.questions:
        labels = labels_of(c.question)
        columns = (
            {o.key: o.label for o in c.question.columns}
            if isinstance(c.question, d.MatrixQuestion)
            else {}
        )
        for (item, value), by_channel in sorted(c.cells.items()):
            if c.question.type in TEXT_TYPES or c.question.type in ("number", "date"):
                continue
            online, paper = by_channel.get("online", 0), by_channel.get("paper", 0)
            out.append(
                [
                    c.question.title,
                    labels.get(item, item),
                    columns.get(value, value),
                    online,
                    paper,
                    online + paper,
                ]
            )
        if c.question.type in ("number", "date") or c.question.type in TEXT_TYPES:
            out.append(
                [
                    c.question.title,
                    "",
                    "",
                    c.answered.get("online", 0),
                    c.answered.get("paper", 0),
                    c.total,
                ]
            )
    return out
