"""Room errors (rendered like every DomainError; over WebSockets as error frames)."""

from __future__ import annotations

from deliberation.errors import Conflict, NotFound, PermissionDenied
from deliberation.i18n import _l


class RoomNotFound(NotFound):
    code = "room_not_found"
    default_message = _l("There is no room with this code. Check the code and try again.")


class RoomClosed(Conflict):
    code = "room_closed"
    default_message = _l("This room is closed.")


class RoomPaused(Conflict):
    code = "room_paused"
    default_message = _l("The facilitator has paused new questions for a moment.")


class RoomFull(Conflict):
    code = "room_full"
    default_message = _l(
        "This room is full. You can still follow the meeting, but you cannot join right now."
    )


class Banned(PermissionDenied):
    code = "banned"
    default_message = _l("The facilitator has removed you from this room.")


class NotJoined(PermissionDenied):
    code = "not_joined"
    default_message = _l("Join the room first.")
