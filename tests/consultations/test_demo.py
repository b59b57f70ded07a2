"""The demo consultation has phases, a hybrid meeting at CAO and notes citing online comments."""

from __future__ import annotations

from sqlalchemy import select

from deliberation.demo import DEMO_SLUG, load_demo
from deliberation.models import Channel, Consultation, MeetingFormat
from deliberation.services import consultations, meetings, record_query


async def test_demo_meeting_notes_link_to_online_comments(session):
    assert await load_demo(session, [])
    consultation = await session.scalar(select(Consultation).where(Consultation.slug == DEMO_SLUG))
    assert len(await consultations.phases_of(session, consultation.id)) == 4
    demo_meetings = await meetings.meetings_of(session, consultation.id)
    hall = demo_meetings[0]
    assert hall.format is MeetingFormat.HYBRID and "Centrum Aktywności Obywatelskiej" in hall.place
    assert hall.notes_published_at is not None
    notes = await record_query.record_page(
        session, consultation.id, record_query.RecordFilter(meeting_id=hall.id), limit=50
    )
    assert notes.total > 0
    assert all(e.contribution.channel is Channel.MEETING_NOTE for e in notes.entries)
    linked = [lk for e in notes.entries for lk in e.links]
    assert linked and all(lk.other.channel is Channel.ONLINE_COMMENT for lk in linked)
    assert not await load_demo(session, [])


async def test_demo_summary_has_the_survey_highlights(session):
    from deliberation.features import load_features
    from deliberation.services import summaries
    from deliberation.summary import SectionKind

    assert await load_demo(session, load_features())
    consultation = await session.scalar(select(Consultation).where(Consultation.slug == DEMO_SLUG))
    for language in ("pl", "en"):
        found = await summaries.published(session, consultation.id, language)
        assert found is not None
        kinds = [section.kind for section in found.summary.sections]
        assert SectionKind.SURVEY in kinds, language
