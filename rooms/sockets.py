"""The room WebSocket: snapshot or replay on connect, then pushed updates; JSON actions in.

``/r/{code}/ws?view=participant|console|projector&format=html|json&since=N&key=K``. The Origin
is checked before accept; every incoming message is checked against the sender's role. See
docs/rooms-protocol.md.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket, WebSocketDisconnect

from deliberation import i18n
from deliberation.errors import DomainError, PermissionDenied
from deliberation.i18n import _l
from deliberation.permissions import Principal, can
from deliberation.web.forms import validation_failed
from deliberation.web.participants import current_participant
from deliberation.web.websocket import check_origin, socket_identity
from rooms import actions, log
from rooms.errors import Banned, RoomNotFound
from rooms.hub import Conn, Hub
from rooms.models import Room
from rooms.permissions import ROOM_FACILITATE, ROOM_TAKE_PART
from rooms.render import dumps, event_json
from rooms.services import find_room, membership, my_votes, room_scope
from rooms.snapshot import snapshot
from rooms.wire import RawSocket

log_ = logging.getLogger(__name__)

MAX_MESSAGE = 4096
REPLAY_LIMIT = 500
# Close codes (also in docs/rooms-protocol.md).
TOO_BIG = 1009
POLICY = 1008
FORBIDDEN = 4003
NOT_FOUND = 4004
BANNED = 4001
FLOOD = 4029

VIEWS = {
    ("participant", "html"): "participant",
    ("console", "html"): "console",
    ("projector", "html"): "projector",
    ("participant", "json"): "public",
    ("projector", "json"): "public",
    ("console", "json"): "staff",
}


class Identity(BaseModel):
    room_id: int
    audience: str
    staff: bool
    participant_id: int | None
    principal: Any


async def _identify(websocket: WebSocket, session: AsyncSession) -> tuple[Room, Identity]:
    _user, principal = await socket_identity(websocket, session)
    room = await find_room(session, websocket.path_params["code"])
    params = websocket.query_params
    view = params.get("view", "participant")
    fmt = params.get("format", "html")
    audience = VIEWS.get((view, fmt))
    if audience is None:
        raise DomainError(_l("Unknown view."), code="bad_request")
    staff = audience in ("console", "staff")
    if staff and not can(principal, ROOM_FACILITATE, await room_scope(session, room)):
        raise PermissionDenied()
    if view == "projector" and params.get("key") != room.projector_key:
        raise PermissionDenied()
    participant, _secret = await current_participant(websocket, session, _user, create=False)
    pid = participant.id if participant is not None else None
    if pid is not None and not staff:
        member = await membership(session, room.id, pid)
        if member is not None and member.banned_at is not None:
            raise Banned()
    return room, Identity(
        room_id=room.id, audience=audience, staff=staff, participant_id=pid, principal=principal
    )


async def room_socket(websocket: WebSocket) -> None:
    if not await check_origin(websocket):
        return
    app = websocket.app
    hub: Hub = app.state.room_hub
    async with app.state.db.session() as session:
        try:
            room, who = await _identify(websocket, session)
        except DomainError as exc:
            await websocket.accept()
            await websocket.send_text(dumps({"type": "error", **exc.to_dict()}))
            code = {RoomNotFound: NOT_FOUND, Banned: BANNED}.get(type(exc), FORBIDDEN)
            await websocket.close(code=code, reason=exc.code)
            return
        language = i18n.get_language()
        await websocket.accept()
        conn = Conn(
            websocket, who.audience, language, who.participant_id, RawSocket.find(websocket)
        )
        hub.subscribe(room.id, room.last_seq, conn)
        try:
            await _greet(session, hub, room, who, conn, websocket.query_params.get("since"))
        except Exception:
            hub.unsubscribe(room.id, conn)
            raise
    conn.start()
    try:
        await _receive(websocket, hub, who, conn)
    finally:
        hub.unsubscribe(who.room_id, conn)


async def _greet(
    session: AsyncSession, hub: Hub, room: Room, who: Identity, conn: Conn, since: str | None
) -> None:
    """Send the snapshot (or the missed events) before any pushed frame."""
    ws = conn.websocket
    if who.audience in ("public", "staff"):
        last = int(since) if since and since.isdigit() else None
        if last is not None and last <= room.last_seq and room.last_seq - last <= REPLAY_LIMIT:
            events = await log.events_after(session, room.id, last, limit=REPLAY_LIMIT)
            items = [event_json(e, staff=who.staff) for e in events]
            await ws.send_text(dumps({"type": "replay", "from": last, "events": items}))
            conn.sent_seq = items[-1]["seq"] if items else last
            return
        seq, text = await _json_snapshot(
            session, hub, room, who, "snapshot" if last is None else "resync"
        )
        await ws.send_text(text)
        conn.sent_seq = seq
        return
    key = (who.audience, conn.language)
    channel = hub.channels[room.id]
    cached = channel.snapshots.get(key)
    if cached is not None and cached[0] >= channel.seq:
        seq, html = cached
    else:
        fresh = await session.get(Room, room.id, populate_existing=True)
        assert fresh is not None
        seq = fresh.last_seq
        html = await hub.renderer.snapshot_html(session, fresh, who.audience, conn.language)
        channel.snapshots[key] = (seq, html)
    votes: list[int] = []
    if who.participant_id is not None and who.audience == "participant":
        votes = await my_votes(session, room.id, who.participant_id)
    me = '<div id="room-me" hx-swap-oob="true" hidden data-votes="{}"></div>'.format(
        " ".join(str(v) for v in votes)
    )
    await ws.send_text(html + me)
    conn.sent_seq = seq


async def _json_snapshot(
    session: AsyncSession, hub: Hub, room: Room, who: Identity, kind: str
) -> tuple[int, str]:
    """The JSON snapshot; the shared part is built once per room, audience and sequence number.

    A reconnect storm (a deploy, a restart) then costs one read of the room, not one per client;
    only the participant's own votes are read per socket. A cached state is good for this socket
    while it is at least as new as what the room's channel has already fanned out (``seq``):
    every later event reaches the socket, which was subscribed before this check.
    """
    channel = hub.channels[room.id]
    key = ("json", "staff" if who.staff else "public")
    cached = channel.snapshots.get(key)
    if cached is not None and cached[0] >= channel.seq:
        seq, shared = cached
    else:
        state = await snapshot(session, room.id, staff=who.staff)
        del state["type"], state["me"]
        seq, shared = state["seq"], dumps(state)[1:-1]
        channel.snapshots[key] = (seq, shared)
    me = None
    if who.participant_id is not None:
        me = {
            "participant_id": who.participant_id,
            "votes": await my_votes(session, room.id, who.participant_id),
        }
    return seq, f'{{"type":"{kind}",{shared},"me":{dumps(me)}}}'


async def _receive(websocket: WebSocket, hub: Hub, who: Identity, conn: Conn) -> None:
    budget = actions.MessageBudget()
    while True:
        try:
            message = await websocket.receive()
        except WebSocketDisconnect:
            return
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None:
            raw_bytes = message.get("bytes") or b""
            raw = raw_bytes.decode("utf-8", "replace")
        if len(raw) > MAX_MESSAGE:
            await websocket.close(code=TOO_BIG, reason="message_too_big")
            return
        if not budget.take():
            await websocket.close(code=FLOOD, reason="too_many_messages")
            return
        reply = await _handle(hub, who, raw)
        if reply is not None:
            await websocket.send_text(reply)


async def _handle(hub: Hub, who: Identity, raw: str) -> str | None:
    ref: Any = None
    try:
        try:
            data = json.loads(raw)
        except ValueError:
            raise DomainError(_l("This message is not valid JSON."), code="bad_json") from None
        if not isinstance(data, dict):
            raise DomainError(_l("This message is not valid JSON."), code="bad_json")
        ref = data.get("ref")
        if data.get("action") == "ping":
            return dumps({"type": "pong", "ref": ref})
        async with hub.app.state.db.session() as session:
            session.info[log.HUB] = hub
            principal: Principal = who.principal
            result = await actions.dispatch(
                session, hub, who.room_id, principal, who.staff, who.participant_id, data
            )
        return dumps({"type": "ack", "ref": ref, **result})
    except ValidationError as exc:
        error: DomainError = validation_failed(exc)
    except DomainError as exc:
        error = exc
    body = {"type": "error", "ref": ref, **error.to_dict()}
    if who.audience in ("participant", "console", "projector"):
        from markupsafe import escape

        return f'<div hx-swap-oob="innerHTML:#room-announce">{escape(str(error.message))}</div>'
    return dumps(body)


room_socket.action = ROOM_TAKE_PART  # type: ignore[attr-defined]
