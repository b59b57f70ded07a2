"""HTML routes of live rooms: join by code, the participant page, the console, the projector.

Every form works without JavaScript (POST, then 303 back to the page); with htmx the same forms
post in the background and the WebSocket brings the change to every view.
"""

from __future__ import annotations

from typing import Any

import segno
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, WebSocketRoute

from deliberation.errors import DomainError, NotFound
from deliberation.i18n import _l
from deliberation.models import Participant
from deliberation.web.forms import parse_form
from deliberation.web.participants import current_participant, remember_participant
from deliberation.web.redirects import see_other
from deliberation.web.routing import page
from rooms import exporting, log, polls, services
from rooms.embed import parse_embed
from rooms.models import Poll, PollKind, Room, RoomStatus
from rooms.permissions import ROOM_FACILITATE, ROOM_TAKE_PART
from rooms.sockets import room_socket


def _hub_session(request: Request) -> Any:
    session = request.state.db
    session.info[log.HUB] = request.app.state.room_hub
    return session


def _done(request: Request, url: str) -> Response:
    """htmx requests get 204 (the socket brings the change); plain forms a redirect."""
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204)
    return see_other(url)


class CodeForm(BaseModel):
    code: str = Field(min_length=1, max_length=20)


class JoinForm(BaseModel):
    display_name: str = Field(default="", max_length=80)


class AskForm(BaseModel):
    body: str = Field(min_length=1, max_length=2000)


class VoteForm(BaseModel):
    up: int = Field(default=1, ge=0, le=1)


class AnswerForm(BaseModel):
    value: str = Field(max_length=200)


class RoomForm(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    premoderated: str | None = None
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    embed_url: str | None = Field(default=None, max_length=500)


class ControlForm(BaseModel):
    status: RoomStatus | None = None
    premoderated: str | None = None


class ModerateForm(BaseModel):
    reason: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, max_length=2000)
    target_id: int | None = None


class InPersonForm(BaseModel):
    body: str = Field(min_length=1, max_length=2000)
    attendee_name: str | None = Field(default=None, max_length=80)


class PollForm(BaseModel):
    kind: PollKind
    prompt: str = Field(min_length=1, max_length=300)
    options: str = Field(default="", max_length=2000)


def render(request: Request, name: str, **context: Any) -> Response:
    response: Response = request.app.state.templates.response(request, name, **context)
    return response


async def enter(request: Request) -> Response:
    if request.method == "POST":
        form = await parse_form(request, CodeForm)
        room = await services.find_room(request.state.db, form.code)
        return see_other(str(request.app.url_path_for("rooms:room", code=room.code)))
    code = request.query_params.get("code")
    if code:
        room = await services.find_room(request.state.db, code)
        return see_other(str(request.app.url_path_for("rooms:room", code=room.code)))
    return render(request, "rooms/enter.html")


async def _me(request: Request, *, create: bool) -> tuple[Participant | None, str | None]:
    return await current_participant(request, request.state.db, request.state.user, create=create)


async def room_page(request: Request) -> Response:
    session = request.state.db
    room = await services.find_room(session, request.path_params["code"])
    participant, _ = await _me(request, create=False)
    member = await services.membership(session, room.id, participant.id) if participant else None
    votes = await services.my_votes(session, room.id, participant.id) if participant else []
    return render(
        request,
        "rooms/room.html",
        room=room,
        view="participant",
        member=member,
        votes=votes,
        questions=await services.room_questions(session, room.id),
        polls=await polls.room_polls(session, room.id),
        pinned=await _pinned(session, room),
        embed=parse_embed(room.embed_url) if room.embed_url else None,
        show_embed=request.query_params.get("stream") == "1",
        answers=await _my_answers(session, room, participant),
    )


async def _pinned(session: Any, room: Room) -> Any:
    from sqlalchemy import select

    from rooms.models import Question

    return await session.scalar(
        select(Question).where(Question.room_id == room.id, Question.pinned.is_(True))
    )


async def _my_answers(session: Any, room: Room, participant: Participant | None) -> dict[int, Any]:
    if participant is None:
        return {}
    from sqlalchemy import select

    from rooms.models import Poll, PollAnswer

    rows = await session.execute(
        select(PollAnswer.poll_id, PollAnswer.value)
        .join(Poll, Poll.id == PollAnswer.poll_id)
        .where(Poll.room_id == room.id, PollAnswer.participant_id == participant.id)
    )
    return {poll_id: value for poll_id, value in rows}


async def join(request: Request) -> Response:
    form = await parse_form(request, JoinForm)
    session = request.state.db
    room = await services.find_room(session, request.path_params["code"])
    participant, secret = await _me(request, create=True)
    assert participant is not None
    await services.join(session, room, participant, form.display_name or None)
    response = see_other(str(request.app.url_path_for("rooms:room", code=room.code)))
    remember_participant(request, response, secret)
    return response


async def _member_participant(request: Request, room: Room) -> Participant:
    participant, _ = await _me(request, create=False)
    if participant is None:
        from rooms.errors import NotJoined

        raise NotJoined()
    return participant


async def ask(request: Request) -> Response:
    form = await parse_form(request, AskForm)
    session = _hub_session(request)
    room = await services.find_room(session, request.path_params["code"])
    with request.app.state.room_hub.acting(room.id):
        participant = await _member_participant(request, room)
        question = await services.ask(session, room.id, participant, form.body)
    if request.headers.get("hx-request") == "true":
        return render(request, "rooms/_asked.html", room=room, question=question)
    return see_other(str(request.app.url_path_for("rooms:room", code=room.code)))


async def vote(request: Request) -> Response:
    form = await parse_form(request, VoteForm)
    session = _hub_session(request)
    room = await services.find_room(session, request.path_params["code"])
    participant = await _member_participant(request, room)
    await services.vote(
        session,
        room.id,
        request.path_params["question_id"],
        participant.id,
        up=bool(form.up),
        limiter=request.app.state.room_hub.vote_limiter,
    )
    return _done(request, str(request.app.url_path_for("rooms:room", code=room.code)))


async def answer_poll(request: Request) -> Response:
    session = _hub_session(request)
    room = await services.find_room(session, request.path_params["code"])
    participant = await _member_participant(request, room)
    async with request.form(max_files=0, max_fields=20) as form:
        values = [str(v) for v in form.getlist("value")]
    poll_id = request.path_params["poll_id"]
    value: Any = values[0] if len(values) == 1 else values
    poll = await session.get(Poll, poll_id)
    if poll is None:
        raise NotFound()
    try:
        if poll.kind is PollKind.MULTIPLE:
            value = [int(v) for v in values]
        elif poll.kind in (PollKind.SINGLE, PollKind.RATING):
            value = int(values[0])
    except (ValueError, IndexError):
        value = None
    await polls.answer(session, room.id, poll_id, participant, value)
    return _done(request, str(request.app.url_path_for("rooms:room", code=room.code)))


def qr_svg(url: str) -> str:
    """The join QR code as inline SVG (rendered on the server, no script)."""
    return str(segno.make(url, error="m").svg_inline(scale=8, border=2, dark="#000", light="#fff"))


async def projector(request: Request) -> Response:
    session = request.state.db
    room = await services.find_room(session, request.path_params["code"])
    if request.query_params.get("key") != room.projector_key:
        raise NotFound()
    join_url = request.app.state.settings.base_url.rstrip("/") + str(
        request.app.url_path_for("rooms:room", code=room.code)
    )
    from rooms.render import top_questions

    return render(
        request,
        "rooms/projector.html",
        room=room,
        view="projector",
        join_url=join_url,
        qr=qr_svg(join_url),
        pinned=await _pinned(session, room),
        top=await top_questions(session, room.id),
        polls=await polls.room_polls(session, room.id),
    )


# --- facilitators ---------------------------------------------------------------------------


async def rooms_list(request: Request) -> Response:
    from sqlalchemy import select

    cid = request.path_params["consultation_id"]
    session = _hub_session(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            form = await parse_form(request, RoomForm)
            room = await services.create_room(
                session,
                request.state.principal,
                cid,
                title=form.title,
                premoderated=bool(form.premoderated),
                capacity=form.capacity,
                embed_url=form.embed_url,
            )
            return see_other(
                str(request.app.url_path_for("rooms:console", consultation_id=cid, room_id=room.id))
            )
        except DomainError as exc:
            if not exc.fields:
                raise
            errors = {k: str(v) for k, v in exc.fields.items()}
    rooms = list(
        await session.scalars(select(Room).where(Room.consultation_id == cid).order_by(Room.id))
    )
    return render(
        request,
        "rooms/list.html",
        rooms=rooms,
        consultation_id=cid,
        errors=errors,
        status_code=422 if errors else 200,
    )


async def console(request: Request) -> Response:
    session = request.state.db
    room = await services.get_room(
        session, request.path_params["consultation_id"], request.path_params["room_id"]
    )
    from rooms.render import pending_count

    return render(
        request,
        "rooms/console.html",
        room=room,
        view="console",
        questions=await services.room_questions(session, room.id),
        polls=await polls.room_polls(session, room.id),
        pinned=await _pinned(session, room),
        pending=await pending_count(session, room.id),
        connected=request.app.state.room_hub.room_connections(room.id),
    )


def _console_url(request: Request, room: Room) -> str:
    return str(
        request.app.url_path_for(
            "rooms:console", consultation_id=room.consultation_id, room_id=room.id
        )
    )


async def control(request: Request) -> Response:
    form = await parse_form(request, ControlForm)
    session = _hub_session(request)
    room = await services.get_room(
        session, request.path_params["consultation_id"], request.path_params["room_id"]
    )
    premoderated = None if form.premoderated is None else form.premoderated == "1"
    with request.app.state.room_hub.acting(room.id):
        await services.update_room(
            session, request.state.principal, room.id, status=form.status, premoderated=premoderated
        )
    return _done(request, _console_url(request, room))


async def moderate(request: Request) -> Response:
    form = await parse_form(request, ModerateForm)
    session = _hub_session(request)
    room = await services.get_room(
        session, request.path_params["consultation_id"], request.path_params["room_id"]
    )
    with request.app.state.room_hub.acting(room.id):
        await services.moderate(
            session,
            request.state.principal,
            room.id,
            request.path_params["question_id"],
            request.path_params["op"],
            reason=form.reason,
            body=form.body,
            target_id=form.target_id,
        )
    return _done(request, _console_url(request, room))


async def in_person(request: Request) -> Response:
    form = await parse_form(request, InPersonForm)
    session = _hub_session(request)
    room = await services.get_room(
        session, request.path_params["consultation_id"], request.path_params["room_id"]
    )
    with request.app.state.room_hub.acting(room.id):
        await services.ask_in_person(
            session, request.state.principal, room.id, form.body, form.attendee_name
        )
    return _done(request, _console_url(request, room))


async def poll_create(request: Request) -> Response:
    form = await parse_form(request, PollForm)
    session = _hub_session(request)
    room = await services.get_room(
        session, request.path_params["consultation_id"], request.path_params["room_id"]
    )
    options = [line for line in form.options.splitlines() if line.strip()]
    with request.app.state.room_hub.acting(room.id):
        await polls.create_poll(
            session,
            request.state.principal,
            room.id,
            kind=form.kind,
            prompt=form.prompt,
            options=options,
        )
    return _done(request, _console_url(request, room))


async def poll_control(request: Request) -> Response:
    session = _hub_session(request)
    room = await services.get_room(
        session, request.path_params["consultation_id"], request.path_params["room_id"]
    )
    with request.app.state.room_hub.acting(room.id):
        await polls.poll_action(
            session,
            request.state.principal,
            room.id,
            request.path_params["poll_id"],
            request.path_params["op"],
        )
    return _done(request, _console_url(request, room))


async def export_csv(request: Request) -> Response:
    session = request.state.db
    room = await services.get_room(
        session, request.path_params["consultation_id"], request.path_params["room_id"]
    )
    body = await exporting.room_csv(session, room)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="room-{room.code}.csv"'},
    )


CONSOLE = "/consultations/{consultation_id:int}/rooms/{room_id:int}"


def routes() -> list[BaseRoute]:
    take_part = ROOM_TAKE_PART
    run = ROOM_FACILITATE
    post = ("POST",)
    return [
        page("/r", enter, action=take_part, name="rooms:enter", methods=("GET", "POST")),
        page("/r/{code}", room_page, action=take_part, name="rooms:room"),
        page("/r/{code}/join", join, action=take_part, name="rooms:join", methods=post),
        page("/r/{code}/questions", ask, action=take_part, name="rooms:ask", methods=post),
        page(
            "/r/{code}/questions/{question_id:int}/vote",
            vote,
            action=take_part,
            name="rooms:vote",
            methods=post,
        ),
        page(
            "/r/{code}/polls/{poll_id:int}/answer",
            answer_poll,
            action=take_part,
            name="rooms:answer",
            methods=post,
        ),
        page("/r/{code}/screen", projector, action=take_part, name="rooms:projector"),
        WebSocketRoute("/r/{code}/ws", room_socket, name="rooms:ws"),
        page(
            "/consultations/{consultation_id:int}/rooms",
            rooms_list,
            action=run,
            name="rooms:list",
            methods=("GET", "POST"),
        ),
        page(CONSOLE, console, action=run, name="rooms:console"),
        page(CONSOLE + "/control", control, action=run, name="rooms:control", methods=post),
        page(
            CONSOLE + "/questions/{question_id:int}/{op}",
            moderate,
            action=run,
            name="rooms:moderate",
            methods=post,
        ),
        page(CONSOLE + "/in-person", in_person, action=run, name="rooms:in_person", methods=post),
        page(CONSOLE + "/polls", poll_create, action=run, name="rooms:poll_create", methods=post),
        page(
            CONSOLE + "/polls/{poll_id:int}/{op}",
            poll_control,
            action=run,
            name="rooms:poll_control",
            methods=post,
        ),
        page(CONSOLE + "/export.csv", export_csv, action=run, name="rooms:export"),
    ]


_ = _l  # translations used in templates only
