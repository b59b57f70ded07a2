"""The surveys feature's claim provider for the core's "what happened to my input?" page.

Named in ``deliberation.services.claims.PROVIDERS`` and loaded only when the feature is wired
in. A survey response's code shows the response as counted and, for each open answer that became
a contribution, the city's response and justification, or the contribution's moderation state.
Only this response's own answers are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.models import Contribution
from deliberation.models.report import ContributionResponse
from deliberation.services.claims import FeatureClaim
from deliberation.services.responses import response_of
from surveys import responses
from surveys.web.present import answer_text

TEMPLATE = "surveys/_claimed.html"


@dataclass(frozen=True)
class OpenAnswer:
    """One open answer of the response that became a contribution, and what the city said."""

    question: str
    contribution: Contribution
    response: ContributionResponse | None


@dataclass(frozen=True)
class SurveyClaim:
    claimed: responses.Claimed
    answered: tuple[tuple[str, str], ...]  # question title, the answer in words
    open_answers: tuple[OpenAnswer, ...]


async def find_claim(session: AsyncSession, code: str) -> FeatureClaim | None:
    claimed = await responses.find_claimed(session, code)
    if claimed is None:
        return None
    answers = claimed.response.answers
    questions = [q for q in claimed.definition.questions() if q.key in answers]
    contributions = await responses.text_contributions(session, claimed.response.id)
    titles = {q.key: q.title for q in claimed.definition.questions()}
    order = {q.key: n for n, q in enumerate(claimed.definition.questions())}
    opened = sorted(contributions.items(), key=lambda item: (order.get(item[0][0], 0), item[1].id))
    open_answers = [
        OpenAnswer(
            titles.get(question, question),
            contribution,
            await response_of(session, contribution.id),
        )
        for (question, _text), contribution in opened
    ]
    return FeatureClaim(
        TEMPLATE,
        SurveyClaim(
            claimed=claimed,
            answered=tuple((q.title, str(answer_text(q, answers[q.key]))) for q in questions),
            open_answers=tuple(open_answers),
        ),
    )
