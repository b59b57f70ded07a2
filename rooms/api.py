"""The rooms JSON API (in the OpenAPI document): join, ask, vote, answer polls, run a room.

The WebSocket event stream is described in docs/rooms-protocol.md; these endpoints return the
same objects as its snapshots and events.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from deliberation.errors import ValidationFailed
from deliberation.i18n import _l
from deliberation.web.openapi import api_route
from deliberation.web.participants import current_participant, remember_participant
from rooms import log, polls, services
from rooms.errors import NotJoined
from rooms.hub import Hub
from rooms.models import PollKind, RoomStatus
from rooms.permissions import ROOM_FACILITATE, ROOM_TAKE_PART
from rooms.render import event_json
from rooms.schema import question_data, room_data
from rooms.snapshot import snapshot

REPLAY_LIMIT = 500


class RoomOut(BaseModel):
    id: int
    code: str
    title: str
    status: str
    premoderated: bool
    capacity: int | None
    embed_url: str | None
    meeting_id: int | None


class SnapshotOut(BaseModel):
    type: str = Field(description="'snapshot', or 'resync' when the events asked for are too old")
    seq: int = Field(description="The room's last event number this state includes")
    room: RoomOut
    questions: list[dict[str, Any]]
    polls: list[dict[str, Any]]
    me: dict[str, Any] | None


class EventOut(BaseModel):
    seq: int
    type: str
    data: Any


class EventsOut(BaseModel):
    type: str = Field(description="'events'")
    events: list[EventOut]


class JoinIn(BaseModel):
    display_name: str | None = Field(default=None, max_length=80)


class JoinOut(BaseModel):
    participant_id: int
    room: RoomOut


class AskIn(BaseModel):
    body: str = Field(max_length=2000)


class QuestionOut(BaseModel):
    id: int
    body: str | None
    state: str
    votes: int


class VoteOut(BaseModel):
    question_id: int
    votes: int


class AnswerIn(BaseModel):
    value: int | list[int] | str


class Ok(BaseModel):
    ok: bool = True


class RoomIn(BaseModel):
    title: str = Field(max_length=200)
    premoderated: bool = False
    capacity: int | None = Field(default=None, ge=1)
    embed_url: str | None = Field(default=None, max_length=500)
    meeting_id: int | None = None


class ControlIn(BaseModel):
    status: RoomStatus | None = None
    premoderated: bool | None = None


class ModerateIn(BaseModel):
    op: str = Field(max_length=20, description=", ".join(services.MODERATION_OPS))
    reason: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, max_length=2000)
    target_id: int | None = None


class InPersonIn(BaseModel):
    body: str = Field(max_length=2000)
    attendee_name: str | None = Field(default=None, max_length=80)


class PollIn(BaseModel):
    kind: PollKind
    prompt: str = Field(max_length=300)
    options: list[str] = Field(default=[], max_length=10)


class PollOpIn(BaseModel):
    op: str = Field(max_length=20, description=", ".join(polls.POLL_OPS))


class PollOut(BaseModel):
    id: int


def _json(model: BaseModel, status: int = 200) -> Response:
    return JSONResponse(model.model_dump(mode="json"), status_code=status)


def _session(request: Request) -> Any:
    session = request.state.db
    session.info[log.HUB] = request.app.state.room_hub
    return session


async def _participant(request: Request, *, create: bool = False) -> Any:
    participant, secret = await current_participant(
        request, request.state.db, request.state.user, create=create
    )
    if participant is None:
        raise NotJoined()
    return participant, secret


async def get_room(request: Request) -> Response:
    session = request.state.db
    room = await services.find_room(session, request.path_params["code"])
    participant, _ = await current_participant(request, session, request.state.user, create=False)
    state = await snapshot(
        session, room.id, staff=False, participant_id=participant.id if participant else None
    )
    return JSONResponse(state)


async def get_events(request: Request) -> Response:
    session = request.state.db
    room = await services.find_room(session, request.path_params["code"])
    raw = request.query_params.get("since", "")
    if not raw.isdigit():
        raise ValidationFailed(fields={"since": _l("Enter a number.")})
    since = int(raw)
    if since > room.last_seq or room.last_seq - since > REPLAY_LIMIT:
        state = await snapshot(session, room.id, staff=False)
        state["type"] = "resync"
        return JSONResponse(state)
    events = await log.events_after(session, room.id, since, limit=REPLAY_LIMIT)
    return JSONResponse({"type": "events", "events": [event_json(e, staff=False) for e in events]})


async def join(request: Request) -> Response:
    body: JoinIn = request.state.body
    session = request.state.db
    room = await services.find_room(session, request.path_params["code"])
    participant, secret = await _participant(request, create=True)
    await services.join(session, room, participant, body.display_name)
    response = _json(JoinOut(participant_id=participant.id, room=RoomOut(**room_data(room))))
    remember_participant(request, response, secret)
    return response


async def ask(request: Request) -> Response:
    body: AskIn = request.state.body
    session = _session(request)
    room = await services.find_room(session, request.path_params["code"])
    with _acting(request, room.id):
        participant, _ = await _participant(request)
        q = await services.ask(session, room.id, participant, body.body)
    data = question_data(q)
    return _json(QuestionOut(id=q.id, body=data["body"], state=data["state"], votes=0), 201)


async def vote(request: Request) -> Response:
    session = _session(request)
    room = await services.find_room(session, request.path_params["code"])
    participant, _ = await _participant(request)
    qid = request.path_params["question_id"]
    votes = await services.vote(
        session,
        room.id,
        qid,
        participant.id,
        up=request.method == "PUT",
        limiter=request.app.state.room_hub.vote_limiter,
    )
    return _json(VoteOut(question_id=qid, votes=votes))


async def answer(request: Request) -> Response:
    body: AnswerIn = request.state.body
    session = _session(request)
    room = await services.find_room(session, request.path_params["code"])
    participant, _ = await _participant(request)
    await polls.answer(session, room.id, request.path_params["poll_id"], participant, body.value)
    return _json(Ok())


async def create_room(request: Request) -> Response:
    body: RoomIn = request.state.body
    room = await services.create_room(
        _session(request),
        request.state.principal,
        request.path_params["consultation_id"],
        title=body.title,
        premoderated=body.premoderated,
        capacity=body.capacity,
        embed_url=body.embed_url,
        meeting_id=body.meeting_id,
    )
    return _json(RoomOut(**room_data(room)), 201)


def _acting(request: Request, room_id: int) -> AbstractContextManager[None]:
    """An urgent action on the room is in flight (the hub holds a due vote flush for it)."""
    hub: Hub = request.app.state.room_hub
    return hub.acting(room_id)


def _staff_acting(request: Request) -> AbstractContextManager[None]:
    return _acting(request, request.path_params["room_id"])


async def _room_id(request: Request) -> int:
    room = await services.get_room(
        request.state.db, request.path_params["consultation_id"], request.path_params["room_id"]
    )
    return room.id


async def staff_room(request: Request) -> Response:
    return JSONResponse(await snapshot(request.state.db, await _room_id(request), staff=True))


async def control(request: Request) -> Response:
    body: ControlIn = request.state.body
    with _staff_acting(request):
        room = await services.update_room(
            _session(request),
            request.state.principal,
            await _room_id(request),
            status=body.status,
            premoderated=body.premoderated,
        )
    return _json(RoomOut(**room_data(room)))


async def moderate(request: Request) -> Response:
    body: ModerateIn = request.state.body
    with _staff_acting(request):
        q = await services.moderate(
            _session(request),
            request.state.principal,
            await _room_id(request),
            request.path_params["question_id"],
            body.op,
            reason=body.reason,
            body=body.body,
            target_id=body.target_id,
        )
    return _json(QuestionOut(id=q.id, body=q.body, state=q.state.value, votes=q.vote_count))


async def in_person(request: Request) -> Response:
    body: InPersonIn = request.state.body
    with _staff_acting(request):
        q = await services.ask_in_person(
            _session(request),
            request.state.principal,
            await _room_id(request),
            body.body,
            body.attendee_name,
        )
    return _json(QuestionOut(id=q.id, body=q.body, state=q.state.value, votes=0), 201)


async def create_poll(request: Request) -> Response:
    body: PollIn = request.state.body
    with _staff_acting(request):
        poll = await polls.create_poll(
            _session(request),
            request.state.principal,
            await _room_id(request),
            kind=body.kind,
            prompt=body.prompt,
            options=body.options,
        )
    return _json(PollOut(id=poll.id), 201)


async def poll_op(request: Request) -> Response:
    body: PollOpIn = request.state.body
    with _staff_acting(request):
        poll = await polls.poll_action(
            _session(request),
            request.state.principal,
            await _room_id(request),
            request.path_params["poll_id"],
            body.op,
        )
    return _json(PollOut(id=poll.id))


PUBLIC = "/api/rooms/{code}"
STAFF = "/api/consultations/{consultation_id:int}/rooms/{room_id:int}"


def routes() -> list[BaseRoute]:
    tp, run, tags = ROOM_TAKE_PART, ROOM_FACILITATE, ["rooms"]
    return [
        api_route(
            PUBLIC,
            get_room,
            action=tp,
            name="rooms_api:room",
            tags=tags,
            summary="A room's current state (snapshot) with its last event number",
            response=SnapshotOut,
        ),
        api_route(
            PUBLIC + "/events",
            get_events,
            action=tp,
            name="rooms_api:events",
            tags=tags,
            summary="Events after ?since=N in order, or a resync snapshot if too old",
            response=EventsOut,
        ),
        api_route(
            PUBLIC + "/join",
            join,
            action=tp,
            name="rooms_api:join",
            method="POST",
            body=JoinIn,
            response=JoinOut,
            tags=tags,
            summary="Join the room (sets the participant cookie on first use)",
        ),
        api_route(
            PUBLIC + "/questions",
            ask,
            action=tp,
            name="rooms_api:ask",
            method="POST",
            body=AskIn,
            response=QuestionOut,
            tags=tags,
            status=201,
            summary="Ask a question",
        ),
        api_route(
            PUBLIC + "/questions/{question_id:int}/vote",
            vote,
            action=tp,
            name="rooms_api:vote",
            method="PUT",
            response=VoteOut,
            tags=tags,
            summary="Upvote a question (idempotent)",
        ),
        api_route(
            PUBLIC + "/questions/{question_id:int}/vote",
            vote,
            action=tp,
            name="rooms_api:unvote",
            method="DELETE",
            response=VoteOut,
            tags=tags,
            summary="Take an upvote back (idempotent)",
        ),
        api_route(
            PUBLIC + "/polls/{poll_id:int}/answer",
            answer,
            action=tp,
            name="rooms_api:answer",
            method="POST",
            body=AnswerIn,
            response=Ok,
            tags=tags,
            summary="Answer an open poll (a new answer replaces the old one)",
        ),
        api_route(
            "/api/consultations/{consultation_id:int}/rooms",
            create_room,
            action=run,
            name="rooms_api:create",
            method="POST",
            body=RoomIn,
            response=RoomOut,
            tags=tags,
            status=201,
            summary="Create a live room",
        ),
        api_route(
            STAFF,
            staff_room,
            action=run,
            name="rooms_api:staff_room",
            tags=tags,
            response=SnapshotOut,
            summary="The facilitators' snapshot of a room",
        ),
        api_route(
            STAFF + "/control",
            control,
            action=run,
            name="rooms_api:control",
            method="POST",
            body=ControlIn,
            response=RoomOut,
            tags=tags,
            summary="Open, pause or close the room; switch moderation mode",
        ),
        api_route(
            STAFF + "/questions/{question_id:int}/moderate",
            moderate,
            action=run,
            name="rooms_api:moderate",
            method="POST",
            body=ModerateIn,
            response=QuestionOut,
            tags=tags,
            summary="Approve, reject, hide, restore, edit, pin, answer, star or merge",
        ),
        api_route(
            STAFF + "/in-person",
            in_person,
            action=run,
            name="rooms_api:in_person",
            method="POST",
            body=InPersonIn,
            response=QuestionOut,
            tags=tags,
            status=201,
            summary="Type in a question asked in person in the hall",
        ),
        api_route(
            STAFF + "/polls",
            create_poll,
            action=run,
            name="rooms_api:poll_create",
            method="POST",
            body=PollIn,
            response=PollOut,
            tags=tags,
            status=201,
            summary="Prepare a live poll",
        ),
        api_route(
            STAFF + "/polls/{poll_id:int}",
            poll_op,
            action=run,
            name="rooms_api:poll",
            method="POST",
            body=PollOpIn,
            response=PollOut,
            tags=tags,
            summary="Open, close, reveal or conceal a poll",
        ),
    ]
