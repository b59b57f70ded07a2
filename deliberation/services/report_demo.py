"""The report's part of the demo: answers to some contributions and a published summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.models import Consultation, Contribution, User
from deliberation.services import accounts, report_sections, responses, summaries

DEMO_ANSWERS = (
    ("accepted", "Wymienimy latarnie przy głównej alejce i przy stawie. Prace ruszą jesienią."),
    ("partly_accepted", "Postawimy nowe ławki. Toaletę sprawdzimy w przyszłym roku."),
    ("not_accepted", "Parking zabrałby część zieleni. Zostawiamy park bez nowych miejsc."),
    ("answered", "Plac zabaw będzie miał ogrodzenie i miękką nawierzchnię."),
)


async def load_report_demo(
    session: AsyncSession,
    consultation: Consultation,
    facilitator: User,
    contributions: Sequence[Contribution],
    features: Sequence[Any] = (),
) -> None:
    """Answer the first contributions with each status, then draft and publish the summary
    (with the highlights of the features' published survey results)."""
    who = await accounts.principal_for(session, facilitator)
    for (status, justification), contribution in zip(DEMO_ANSWERS, contributions, strict=False):
        await responses.respond(
            session,
            who,
            consultation,
            status=status,
            justification=justification,
            contribution_ids=[contribution.id],
        )
    summarizer = summaries.make_summarizer(None)
    providers = report_sections.providers_for(features)
    for language in ("pl", "en"):
        surveys = await report_sections.survey_reports(
            session, who, consultation, language, providers
        )
        await summaries.generate_draft(
            session, who, consultation, language, summarizer, report_sections.highlights(surveys)
        )
        await summaries.publish(session, who, consultation, language)
