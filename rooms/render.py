"""Rendering room updates: once per audience and language, as htmx OOB fragments or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation import i18n
from rooms.models import Question, QuestionState, Room, RoomEvent
from rooms.polls import room_polls
from rooms.schema import public_event
from rooms.services import room_questions

if TYPE_CHECKING:
    from rooms.hub import Frame

HTML_AUDIENCES = ("participant", "console", "projector")
TOP_QUESTIONS = 5


@dataclass
class Batch:
    """What a run of events touched, loaded once for every audience."""

    room: Room
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    voted: dict[int, int] = field(default_factory=dict)
    room_changed: bool = False
    polls_changed: bool = False
    questions: dict[int, Question] = field(default_factory=dict)
    polls: list[Any] = field(default_factory=list)
    pinned: Question | None = None
    top: list[Question] = field(default_factory=list)
    pending: int = 0
    new_visible: int = 0


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def event_json(event: RoomEvent, *, staff: bool) -> dict[str, Any]:
    """One event as sent; ``at`` is when it was written (seconds since the epoch)."""
    at = round(event.created_at.timestamp(), 3)
    if staff:
        return {"seq": event.seq, "type": event.type, "data": event.data, "at": at}
    kind, data = public_event(event.type, event.audience, event.data)
    return {"seq": event.seq, "type": kind, "data": data, "at": at}


class Renderer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.env = app.state.templates.env

    def url_for(self, name: str, /, **params: Any) -> str:
        return str(self.app.url_path_for(name, **params))

    def render(self, name: str, language: str, **context: Any) -> str:
        with i18n.language(language):
            return str(
                self.env.get_template(name).render(url_for=self.url_for, csrf_token="", **context)
            )

    async def frames(
        self,
        session: AsyncSession,
        room_id: int,
        events: Sequence[RoomEvent],
        keys: set[tuple[str, str]],
    ) -> dict[tuple[str, str], Frame]:
        from rooms.hub import Frame

        first, last = events[0].seq, events[-1].seq
        out: dict[tuple[str, str], Frame] = {}
        for staff in (False, True):
            audience = "staff" if staff else "public"
            wanted = [k for k in keys if k[0] == audience]
            if wanted:
                items = [event_json(e, staff=staff) for e in events]
                frame = Frame(first, last, dumps({"type": "events", "events": items}), items)
                for key in wanted:
                    out[key] = frame
        html_keys = [k for k in keys if k[0] in HTML_AUDIENCES]
        if html_keys:
            batch = await self.load(session, room_id, events, {k[0] for k in html_keys})
            for key in html_keys:
                out[key] = Frame(first, last, self.html_update(batch, *key))
        return out

    async def load(
        self, session: AsyncSession, room_id: int, events: Sequence[RoomEvent], audiences: set[str]
    ) -> Batch:
        room = await session.get(Room, room_id, populate_existing=True)
        assert room is not None
        batch = Batch(room=room)
        for event in events:
            qid = event.data.get("id") if event.type.startswith("question.") else None
            if event.type == "question.created" and qid is not None:
                batch.created.append(qid)
                if event.data["state"] == QuestionState.VISIBLE.value:
                    batch.new_visible += 1
            elif event.type == "question.updated" and qid is not None:
                batch.updated.append(qid)
            elif event.type == "question.voted" and qid is not None:
                batch.voted[qid] = event.data["votes"]
            elif event.type == "room.updated":
                batch.room_changed = True
            elif event.type.startswith("poll."):
                batch.polls_changed = True
        ids = set(batch.created) | set(batch.updated)
        if ids:
            rows = await session.scalars(
                select(Question)
                .where(Question.id.in_(ids))
                .execution_options(populate_existing=True)
            )
            batch.questions = {q.id: q for q in rows}
        if ids or batch.voted:
            batch.pinned = await session.scalar(
                select(Question).where(Question.room_id == room_id, Question.pinned.is_(True))
            )
            if "projector" in audiences:
                batch.top = await top_questions(session, room_id)
        if batch.polls_changed:
            batch.polls = await room_polls(session, room_id)
        if "console" in audiences:
            batch.pending = await pending_count(session, room_id)
        return batch

    def html_update(self, batch: Batch, audience: str, language: str) -> str:
        ctx: dict[str, Any] = {"room": batch.room, "view": audience, "oob": True}
        parts: list[str] = []
        if audience == "projector":
            if batch.created or batch.updated or batch.voted:
                parts.append(self.render("rooms/_screen_top.html", language, top=batch.top, **ctx))
                parts.append(
                    self.render("rooms/_pinned.html", language, pinned=batch.pinned, **ctx)
                )
            if batch.polls_changed:
                parts.append(self.render("rooms/_polls.html", language, polls=batch.polls, **ctx))
            if batch.room_changed:
                parts.append(self.render("rooms/_status.html", language, **ctx))
            return "".join(parts)
        template = "rooms/_question.html"
        created = [batch.questions[i] for i in dict.fromkeys(batch.created) if i in batch.questions]
        if created:
            fresh = {**ctx, "oob": False}
            items = "".join(
                self.render(template, language, q=q, **fresh) for q in reversed(created)
            )
            parts.append(f'<div hx-swap-oob="afterbegin:#question-list">{items}</div>')
        for qid in dict.fromkeys(batch.updated):
            if qid in batch.questions and qid not in batch.created:
                parts.append(self.render(template, language, q=batch.questions[qid], **ctx))
        touched = set(batch.created) | set(batch.updated)
        for qid, votes in batch.voted.items():
            if qid not in touched:
                parts.append(f'<span id="votes-{qid}" hx-swap-oob="true">{int(votes)}</span>')
        if batch.updated or batch.created:
            parts.append(self.render("rooms/_pinned.html", language, pinned=batch.pinned, **ctx))
        if batch.room_changed:
            parts.append(self.render("rooms/_status.html", language, **ctx))
        if batch.polls_changed:
            parts.append(self.render("rooms/_polls.html", language, polls=batch.polls, **ctx))
        if audience == "console":
            parts.append(self.render("rooms/_counts.html", language, pending=batch.pending, **ctx))
        announce = self.announcement(batch, language)
        if announce:
            parts.append(f'<div hx-swap-oob="innerHTML:#room-announce">{announce}</div>')
        return "".join(parts)

    def announcement(self, batch: Batch, language: str) -> str:
        with i18n.language(language):
            texts = []
            if batch.new_visible:
                texts.append(
                    i18n.ngettext(
                        "%(num)s new question.", "%(num)s new questions.", batch.new_visible
                    )
                )
            pinned = batch.pinned
            if pinned is not None and pinned.id in batch.updated:
                texts.append(i18n.gettext("Now answering a question."))
            if batch.room_changed:
                texts.append(i18n.gettext("The room has changed."))
            return " ".join(texts)

    async def snapshot_html(
        self, session: AsyncSession, room: Room, audience: str, language: str
    ) -> str:
        """The whole room for one audience, swapped in on every (re)connect."""
        ctx: dict[str, Any] = {"room": room, "view": audience, "oob": True}
        pinned = await session.scalar(
            select(Question).where(Question.room_id == room.id, Question.pinned.is_(True))
        )
        polls = await room_polls(session, room.id)
        parts = [
            self.render("rooms/_status.html", language, **ctx),
            self.render("rooms/_pinned.html", language, pinned=pinned, **ctx),
            self.render("rooms/_polls.html", language, polls=polls, **ctx),
        ]
        if audience == "projector":
            top = await top_questions(session, room.id)
            parts.append(self.render("rooms/_screen_top.html", language, top=top, **ctx))
        else:
            questions = await room_questions(session, room.id)
            parts.append(
                self.render("rooms/_question_list.html", language, questions=questions, **ctx)
            )
        if audience == "console":
            pending = await pending_count(session, room.id)
            parts.append(self.render("rooms/_counts.html", language, pending=pending, **ctx))
        return "".join(parts)


async def top_questions(session: AsyncSession, room_id: int) -> list[Question]:
    rows = await session.scalars(
        select(Question)
        .where(
            Question.room_id == room_id,
            Question.state == QuestionState.VISIBLE,
            Question.answered.is_(False),
        )
        .order_by(Question.vote_count.desc(), Question.id)
        .limit(TOP_QUESTIONS)
    )
    return list(rows)


async def pending_count(session: AsyncSession, room_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Question)
        .where(Question.room_id == room_id, Question.state == QuestionState.PENDING)
    )
    return int(count or 0)
