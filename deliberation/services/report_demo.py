"""The report's part of the demo: answers to some contributions and a published summary."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.models import Consultation, Contribution, User
from deliberation.services import accounts, responses, summaries

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
) -> None:
    """Answer the first contributions with each status, then draft and publish the summary."""
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
    for language in ("pl", "en"):
        await summaries.generate_draft(session, who, consultation, language, summarizer)
        await summaries.publish(session, who, consultation, language)
