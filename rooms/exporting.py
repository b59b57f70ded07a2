"""CSV export of a room's questions and polls, safe to open in a spreadsheet.

Cells are neutralised by the core's ``deliberation.exporting`` (formula injection), which also
writes UTF-8 with a BOM so Excel reads Polish letters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.exporting import write_csv
from rooms.models import Room
from rooms.polls import room_polls
from rooms.services import room_questions

HEADER = (
    "kind", "id", "state", "votes", "answered", "starred", "pinned", "in_person", "author",
    "text", "original_text", "hidden_reason", "merged_into", "created_at",
)  # fmt: skip


async def room_csv(session: AsyncSession, room: Room) -> bytes:
    rows: list[tuple[Any, ...]] = []
    for q in await room_questions(session, room.id):
        rows.append(
            (
                "question",
                q.id,
                q.state.value,
                q.vote_count,
                q.answered,
                q.starred,
                q.pinned,
                q.in_person,
                q.author_name,
                q.body,
                q.original_body,
                q.hidden_reason,
                q.merged_into_id,
                q.created_at,
            )
        )
    for poll, results in await room_polls(session, room.id):
        counts = "; ".join(f"{_label(poll, k)}: {n}" for k, n in results["counts"])
        rows.append(
            (
                "poll",
                poll.id,
                poll.status.value,
                results["total"],
                "",
                "",
                "",
                "",
                "",
                poll.prompt,
                counts,
                "",
                "",
                poll.created_at,
            )
        )
    return write_csv(rows, HEADER)


def _label(poll: Any, key: str) -> str:
    if poll.kind.value in ("single", "multiple") and key.isdigit() and int(key) < len(poll.options):
        return str(poll.options[int(key)])
    return key
