"""The room actions, checked for every HTTP route and every WebSocket message."""

from __future__ import annotations

from deliberation.permissions import FACILITATOR, anyone, assigned, define, while_open

ROOM_TAKE_PART = define(
    "room.take_part",
    anyone,
    scoped=False,
    needs_login=False,
    description="Join a live room by code, ask, upvote, answer polls, watch the projector view",
)
ROOM_FACILITATE = define(
    "room.facilitate",
    while_open(assigned(FACILITATOR)),
    scoped=True,
    description="Create and run live rooms: moderate, pin, merge, polls, export",
)
