"""Room services: create and run rooms, join, ask, vote, moderate; every change is an event.

Each writing service locks the room (``log.lock_room``), changes rows, appends the room's events
and commits with ``log.commit_room``, so acknowledged means committed and numbered.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import Conflict, NotFound, ValidationFailed
from deliberation.i18n import _l
from deliberation.models import (
    AuthorKind,
    Channel,
    Consultation,
    ConsultationStatus,
    Contribution,
    LinkKind,
    ModerationState,
    Participant,
)
from deliberation.permissions import Principal, Scope, authorize
from deliberation.ratelimit import take
from deliberation.services import record as contributions
from moderation import guard
from rooms import log
from rooms.embed import parse_embed
from rooms.errors import Banned, NotJoined, RoomClosed, RoomFull, RoomNotFound, RoomPaused
from rooms.models import Question, QuestionState, Room, RoomMember, RoomStatus, Vote
from rooms.permissions import ROOM_FACILITATE
from rooms.ratelimit import QUESTION_LIMIT, MemoryBuckets
from rooms.schema import question_data, room_data

# No look-alikes: no 0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 6
MAX_QUESTION = 500
MAX_NAME = 80
JOINABLE = (ConsultationStatus.PUBLISHED,)
VISIBLE_CONSULTATION = (
    ConsultationStatus.PUBLISHED,
    ConsultationStatus.CLOSED,
    ConsultationStatus.REPORT_PUBLISHED,
)
CONTRIBUTION_STATE = {
    QuestionState.PENDING: ModerationState.PENDING,
    QuestionState.VISIBLE: ModerationState.VISIBLE,
    QuestionState.HIDDEN: ModerationState.HIDDEN,
    QuestionState.REJECTED: ModerationState.REJECTED,
    QuestionState.MERGED: ModerationState.VISIBLE,
}


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())[:CODE_LENGTH]


def clean_text(value: str | None, *, limit: int, field: str, required: bool) -> str | None:
    text = " ".join((value or "").split()) if field != "body" else (value or "").strip()
    if "\x00" in text:
        raise ValidationFailed(fields={field: _l("This text contains invalid characters.")})
    if not text:
        if required:
            raise ValidationFailed(fields={field: _l("Write your question first.")})
        return None
    if len(text) > limit:
        raise ValidationFailed(fields={field: _l("Enter at most %(n)s characters.", n=limit)})
    return text


async def room_scope(session: AsyncSession, room: Room) -> Scope:
    status = await session.scalar(
        select(Consultation.status).where(Consultation.id == room.consultation_id)
    )
    if status is None:
        raise NotFound()
    return Scope(consultation_id=room.consultation_id, status=status)


async def find_room(session: AsyncSession, code: str) -> Room:
    """The room with this code, if its consultation is public."""
    row = (
        await session.execute(
            select(Room, Consultation.status)
            .join(Consultation, Consultation.id == Room.consultation_id)
            .where(Room.code == normalize_code(code))
        )
    ).first()
    if row is None or row[1] not in VISIBLE_CONSULTATION:
        raise RoomNotFound()
    return row[0]


async def get_room(session: AsyncSession, consultation_id: int, room_id: int) -> Room:
    room = await session.get(Room, room_id)
    if room is None or room.consultation_id != consultation_id:
        raise RoomNotFound()
    return room


async def create_room(
    session: AsyncSession,
    principal: Principal,
    consultation_id: int,
    *,
    title: str,
    premoderated: bool = False,
    capacity: int | None = None,
    embed_url: str | None = None,
    meeting_id: int | None = None,
) -> Room:
    """Create a room with a fresh join code. Emits room.updated (seq 1)."""
    consultation = await session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    scope = Scope(consultation_id=consultation.id, status=consultation.status)
    authorize(principal, ROOM_FACILITATE, scope)
    title = clean_text(title, limit=200, field="title", required=False) or ""
    if not title:
        raise ValidationFailed(fields={"title": _l("This field is required.")})
    if capacity is not None and capacity < 1:
        raise ValidationFailed(fields={"capacity": _l("Enter a value of at least %(n)s.", n=1)})
    embed = embed_url.strip() if embed_url else None
    if embed:
        parse_embed(embed)
    for _attempt in range(5):
        room = Room(
            consultation_id=consultation.id,
            meeting_id=meeting_id,
            code=new_code(),
            projector_key=secrets.token_urlsafe(24),
            title=title,
            premoderated=premoderated,
            capacity=capacity,
            embed_url=embed,
            created_by_id=principal.user_id,
        )
        try:
            async with session.begin_nested():
                session.add(room)
                await session.flush()
        except IntegrityError:
            continue
        log.emit(session, room, "room.updated", room_data(room))
        await log.commit_room(session)
        return room
    raise Conflict()


async def update_room(
    session: AsyncSession,
    principal: Principal,
    room_id: int,
    *,
    status: RoomStatus | None = None,
    premoderated: bool | None = None,
) -> Room:
    """Open, pause or close a room, or switch moderation mode. Emits room.updated."""
    room = await log.lock_room(session, room_id)
    authorize(principal, ROOM_FACILITATE, await room_scope(session, room))
    if status is not None:
        room.status = status
    if premoderated is not None:
        room.premoderated = premoderated
    log.emit(session, room, "room.updated", room_data(room))
    await log.commit_room(session)
    return room


async def membership(session: AsyncSession, room_id: int, participant_id: int) -> RoomMember | None:
    return await session.scalar(
        select(RoomMember).where(
            RoomMember.room_id == room_id, RoomMember.participant_id == participant_id
        )
    )


async def join(
    session: AsyncSession, room: Room, participant: Participant, display_name: str | None
) -> RoomMember:
    """Join (or rejoin) a room, optionally with a display name. Refused when banned or full."""
    name = clean_text(display_name, limit=MAX_NAME, field="display_name", required=False)
    status = (await room_scope(session, room)).status
    if status not in JOINABLE or room.status is RoomStatus.CLOSED:
        raise RoomClosed()
    member = await membership(session, room.id, participant.id)
    if member is not None and member.banned_at is not None:
        raise Banned()
    if member is None:
        if room.capacity is not None:
            count = await session.scalar(
                select(func.count()).select_from(RoomMember).where(RoomMember.room_id == room.id)
            )
            if (count or 0) >= room.capacity:
                raise RoomFull()
        member = RoomMember(room_id=room.id, participant_id=participant.id, display_name=name)
        try:
            async with session.begin_nested():
                session.add(member)
                await session.flush()
        except IntegrityError:  # the same participant joining from two tabs at once
            member = await membership(session, room.id, participant.id)
            assert member is not None
    if name is not None:
        member.display_name = name
    await session.commit()
    return member


async def active_member(session: AsyncSession, room_id: int, participant_id: int) -> RoomMember:
    member = await membership(session, room_id, participant_id)
    if member is None:
        raise NotJoined()
    if member.banned_at is not None:
        raise Banned()
    return member


async def _new_contribution(
    session: AsyncSession, room: Room, question: Question, author: dict[str, Any]
) -> None:
    contribution = contributions.add_contribution(
        session,
        consultation_id=room.consultation_id,
        channel=Channel.LIVE_QUESTION,
        body=question.body,
        state=CONTRIBUTION_STATE[question.state],
        source=("room_question", question.id),
        received_at=question.created_at,
        **author,
    )
    await contributions.created(session, contribution)
    question.contribution_id = contribution.id


async def ask(session: AsyncSession, room_id: int, participant: Participant, body: str) -> Question:
    """Ask a question (held for approval in a premoderated room). Emits question.created."""
    text = clean_text(body, limit=MAX_QUESTION, field="body", required=True)
    assert text is not None
    member = await active_member(session, room_id, participant.id)
    await take(session, f"room-ask:{participant.id}", QUESTION_LIMIT)
    room = await log.lock_room(session, room_id)
    if room.status is RoomStatus.CLOSED:
        raise RoomClosed()
    if room.status is RoomStatus.PAUSED:
        raise RoomPaused()
    # A moderator's block (this consultation or everywhere) covers every channel.
    await guard.refuse_if_blocked(session, participant.id, room.consultation_id)
    question = Question(
        room_id=room.id,
        participant_id=participant.id,
        author_name=member.display_name,
        body=text,
        state=QuestionState.PENDING if room.premoderated else QuestionState.VISIBLE,
        created_at=utcnow(),
    )
    session.add(question)
    await session.flush()
    author: dict[str, Any] = (
        {"author_kind": AuthorKind.ACCOUNT, "author_user_id": participant.user_id}
        if participant.user_id
        else {"author_kind": AuthorKind.PARTICIPANT}
    )
    author["author_participant_id"] = participant.id
    await _new_contribution(session, room, question, author)
    log.emit(session, room, "question.created", question_data(question))
    await log.commit_room(session)
    return question


async def ask_in_person(
    session: AsyncSession,
    principal: Principal,
    room_id: int,
    body: str,
    attendee_name: str | None = None,
) -> Question:
    """A facilitator types in a question from the hall; shown at once. Emits question.created."""
    text = clean_text(body, limit=MAX_QUESTION, field="body", required=True)
    assert text is not None
    name = clean_text(attendee_name, limit=MAX_NAME, field="attendee_name", required=False)
    room = await log.lock_room(session, room_id)
    authorize(principal, ROOM_FACILITATE, await room_scope(session, room))
    if room.status is RoomStatus.CLOSED:
        raise RoomClosed()
    question = Question(
        room_id=room.id,
        author_name=name,
        in_person=True,
        recorded_by_id=principal.user_id,
        body=text,
        state=QuestionState.VISIBLE,
        created_at=utcnow(),
    )
    session.add(question)
    await session.flush()
    author = {
        "author_kind": AuthorKind.RECORDED,
        "recorded_by_id": principal.user_id,
        "attendee_name": name,
    }
    await _new_contribution(session, room, question, author)
    log.emit(session, room, "question.created", question_data(question))
    await log.commit_room(session)
    return question


def _insert(session: AsyncSession) -> Any:
    bind = session.get_bind()
    return pg_insert if bind.dialect.name == "postgresql" else sqlite_insert


async def vote(
    session: AsyncSession,
    room_id: int,
    question_id: int,
    participant_id: int,
    *,
    up: bool,
    limiter: MemoryBuckets | None = None,
) -> int:
    """Upvote or take the vote back; repeats change nothing. Emits question.voted on change.

    Votes come tens a second and serialise on the room's row (which numbers the event), so the
    locked part is kept to plain statements: the vote row (its primary key makes repeats count
    once), the count, the contribution's support, the event, the commit.
    """
    member = (
        await session.execute(
            select(RoomMember.id, RoomMember.banned_at).where(
                RoomMember.room_id == room_id, RoomMember.participant_id == participant_id
            )
        )
    ).first()
    if member is None:
        raise NotJoined()
    if member.banned_at is not None:
        raise Banned()
    if limiter is not None:
        limiter.take(participant_id)
    if session.get_bind().dialect.name == "postgresql":
        return await _vote_postgres(session, room_id, question_id, participant_id, up=up)
    room = await log.lock_room(session, room_id)
    if room.status is RoomStatus.CLOSED:
        raise Conflict(_l("You cannot vote on this question now."))
    try:
        if up:
            result = await session.execute(
                _insert(session)(Vote)
                .values(question_id=question_id, participant_id=participant_id, created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["question_id", "participant_id"])
            )
        else:
            result = await session.execute(
                delete(Vote).where(
                    Vote.question_id == question_id, Vote.participant_id == participant_id
                )
            )
    except IntegrityError:  # no such question
        raise NotFound() from None
    changed = bool(getattr(result, "rowcount", 0))
    where = (Question.id == question_id, Question.room_id == room.id)
    cols = (Question.vote_count, Question.state, Question.contribution_id)
    if changed:
        step = 1 if up else -1
        row = (
            await session.execute(
                update(Question)
                .where(*where)
                .values(vote_count=Question.vote_count + step)
                .returning(*cols)
                .execution_options(synchronize_session=False)
            )
        ).first()
    else:  # a repeat: nothing changed, no event
        row = (await session.execute(select(*cols).where(*where))).first()
    if row is None:
        raise NotFound()
    count, state, contribution_id = row
    if state is not QuestionState.VISIBLE:
        raise Conflict(_l("You cannot vote on this question now."))
    if not changed:
        await session.commit()
        return int(count)
    if contribution_id is not None:
        await session.execute(
            update(Contribution)
            .where(Contribution.id == contribution_id)
            .values(support_count=count)
            .execution_options(synchronize_session=False)
        )
    log.emit(session, room, "question.voted", {"id": question_id, "votes": count})
    await log.commit_room(session)
    return int(count)


def _vote_statement(up: bool) -> Any:
    """A whole vote on PostgreSQL as one statement: the room's row lock (which numbers the event),
    the vote row, the count, the event, the room's counter and the contribution's support.

    The room's lock is then held for this one round trip and the commit, instead of one round
    trip per step: under load, each round trip waits for the event loop, and waiting writers
    pile up behind the lock. The room's row is read after its lock (``FOR UPDATE`` returns the
    newest version), and the count's ``UPDATE`` re-checks the question's state on its newest
    version, so a question hidden or merged meanwhile is not counted (``vote`` then rolls back).
    """
    if up:
        change = """INSERT INTO room_votes (question_id, participant_id, created_at)
        SELECT q.id, :participant, :now
        FROM r JOIN room_questions q
          ON q.id = :question AND q.room_id = r.id AND q.state = :visible
        ON CONFLICT (question_id, participant_id) DO NOTHING
        RETURNING question_id"""
    else:
        change = """DELETE FROM room_votes
        WHERE question_id = :question AND participant_id = :participant
          AND EXISTS (
            SELECT 1 FROM r JOIN room_questions q
              ON q.id = :question AND q.room_id = r.id AND q.state = :visible
          )
        RETURNING question_id"""
    # Only the two constant fragments above are formatted in; every value is a bound parameter.
    sql = f"""
    WITH r AS (
        SELECT id, last_seq FROM rooms WHERE id = :room AND status <> :closed FOR UPDATE
    ), v AS (
        {change}
    ), q AS (
        UPDATE room_questions SET vote_count = vote_count {"+" if up else "-"} 1
        WHERE id = (SELECT question_id FROM v) AND room_id = :room AND state = :visible
        RETURNING id, vote_count, contribution_id
    ), e AS (
        INSERT INTO room_events (room_id, seq, type, audience, data, created_at)
        SELECT r.id, r.last_seq + 1, 'question.voted', 'all',
               json_build_object('id', q.id, 'votes', q.vote_count), clock_timestamp()
        FROM r, q
        RETURNING seq
    ), u AS (
        UPDATE rooms SET last_seq = e.seq FROM e WHERE rooms.id = :room
    ), c AS (
        UPDATE contributions SET support_count = q.vote_count
        FROM q WHERE contributions.id = q.contribution_id
    )
    SELECT (SELECT count(*) FROM v) AS changed, (SELECT seq FROM e) AS seq,
           (SELECT vote_count FROM q) AS votes
    """  # noqa: S608
    return text(sql)


_VOTE_SQL = {True: _vote_statement(True), False: _vote_statement(False)}


async def _vote_postgres(
    session: AsyncSession, room_id: int, question_id: int, participant_id: int, *, up: bool
) -> int:
    params = {
        "room": room_id,
        "question": question_id,
        "participant": participant_id,
        "now": utcnow(),
        "visible": QuestionState.VISIBLE.value,
        "closed": RoomStatus.CLOSED.value,
    }
    changed, seq, votes = (await session.execute(_VOTE_SQL[up], params)).one()
    if seq is not None:
        log.stage(session, room_id, int(seq), "question.voted")
        await log.commit_room(session)
        return int(votes)
    if changed:  # the question was hidden or merged while this vote waited for the room
        await session.rollback()
        raise Conflict(_l("You cannot vote on this question now."))
    # Nothing changed: a repeat, or a refusal to explain.
    status = await session.scalar(select(Room.status).where(Room.id == room_id))
    if status is None:
        raise NotFound()
    if status is RoomStatus.CLOSED:
        raise Conflict(_l("You cannot vote on this question now."))
    row = (
        await session.execute(
            select(Question.vote_count, Question.state).where(
                Question.id == question_id, Question.room_id == room_id
            )
        )
    ).first()
    if row is None:
        raise NotFound()
    if row.state is not QuestionState.VISIBLE:
        raise Conflict(_l("You cannot vote on this question now."))
    await session.commit()
    return int(row.vote_count)


async def _sync_contribution(session: AsyncSession, question: Question) -> None:
    if question.contribution_id is None:
        return
    contribution = await session.get(Contribution, question.contribution_id)
    if contribution is not None:
        contribution.body = question.body
        contribution.moderation_state = CONTRIBUTION_STATE[question.state]
        contribution.hidden_reason = question.hidden_reason
        contribution.support_count = question.vote_count


MODERATION_OPS = (
    "approve",
    "reject",
    "hide",
    "restore",
    "edit",
    "pin",
    "unpin",
    "answer",
    "reopen",
    "star",
    "unstar",
    "merge",
)


async def moderate(
    session: AsyncSession,
    principal: Principal,
    room_id: int,
    question_id: int,
    op: str,
    *,
    reason: str | None = None,
    body: str | None = None,
    target_id: int | None = None,
) -> Question:
    """Apply one facilitator action to a question. Emits question.updated for each changed one."""
    if op not in MODERATION_OPS:
        raise ValidationFailed(fields={"op": _l("Choose one of the options.")})
    room = await log.lock_room(session, room_id)
    authorize(principal, ROOM_FACILITATE, await room_scope(session, room))
    question = await session.get(Question, question_id, populate_existing=True)
    if question is None or question.room_id != room.id:
        raise NotFound()
    changed = [question]
    if question.state is QuestionState.MERGED and op not in ("star", "unstar"):
        raise Conflict(_l("This question was merged into another one."))
    if op == "approve":
        _require(question.state is QuestionState.PENDING)
        question.state = QuestionState.VISIBLE
    elif op == "reject":
        _require(question.state is QuestionState.PENDING)
        question.state = QuestionState.REJECTED
    elif op == "hide":
        text = clean_text(reason, limit=500, field="reason", required=False)
        if not text:
            raise ValidationFailed(fields={"reason": _l("Give a reason; residents will see it.")})
        question.state, question.hidden_reason, question.pinned = QuestionState.HIDDEN, text, False
    elif op == "restore":
        _require(question.state in (QuestionState.HIDDEN, QuestionState.REJECTED))
        question.state, question.hidden_reason = QuestionState.VISIBLE, None
    elif op == "edit":
        text = clean_text(body, limit=MAX_QUESTION, field="body", required=True)
        assert text is not None
        if question.original_body is None:
            question.original_body = question.body
        question.body = text
    elif op == "pin":
        _require(question.state is QuestionState.VISIBLE)
        changed += await _unpin_all(session, room.id, except_id=question.id)
        question.pinned = True
    elif op == "unpin":
        question.pinned = False
    elif op in ("answer", "reopen"):
        question.answered = op == "answer"
        question.pinned = False if op == "answer" else question.pinned
    elif op in ("star", "unstar"):
        question.starred = op == "star"
    elif op == "merge":
        changed.append(await _merge(session, room, question, target_id))
    for q in changed:
        await _sync_contribution(session, q)
        await session.flush()
        log.emit(session, room, "question.updated", question_data(q))
    await log.commit_room(session)
    return question


def _require(condition: bool) -> None:
    if not condition:
        raise Conflict(_l("This question is not in a state that allows this action."))


async def _unpin_all(session: AsyncSession, room_id: int, *, except_id: int) -> list[Question]:
    pinned = list(
        await session.scalars(
            select(Question).where(
                Question.room_id == room_id, Question.pinned.is_(True), Question.id != except_id
            )
        )
    )
    for q in pinned:
        q.pinned = False
    await session.flush()
    return pinned


async def _merge(
    session: AsyncSession, room: Room, source: Question, target_id: int | None
) -> Question:
    """Merge ``source`` into the target: voters of both counted once, questions linked."""
    target = await session.get(Question, target_id) if target_id else None
    if target is None or target.room_id != room.id or target.id == source.id:
        raise ValidationFailed(fields={"target_id": _l("Choose another question of this room.")})
    if target.state is not QuestionState.VISIBLE:
        raise Conflict(_l("Merge into a question that everyone can see."))
    already = select(Vote.participant_id).where(Vote.question_id == target.id)
    await session.execute(
        insert(Vote).from_select(
            ["question_id", "participant_id", "created_at"],
            select(literal(target.id), Vote.participant_id, Vote.created_at).where(
                Vote.question_id == source.id, Vote.participant_id.not_in(already)
            ),
        )
    )
    target.vote_count = (
        await session.scalar(select(func.count()).where(Vote.question_id == target.id)) or 0
    )
    source.state, source.merged_into_id, source.pinned = QuestionState.MERGED, target.id, False
    if source.contribution_id and target.contribution_id:
        a = await session.get(Contribution, source.contribution_id)
        b = await session.get(Contribution, target.contribution_id)
        if a is not None and b is not None:
            await contributions.link(session, a, b, LinkKind.REPEATS, created_by_id=None)
    return target


async def ban(
    session: AsyncSession, principal: Principal, room_id: int, participant_id: int, reason: str
) -> RoomMember:
    """Remove a participant from a room for good. Emits member.banned (staff only)."""
    room = await log.lock_room(session, room_id)
    authorize(principal, ROOM_FACILITATE, await room_scope(session, room))
    member = await membership(session, room.id, participant_id)
    if member is None:
        raise NotFound()
    member.banned_at = utcnow()
    member.ban_reason = clean_text(reason, limit=500, field="reason", required=False)
    log.emit(
        session,
        room,
        "member.banned",
        {"participant_id": participant_id, "reason": member.ban_reason},
        audience="staff",
    )
    await log.commit_room(session)
    return member


async def my_votes(session: AsyncSession, room_id: int, participant_id: int) -> list[int]:
    rows = await session.scalars(
        select(Vote.question_id)
        .join(Question, Question.id == Vote.question_id)
        .where(Question.room_id == room_id, Vote.participant_id == participant_id)
    )
    return sorted(rows)


async def room_questions(session: AsyncSession, room_id: int) -> list[Question]:
    rows = await session.scalars(
        select(Question).where(Question.room_id == room_id).order_by(Question.id)
    )
    return list(rows)


FOLLOWED_STATES = {
    ModerationState.VISIBLE: QuestionState.VISIBLE,
    ModerationState.HIDDEN: QuestionState.HIDDEN,
    ModerationState.PENDING: QuestionState.PENDING,
    ModerationState.REJECTED: QuestionState.REJECTED,
}


async def follow_moderation(session: AsyncSession, contribution_id: int) -> Question | None:
    """Bring a room question in line with its contribution after a moderator's decision.

    Called for every ``contribution.moderated`` event (the moderation service has authorized
    the moderator). Emits question.updated, so every connected screen hides or shows it at once.
    Idempotent: with several processes, the first applies it and the others find nothing to do.
    """
    contribution = await session.get(Contribution, contribution_id, populate_existing=True)
    if contribution is None or contribution.source_type != "room_question":
        return None
    target = FOLLOWED_STATES.get(contribution.moderation_state)
    question = await session.get(Question, contribution.source_id)
    if target is None or question is None or question.state is QuestionState.MERGED:
        return None
    room = await log.lock_room(session, question.room_id)
    await session.refresh(question)
    if question.state is target and question.hidden_reason == contribution.hidden_reason:
        await session.rollback()
        return question
    question.state = target
    question.hidden_reason = contribution.hidden_reason if target is QuestionState.HIDDEN else None
    if target is not QuestionState.VISIBLE:
        question.pinned = False
    await session.flush()
    log.emit(session, room, "question.updated", question_data(question))
    await log.commit_room(session)
    return question
