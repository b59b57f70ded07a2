"""Room services: sequence, questions, votes, moderation, merge, bans, contributions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deliberation.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from deliberation.models import Channel, Contribution, ContributionLink, ModerationState, Role
from deliberation.services import accounts
from rooms import log, polls, services
from rooms.errors import Banned, RoomFull, RoomPaused
from rooms.models import PollKind, QuestionState, Room, RoomEvent, RoomStatus
from rooms.snapshot import snapshot
from tests.helpers import create_user
from tests.rooms.conftest import make_member, make_setup


async def seqs(session, room_id):
    return list(
        await session.scalars(
            select(RoomEvent.seq).where(RoomEvent.room_id == room_id).order_by(RoomEvent.seq)
        )
    )


def test_codes_have_no_look_alikes():
    for _ in range(200):
        code = services.new_code()
        assert len(code) == 6
        assert not set(code) & set("0O1IL2Z5S8B6GQ")
    assert services.normalize_code(" ab-c d ") == "ABCD"


async def test_question_becomes_contribution_and_sequence_has_no_gaps(session, setup):
    alice = await make_member(session, setup, "Alicja")
    q = await services.ask(session, setup.room_id, alice, "  Kiedy otwarcie?  ")
    assert q.body == "Kiedy otwarcie?"
    assert q.state is QuestionState.VISIBLE
    contribution = await session.get(Contribution, q.contribution_id)
    assert contribution.channel is Channel.LIVE_QUESTION
    assert (contribution.source_type, contribution.source_id) == ("room_question", q.id)
    await services.vote(session, setup.room_id, q.id, alice.id, up=True)
    await services.vote(session, setup.room_id, q.id, alice.id, up=True)  # a double tap
    await services.moderate(session, setup.principal, setup.room_id, q.id, "pin")
    room = await session.get(Room, setup.room_id)
    assert await seqs(session, setup.room_id) == list(range(1, room.last_seq + 1))
    assert room.last_seq == 4  # created room, question, one vote, pin


async def test_refused_votes_change_nothing_and_leave_no_gap(session, setup):
    alice = await make_member(session, setup)
    bob = await make_member(session, setup)
    other = await make_setup(session)
    q = await services.ask(session, setup.room_id, alice, "Widoczne")
    hidden = await services.ask(session, setup.room_id, alice, "Do ukrycia")
    elsewhere = await services.ask_in_person(session, other.principal, other.room_id, "Obok")
    assert await services.vote(session, setup.room_id, q.id, alice.id, up=True) == 1
    await services.vote(session, setup.room_id, hidden.id, bob.id, up=True)
    await services.moderate(
        session, setup.principal, setup.room_id, hidden.id, "hide", reason="Dane osobowe"
    )
    before = (await session.get(Room, setup.room_id, populate_existing=True)).last_seq
    with pytest.raises(Conflict):
        await services.vote(session, setup.room_id, hidden.id, alice.id, up=True)
    with pytest.raises(Conflict):
        await services.vote(session, setup.room_id, hidden.id, bob.id, up=False)
    with pytest.raises(NotFound):
        await services.vote(session, setup.room_id, 10**9, alice.id, up=True)
    with pytest.raises(NotFound):  # a question of another room
        await services.vote(session, setup.room_id, elsewhere.id, alice.id, up=True)
    assert await services.vote(session, setup.room_id, q.id, alice.id, up=True) == 1  # repeat
    assert await services.vote(session, setup.room_id, q.id, bob.id, up=False) == 1  # no vote
    await services.update_room(session, setup.principal, setup.room_id, status=RoomStatus.CLOSED)
    with pytest.raises(Conflict):
        await services.vote(session, setup.room_id, q.id, bob.id, up=True)
    with pytest.raises(Conflict):
        await services.vote(session, setup.room_id, q.id, alice.id, up=False)
    room = await session.get(Room, setup.room_id, populate_existing=True)
    assert room.last_seq == before + 1  # only the closing
    assert await seqs(session, setup.room_id) == list(range(1, room.last_seq + 1))
    for question, votes in ((q, 1), (hidden, 1), (elsewhere, 0)):
        await session.refresh(question)
        assert question.vote_count == votes
        contribution = await session.get(Contribution, question.contribution_id)
        await session.refresh(contribution)
        assert contribution.support_count == votes


async def test_votes_count_once_and_unvote(session, setup):
    alice = await make_member(session, setup)
    bob = await make_member(session, setup)
    q = await services.ask(session, setup.room_id, alice, "Pytanie")
    for p in (alice, bob, bob):
        await services.vote(session, setup.room_id, q.id, p.id, up=True)
    assert await services.vote(session, setup.room_id, q.id, bob.id, up=False) == 1
    assert await services.vote(session, setup.room_id, q.id, bob.id, up=False) == 1
    await session.refresh(q)
    assert q.vote_count == 1
    contribution = await session.get(Contribution, q.contribution_id)
    await session.refresh(contribution)
    assert contribution.support_count == 1


async def test_premoderation_and_public_projection(session):
    setup = await make_setup(session, premoderated=True)
    alice = await make_member(session, setup)
    q = await services.ask(session, setup.room_id, alice, "<script>alert(1)</script>")
    assert q.state is QuestionState.PENDING
    public = await snapshot(session, setup.room_id, staff=False)
    assert public["questions"] == [{"id": q.id, "state": "withdrawn"}]
    with pytest.raises(Conflict):
        await services.vote(session, setup.room_id, q.id, alice.id, up=True)
    await services.moderate(session, setup.principal, setup.room_id, q.id, "approve")
    public = await snapshot(session, setup.room_id, staff=False)
    assert public["questions"][0]["body"] == "<script>alert(1)</script>"
    await services.moderate(
        session, setup.principal, setup.room_id, q.id, "hide", reason="Dane osobowe"
    )
    public = await snapshot(session, setup.room_id, staff=False)
    assert public["questions"][0]["body"] is None
    assert public["questions"][0]["hidden_reason"] == "Dane osobowe"
    contribution = await session.get(Contribution, q.contribution_id)
    await session.refresh(contribution)
    assert contribution.moderation_state is ModerationState.HIDDEN


async def test_hide_needs_a_reason_and_edit_keeps_original(session, setup):
    alice = await make_member(session, setup)
    q = await services.ask(session, setup.room_id, alice, "Jan Kowalski z ul. Polnej 3 pyta")
    with pytest.raises(ValidationFailed):
        await services.moderate(session, setup.principal, setup.room_id, q.id, "hide")
    await services.moderate(
        session, setup.principal, setup.room_id, q.id, "edit", body="Mieszkaniec pyta"
    )
    assert (q.body, q.original_body) == ("Mieszkaniec pyta", "Jan Kowalski z ul. Polnej 3 pyta")


async def test_one_pinned_question(session, setup):
    alice = await make_member(session, setup)
    a = await services.ask(session, setup.room_id, alice, "A")
    b = await services.ask(session, setup.room_id, alice, "B")
    await services.moderate(session, setup.principal, setup.room_id, a.id, "pin")
    await services.moderate(session, setup.principal, setup.room_id, b.id, "pin")
    await session.refresh(a)
    assert (a.pinned, b.pinned) == (False, True)
    await services.moderate(session, setup.principal, setup.room_id, b.id, "answer")
    assert (b.pinned, b.answered) == (False, True)


async def test_merge_counts_each_participant_once(session, setup):
    p = [await make_member(session, setup) for _ in range(4)]
    a = await services.ask(session, setup.room_id, p[0], "Więcej ławek")
    b = await services.ask(session, setup.room_id, p[1], "Ławki w parku")
    for x in (p[0], p[1], p[2]):
        await services.vote(session, setup.room_id, a.id, x.id, up=True)
    for x in (p[2], p[3]):
        await services.vote(session, setup.room_id, b.id, x.id, up=True)
    await services.moderate(session, setup.principal, setup.room_id, a.id, "merge", target_id=b.id)
    await session.refresh(b)
    assert b.vote_count == 4
    assert a.state is QuestionState.MERGED and a.merged_into_id == b.id
    link = await session.scalar(
        select(ContributionLink).where(ContributionLink.from_id == a.contribution_id)
    )
    assert link is not None and link.to_id == b.contribution_id
    with pytest.raises(ValidationFailed):
        await services.moderate(
            session, setup.principal, setup.room_id, b.id, "merge", target_id=b.id
        )


async def test_in_person_question(session, setup):
    q = await services.ask_in_person(
        session, setup.principal, setup.room_id, "Pytanie z sali", "Pani Maria"
    )
    assert q.in_person and q.author_name == "Pani Maria"
    contribution = await session.get(Contribution, q.contribution_id)
    assert contribution.author_kind.value == "recorded"
    assert contribution.attendee_name == "Pani Maria"


async def test_residents_cannot_run_the_room(session, setup):
    resident = await create_user(session, Role.RESIDENT)
    principal = await accounts.principal_for(session, resident)
    alice = await make_member(session, setup)
    q = await services.ask(session, setup.room_id, alice, "A")
    with pytest.raises(PermissionDenied):
        await services.moderate(session, principal, setup.room_id, q.id, "approve")
    with pytest.raises(PermissionDenied):
        await services.update_room(session, principal, setup.room_id, status=RoomStatus.CLOSED)


async def test_bad_questions_are_refused(session, setup):
    alice = await make_member(session, setup)
    for body in ("", "   ", "x" * 501, "a\x00b"):
        with pytest.raises(ValidationFailed):
            await services.ask(session, setup.room_id, alice, body)


async def test_question_rate_limit(session, setup):
    alice = await make_member(session, setup)
    for n in range(5):
        await services.ask(session, setup.room_id, alice, f"Pytanie {n}")
    with pytest.raises(RateLimited):
        await services.ask(session, setup.room_id, alice, "Jeszcze jedno")


async def test_pause_ban_and_capacity(session):
    setup = await make_setup(session, capacity=1)
    alice = await make_member(session, setup)
    with pytest.raises(RoomFull):
        await make_member(session, setup)
    await services.update_room(session, setup.principal, setup.room_id, status=RoomStatus.PAUSED)
    with pytest.raises(RoomPaused):
        await services.ask(session, setup.room_id, alice, "A")
    await services.ban(session, setup.principal, setup.room_id, alice.id, "Spam")
    room = await services.find_room(session, setup.code)
    with pytest.raises(Banned):
        await services.join(session, room, alice, "Inna nazwa")
    staff_events = await log.events_after(session, setup.room_id, 0)
    assert staff_events[-1].audience == "staff"


async def test_polls(session, setup):
    alice = await make_member(session, setup)
    bob = await make_member(session, setup)
    poll = await polls.create_poll(
        session,
        setup.principal,
        setup.room_id,
        kind=PollKind.MULTIPLE,
        prompt="Co?",
        options=["Ławki", "Drzewa", "Lampy"],
    )
    with pytest.raises(Conflict):
        await polls.answer(session, setup.room_id, poll.id, alice, [0])
    await polls.poll_action(session, setup.principal, setup.room_id, poll.id, "open")
    await polls.answer(session, setup.room_id, poll.id, alice, [0, 1])
    await polls.answer(session, setup.room_id, poll.id, bob, [1])
    await polls.answer(session, setup.room_id, poll.id, bob, [2])  # replaces
    with pytest.raises(ValidationFailed):
        await polls.answer(session, setup.room_id, poll.id, bob, [7])
    result = await polls.results(session, poll)
    assert result == {"total": 2, "counts": [["0", 1], ["1", 1], ["2", 1]]}
    public = await snapshot(session, setup.room_id, staff=False)
    assert public["polls"][0]["results"] == {"total": 2}
    words = await polls.create_poll(
        session,
        setup.principal,
        setup.room_id,
        kind=PollKind.WORDS,
        prompt="Jednym słowem?",
        options=[],
    )
    await polls.poll_action(session, setup.principal, setup.room_id, words.id, "open")
    await polls.answer(session, setup.room_id, words.id, alice, "Zieleń cisza")
    await polls.answer(session, setup.room_id, words.id, bob, "zieleń")
    assert (await polls.results(session, words))["counts"][0] == ["zieleń", 2]
    count = await session.scalar(select(func.count()).select_from(RoomEvent))
    assert count and count > 0


async def test_queue_moderation_reaches_the_room(session, setup):
    """Hiding a room question's contribution from the moderation queue hides the question."""
    from rooms.models import Question

    alice = await make_member(session, setup, "Alicja")
    q = await services.ask(session, setup.room_id, alice, "Pytanie z danymi osobowymi")
    before = await seqs(session, setup.room_id)
    contribution = await session.get(Contribution, q.contribution_id)
    contribution.moderation_state = ModerationState.HIDDEN
    contribution.hidden_reason = "Dane osobowe"
    await session.commit()
    followed = await services.follow_moderation(session, contribution.id)
    assert followed is not None
    question = await session.get(Question, q.id, populate_existing=True)
    assert question.state is QuestionState.HIDDEN
    assert question.hidden_reason == "Dane osobowe"
    after = await seqs(session, setup.room_id)
    assert after == [*before, before[-1] + 1]  # one question.updated, no gap
    # A second delivery (another process) changes nothing.
    await services.follow_moderation(session, contribution.id)
    assert await seqs(session, setup.room_id) == after
    contribution.moderation_state = ModerationState.VISIBLE
    contribution.hidden_reason = None
    await session.commit()
    await services.follow_moderation(session, contribution.id)
    question = await session.get(Question, q.id, populate_existing=True)
    assert question.state is QuestionState.VISIBLE and question.hidden_reason is None


async def test_moderator_hides_a_room_question_on_every_screen_within_two_seconds(
    committed_app, committed_db
):
    """A moderation decision (contribution.moderated on the bus) reaches the room within 2 s.

    The moderation service's own tests cover the queue; here the decision is committed and
    published the way it does, with real commits and the app's real bus.
    """
    import asyncio

    from deliberation.events import catalogue as ev
    from deliberation.events import commit, record
    from rooms.models import Question

    db = committed_db
    async with db.session() as session:
        setup = await make_setup(session)
        alice = await make_member(session, setup, "Alicja")
        q = await services.ask(session, setup.room_id, alice, "Pytanie do ukrycia")
        contribution = await session.get(Contribution, q.contribution_id)
        contribution.moderation_state = ModerationState.HIDDEN
        contribution.hidden_reason = "Obraźliwe"
        record(
            session,
            ev.ContributionModerated(
                consultation_id=contribution.consultation_id,
                contribution_id=contribution.id,
                state="hidden",
                source_type=contribution.source_type,
            ),
        )
        await commit(session)
    for _ in range(40):
        async with db.session() as session:
            question = await session.get(Question, q.id)
            if question.state is QuestionState.HIDDEN:
                break
        await asyncio.sleep(0.05)
    assert question.state is QuestionState.HIDDEN
    assert question.hidden_reason == "Obraźliwe"
