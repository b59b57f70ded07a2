"""What we heard: the summary of a consultation's record, drafted, edited and published.

The draft regenerates from the record; the published version is a copy of the draft with its
sources (JSON) and never changes when new input arrives.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, inspect, select, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import Conflict, NotFound, ValidationFailed
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.i18n import _l
from deliberation.models import (
    Consultation,
    Contribution,
    ContributionLink,
    LinkKind,
    Meeting,
    ModerationState,
    Theme,
    contribution_themes,
)
from deliberation.models.report import ConsultationSummary, SummaryState
from deliberation.permissions import Principal, Scope, authorize
from deliberation.services.report_actions import SUMMARY_WRITE
from deliberation.summary import (
    BuiltinSummarizer,
    HttpSummarizer,
    Section,
    Sentence,
    Summarizer,
    SummarizerError,
    Summary,
    SummaryItem,
    SurveyHighlight,
)
from deliberation.summary import (
    Channel as SummaryChannel,
)

MAX_SENTENCE = 600
# Facilitators' themes are their own work: show up to this many (the generator's default is 6).
MAX_THEMES = 12


def make_summarizer(url: str | None) -> Summarizer:
    """The built-in summarizer, or an external one when DELIBERATION_SUMMARIZER_URL is set."""
    return HttpSummarizer(url) if url else BuiltinSummarizer(max_themes=MAX_THEMES)


async def has_table(session: AsyncSession, name: str) -> bool:
    """Whether a feature's table exists yet (features migrate on their own branches)."""
    return await session.run_sync(lambda s: inspect(s.connection()).has_table(name))


async def _themes_by_contribution(
    session: AsyncSession, consultation_id: int
) -> dict[int, list[str]]:
    rows = await session.execute(
        select(contribution_themes.c.contribution_id, Theme.name)
        .join(Theme, Theme.id == contribution_themes.c.theme_id)
        .where(Theme.consultation_id == consultation_id)
        .order_by(Theme.name)
    )
    themes: dict[int, list[str]] = defaultdict(list)
    for contribution_id, name in rows:
        themes[contribution_id].append(name)
    return themes


async def _answered(session: AsyncSession, consultation_id: int) -> set[int]:
    """Live questions marked answered in a room, or answered by a linked contribution."""
    answered = set(
        await session.scalars(
            select(ContributionLink.to_id)
            .join(Contribution, Contribution.id == ContributionLink.to_id)
            .where(
                Contribution.consultation_id == consultation_id,
                ContributionLink.kind == LinkKind.ANSWERS,
            )
        )
    )
    if await has_table(session, "room_questions"):
        rows = await session.execute(
            text(
                "SELECT q.contribution_id FROM room_questions q "
                "JOIN contributions c ON c.id = q.contribution_id "
                "WHERE c.consultation_id = :cid AND q.answered = :yes"
            ),
            {"cid": consultation_id, "yes": True},
        )
        answered.update(row[0] for row in rows)
    return answered


async def _meeting_titles(session: AsyncSession, consultation_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(Meeting.id, Meeting.title).where(Meeting.consultation_id == consultation_id)
    )
    return {row[0]: row[1] for row in rows}


async def load_items(session: AsyncSession, consultation_id: int) -> list[SummaryItem]:
    """Every visible contribution of the consultation as a SummaryItem, in a few bulk queries."""
    rows = await session.execute(
        select(
            Contribution.id,
            type_coerce(Contribution.channel, String),  # a plain string: no enum processing
            Contribution.body,
            Contribution.support_count,
            Contribution.created_at,
            Contribution.meeting_id,
        )
        .where(
            Contribution.consultation_id == consultation_id,
            Contribution.moderation_state == ModerationState.VISIBLE,
        )
        .order_by(Contribution.id)
    )
    themes = await _themes_by_contribution(session, consultation_id)
    answered = await _answered(session, consultation_id)
    meetings = await _meeting_titles(session, consultation_id)
    channels = {c.value: c for c in SummaryChannel}
    items = []
    for row in rows:
        meeting_id = row[5]
        items.append(
            SummaryItem(
                id=row[0],
                channel=channels[row[1]],
                text=row[2],
                themes=tuple(themes.get(row[0], ())),
                support=max(0, row[3] or 0),
                answered=row[0] in answered,
                meeting_title=meetings.get(meeting_id) if meeting_id else None,
                created_at=row[4],
            )
        )
    return items


async def summarize(
    items: Sequence[SummaryItem],
    language: str,
    summarizer: Summarizer,
    survey_highlights: Sequence[SurveyHighlight] = (),
) -> Summary:
    """Run the (CPU-bound or remote) summarizer off the event loop."""
    try:
        return await asyncio.to_thread(
            summarizer.summarize, items, language=language, survey_highlights=survey_highlights
        )
    except SummarizerError as exc:
        raise Conflict(
            _l("The summary service did not answer correctly. Try again or use the built-in one."),
            code="summarizer_failed",
        ) from exc


def _scope(consultation: Consultation) -> Scope:
    return Scope(consultation.id, consultation.status)


async def get_version(
    session: AsyncSession, consultation_id: int, language: str, state: SummaryState
) -> ConsultationSummary | None:
    return await session.scalar(
        select(ConsultationSummary).where(
            ConsultationSummary.consultation_id == consultation_id,
            ConsultationSummary.language == language,
            ConsultationSummary.state == state,
        )
    )


async def _store(
    session: AsyncSession,
    consultation_id: int,
    language: str,
    state: SummaryState,
    content: dict[str, Any],
    *,
    contributions: int,
    edited: bool,
    user_id: int | None,
) -> ConsultationSummary:
    row = await get_version(session, consultation_id, language, state)
    if row is None:
        row = ConsultationSummary(
            consultation_id=consultation_id, language=language, state=state, content=content
        )
        session.add(row)
    row.content = content
    row.contributions = contributions
    row.edited = edited
    row.created_by_id = user_id
    row.updated_at = utcnow()
    await session.flush()
    return row


async def generate_draft(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    language: str,
    summarizer: Summarizer,
    survey_highlights: Sequence[SurveyHighlight] = (),
) -> ConsultationSummary:
    """(Re)generate the draft from the record; the published version stays as it is.

    `survey_highlights` (``report_sections.highlights``) come from published survey results.
    Emits summary.draft_generated. Conflict when an external summarizer fails.
    """
    authorize(principal, SUMMARY_WRITE, _scope(consultation))
    items = await load_items(session, consultation.id)
    summary = await summarize(items, language, summarizer, survey_highlights)
    row = await _store(
        session,
        consultation.id,
        language,
        SummaryState.DRAFT,
        summary.to_dict(),
        contributions=len(items),
        edited=False,
        user_id=principal.user_id,
    )
    record(session, ev.SummaryDraftGenerated(consultation_id=consultation.id, language=language))
    await commit(session)
    return row


def apply_edits(summary: Summary, texts: Mapping[str, str], removed: set[str]) -> Summary:
    """New sentence texts keyed "section.sentence"; a removed (or emptied) sentence goes away.

    Every kept sentence keeps its sources; a section left with no sentence goes away too.
    """
    sections = []
    for s_index, section in enumerate(summary.sections):
        sentences = []
        for n_index, sentence in enumerate(section.sentences):
            key = f"{s_index}.{n_index}"
            new_text = " ".join(texts.get(key, sentence.text).split())
            if key in removed or not new_text:
                continue
            if len(new_text) > MAX_SENTENCE:
                raise ValidationFailed(fields={f"s-{key}": _l("This text is too long.")})
            sentences.append(Sentence(new_text, sentence.sources, sentence.link))
        if sentences:
            sections.append(Section(section.kind, section.heading, tuple(sentences)))
    return Summary(language=summary.language, sections=tuple(sections))


async def edit_draft(
    session: AsyncSession,
    principal: Principal,
    consultation: Consultation,
    language: str,
    texts: Mapping[str, str],
    removed: set[str],
) -> ConsultationSummary:
    """Save the author's edits of the draft. Emits summary.draft_edited. NotFound."""
    authorize(principal, SUMMARY_WRITE, _scope(consultation))
    row = await get_version(session, consultation.id, language, SummaryState.DRAFT)
    if row is None:
        raise NotFound(_l("Generate a draft first."), code="no_draft")
    summary = apply_edits(Summary.from_dict(row.content), texts, removed)
    row.content = summary.to_dict()
    row.edited = True
    row.updated_at = utcnow()
    record(session, ev.SummaryDraftEdited(consultation_id=consultation.id, language=language))
    await commit(session)
    return row


async def publish(
    session: AsyncSession, principal: Principal, consultation: Consultation, language: str
) -> ConsultationSummary:
    """Copy the draft to the published version. Emits summary.published. NotFound."""
    authorize(principal, SUMMARY_WRITE, _scope(consultation))
    draft = await get_version(session, consultation.id, language, SummaryState.DRAFT)
    if draft is None:
        raise NotFound(_l("Generate a draft first."), code="no_draft")
    row = await _store(
        session,
        consultation.id,
        language,
        SummaryState.PUBLISHED,
        dict(draft.content),
        contributions=draft.contributions,
        edited=draft.edited,
        user_id=principal.user_id,
    )
    record(session, ev.SummaryPublished(consultation_id=consultation.id, language=language))
    await commit(session)
    return row


@dataclass(frozen=True)
class Published:
    row: ConsultationSummary
    summary: Summary


async def published(session: AsyncSession, consultation_id: int, language: str) -> Published | None:
    """The published summary in this language, or else in the other one."""
    for lang in (language, "en" if language == "pl" else "pl"):
        row = await get_version(session, consultation_id, lang, SummaryState.PUBLISHED)
        if row is not None:
            return Published(row, Summary.from_dict(row.content))
    return None


def sentence_at(summary: Summary, section: int, sentence: int) -> Sentence:
    try:
        return summary.sections[section].sentences[sentence]
    except IndexError:
        raise NotFound() from None


async def sources(
    session: AsyncSession, consultation_id: int, ids: Sequence[int]
) -> list[Contribution]:
    """The cited contributions of this consultation, in id order (hidden ones stay in the list
    so that the template can say a moderator hid them since)."""
    if not ids:
        return []
    rows = await session.scalars(
        select(Contribution)
        .where(Contribution.consultation_id == consultation_id, Contribution.id.in_(list(ids)))
        .order_by(Contribution.id)
    )
    return list(rows)
