"""Consultation, meeting and record services on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from deliberation.errors import Conflict, PermissionDenied, ValidationFailed
from deliberation.models import (
    AuthorKind,
    Channel,
    ConsultationStatus,
    Contribution,
    ContributionLink,
    LinkKind,
    MeetingFormat,
    ModerationState,
    PhaseKind,
    RegistrationStatus,
)
from deliberation.services import consultations as service
from deliberation.services import meetings, record_query
from deliberation.services import record as record_service
from tests.consultations.conftest import TODAY, make_consultation, principal
from tests.helpers import create_user


def plan(day: date | None = None, **kw) -> meetings.MeetingPlan:
    values = dict(
        title="Spotkanie w CAO",
        format=MeetingFormat.HYBRID,
        day=day or TODAY + timedelta(days=3),
        start="17:00",
        end="19:00",
        place="Centrum Aktywności Obywatelskiej, ul. Kościuszki 10",
        online_url="https://meet.example.org/park",
        agenda="Powitanie\nPrezentacja\nDyskusja",
    )
    values.update(kw)
    return meetings.MeetingPlan(**values)


async def test_duplicate_slug_is_refused(session, cast):
    with pytest.raises(ValidationFailed) as err:
        await make_consultation(session, cast.facilitator, title=cast.consultation.title)
    assert "slug" in err.value.fields


async def test_phase_ending_before_it_starts_changes_nothing(session, cast):
    who = await principal(session, cast.facilitator)
    before = [
        (p.kind, p.starts_on, p.ends_on)
        for p in await service.phases_of(session, cast.consultation.id)
    ]
    with pytest.raises(ValidationFailed) as err:
        await service.set_phases(
            session,
            who,
            cast.consultation,
            {PhaseKind.INFORMATION: (TODAY, TODAY - timedelta(days=1))},
        )
    assert "information_ends_on" in err.value.fields
    after = [
        (p.kind, p.starts_on, p.ends_on)
        for p in await service.phases_of(session, cast.consultation.id)
    ]
    assert after == before


async def test_unsafe_markdown_is_refused(session, cast):
    who = await principal(session, cast.facilitator)
    details = service.Details(title="X", summary="Y", description="[kliknij](javascript:alert(1))")
    with pytest.raises(ValidationFailed) as err:
        await service.update_consultation(session, who, cast.consultation, details)
    assert "description" in err.value.fields
    await session.refresh(cast.consultation)
    assert cast.consultation.title == "Odnowa parku Zielony Jar"


async def test_publishing_needs_a_summary(session, cast):
    draft = await make_consultation(session, cast.facilitator, title="Bez streszczenia", summary="")
    with pytest.raises(ValidationFailed):
        await service.advance_status(session, draft, ConsultationStatus.PUBLISHED)
    assert draft.status is ConsultationStatus.DRAFT


async def test_search_ignores_diacritics_and_endings(session, cast):
    found, total = await service.list_public(session, service.ListFilter(query="ZIELONEGO jaru"))
    assert total == 1 and found[0].id == cast.consultation.id
    found, total = await service.list_public(session, service.ListFilter(query="parku golonog"))
    assert total == 1
    _found, total = await service.list_public(session, service.ListFilter(query="basen"))
    assert total == 0
    _found, total = await service.list_public(session, service.ListFilter(area="Reden"))
    assert total == 0


async def test_meeting_outside_the_consultation_is_refused(session, cast):
    who = await principal(session, cast.facilitator)
    with pytest.raises(ValidationFailed) as err:
        await meetings.create_meeting(
            session, who, cast.consultation, plan(TODAY + timedelta(days=90))
        )
    assert "day" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        await meetings.create_meeting(
            session, who, cast.consultation, plan(start="19:00", end="18:00")
        )
    assert "end" in err.value.fields
    assert await meetings.meetings_of(session, cast.consultation.id) == []


async def test_meeting_times_are_stored_in_utc(session, cast):
    who = await principal(session, cast.facilitator)
    meeting = await meetings.create_meeting(
        session, who, cast.consultation, plan(date(2026, 12, 1)) if False else plan()
    )
    local = meeting.starts_at.astimezone(meetings.WARSAW)
    assert (local.hour, local.minute) == (17, 0)
    assert meeting.starts_at.utcoffset() == timedelta(0)


async def test_registration_waiting_list_and_promotion(session, cast):
    who = await principal(session, cast.facilitator)
    meeting = await meetings.create_meeting(
        session,
        who,
        cast.consultation,
        plan(registration_required=True, capacity=1, waiting_list=True),
    )
    first, second = cast.resident, await create_user(session)
    assert (
        await meetings.register(session, first.id, meeting.id)
    ).status is RegistrationStatus.REGISTERED
    assert (
        await meetings.register(session, second.id, meeting.id)
    ).status is RegistrationStatus.WAITING
    # registering twice is harmless
    assert (
        await meetings.register(session, second.id, meeting.id)
    ).status is RegistrationStatus.WAITING
    promoted = await meetings.cancel(session, first.id, meeting.id)
    assert promoted is not None and promoted.user_id == second.id
    places = await meetings.places(session, meeting.id, second.id)
    assert (places.registered, places.waiting, places.mine) == (1, 0, RegistrationStatus.REGISTERED)


async def test_full_meeting_without_waiting_list(session, cast):
    who = await principal(session, cast.facilitator)
    meeting = await meetings.create_meeting(
        session, who, cast.consultation, plan(registration_required=True, capacity=1)
    )
    await meetings.register(session, cast.resident.id, meeting.id)
    with pytest.raises(Conflict):
        await meetings.register(session, (await create_user(session)).id, meeting.id)


def online(session, consultation_id: int, body: str, user_id: int) -> Contribution:
    return record_service.add_contribution(
        session,
        consultation_id=consultation_id,
        channel=Channel.ONLINE_COMMENT,
        body=body,
        author_kind=AuthorKind.ACCOUNT,
        author_user_id=user_id,
    )


async def test_meeting_point_linked_to_online_comment_shows_on_both_sides(session, cast):
    c = cast.consultation
    who = await principal(session, cast.facilitator)
    comment = online(session, c.id, "Potrzebujemy więcej latarni przy alejce.", cast.resident.id)
    await record_service.created(session, comment)
    await session.commit()
    meeting = await meetings.create_meeting(session, who, c, plan())
    point = await record_service.add_meeting_point(
        session,
        who,
        c,
        meeting,
        body="Mieszkańcy z Redenu też chcą latarni.",
        raised_by="Pani Krystyna",
        themes="oświetlenie, bezpieczeństwo",
        link_to=comment.id,
        link_kind=LinkKind.REPEATS,
    )
    assert point.meeting_id == meeting.id and point.channel is Channel.MEETING_NOTE
    public = await record_query.record_page(session, c.id, record_query.RecordFilter())
    assert [e.contribution.id for e in public.entries] == [comment.id]  # notes not published yet
    await meetings.save_notes(
        session, who, c, meeting, attendance=34, organizations="Rada Dzielnicy", publish=True
    )
    public = await record_query.record_page(session, c.id, record_query.RecordFilter())
    entries = {e.contribution.id: e for e in public.entries}
    assert set(entries) == {comment.id, point.id}
    assert [(lk.kind, lk.outgoing, lk.other.id) for lk in entries[point.id].links] == [
        (LinkKind.REPEATS, True, comment.id)
    ]
    assert [(lk.kind, lk.outgoing, lk.other.id) for lk in entries[comment.id].links] == [
        (LinkKind.REPEATS, False, point.id)
    ]
    assert sorted(t.name for t in entries[point.id].themes) == ["bezpieczeństwo", "oświetlenie"]
    by_theme = await record_query.record_page(
        session,
        c.id,
        record_query.RecordFilter(public=False, theme_id=entries[point.id].themes[0].id),
    )
    assert [e.contribution.id for e in by_theme.entries] == [point.id]


async def test_links_across_consultations_are_refused(session, cast):
    who = await principal(session, cast.facilitator)
    other = await make_consultation(session, cast.facilitator, title="Inne konsultacje")
    mine = online(session, cast.consultation.id, "Moja uwaga", cast.resident.id)
    theirs = online(session, other.id, "Ich uwaga", cast.resident.id)
    await session.flush()
    await session.commit()
    with pytest.raises(ValidationFailed):
        await record_service.link_contributions(
            session, who, cast.consultation, mine.id, theirs.id, LinkKind.RELATES
        )
    count = await session.scalar(select(func.count()).select_from(ContributionLink))
    assert count == 0


async def test_closed_record_cannot_change(session, cast):
    who = await principal(session, cast.facilitator)
    await service.advance_status(session, cast.consultation, ConsultationStatus.CLOSED)
    with pytest.raises(Conflict) as err:
        await record_service.add_staff_input(
            session,
            who,
            cast.consultation,
            channel=Channel.PAPER_FORM,
            body="Uwaga",
            received_on=TODAY,
        )
    assert err.value.code == "record_closed"


async def test_only_assigned_facilitators_write_the_record(session, cast):
    for user in (cast.other_facilitator, cast.moderator, cast.resident):
        with pytest.raises(PermissionDenied):
            await record_service.add_staff_input(
                session,
                await principal(session, user),
                cast.consultation,
                channel=Channel.EMAIL,
                body="Uwaga",
                received_on=TODAY,
            )
    entry = await record_service.add_staff_input(
        session,
        await principal(session, cast.admin),
        cast.consultation,
        channel=Channel.EMAIL,
        body="Uwaga z e-maila",
        received_on=TODAY - timedelta(days=1),
        author_name="Jan Kowalski",
    )
    assert entry.recorded_by_id == cast.admin.id and entry.received_at.date() == TODAY - timedelta(
        days=1
    )


async def test_public_record_shows_only_visible(session, cast):
    c = cast.consultation
    hidden = online(session, c.id, "Ukryta", cast.resident.id)
    hidden.moderation_state = ModerationState.HIDDEN
    shown = online(session, c.id, "Widoczna", cast.resident.id)
    await session.flush()
    await session.commit()
    page = await record_query.record_page(session, c.id, record_query.RecordFilter())
    assert [e.contribution.id for e in page.entries] == [shown.id]
    staff = await record_query.record_page(
        session, c.id, record_query.RecordFilter(public=False, state=ModerationState.HIDDEN)
    )
    assert [e.contribution.id for e in staff.entries] == [hidden.id]


async def test_staff_search_ignores_case_and_diacritics(session, cast):
    c = cast.consultation
    text = "Więcej ŁAWEK przy stawie i źródełku (100% zieleni)"
    match = online(session, c.id, text, cast.resident.id)
    online(session, c.id, "Nic wspólnego z tamtym", cast.resident.id)
    await session.flush()
    await session.commit()
    queries = ("lawek", "ŁAWEK", "Ławek staw", "zrodelku", "ŹRÓDEŁKU", "100%", f"#{match.id}")
    for query in queries:
        found = await record_query.search(session, c.id, query)
        assert [x.id for x in found] == [match.id], query
    assert await record_query.search(session, c.id, "10_%") == []  # % and _ are not wildcards


async def test_keyset_pagination_walks_every_item_once(session, cast):
    c = cast.consultation
    for n in range(25):
        online(session, c.id, f"Uwaga {n}", cast.resident.id)
    await session.flush()
    await session.commit()
    seen, cursor = [], None
    while True:
        page = await record_query.record_page(
            session, c.id, record_query.RecordFilter(), cursor=cursor, limit=10
        )
        seen += [e.contribution.id for e in page.entries]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 25 and page.total == 25
