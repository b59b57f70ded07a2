"""What the protocol carries: staff and public views of rooms, questions and polls.

Events store the staff view; ``public_event`` projects it for participants and the projector,
so one stored event serves every audience and the sequence stays the same for everyone.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rooms.models import Poll, PollKind, Question, QuestionState, Room

PUBLIC_STATES = (QuestionState.VISIBLE, QuestionState.HIDDEN, QuestionState.MERGED)


def room_data(room: Room) -> dict[str, Any]:
    return {
        "id": room.id,
        "code": room.code,
        "title": room.title,
        "status": room.status.value,
        "premoderated": room.premoderated,
        "capacity": room.capacity,
        "embed_url": room.embed_url,
        "meeting_id": room.meeting_id,
    }


def question_data(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "body": q.body,
        "original_body": q.original_body,
        "author_name": q.author_name,
        "in_person": q.in_person,
        "state": q.state.value,
        "hidden_reason": q.hidden_reason,
        "pinned": q.pinned,
        "answered": q.answered,
        "starred": q.starred,
        "merged_into_id": q.merged_into_id,
        "votes": q.vote_count,
        "created_at": q.created_at.isoformat(),
    }


def public_question(data: dict[str, Any]) -> dict[str, Any]:
    """What everyone may see: no pending or rejected text, no hidden text, no original text."""
    state = data["state"]
    if state not in {s.value for s in PUBLIC_STATES}:
        return {"id": data["id"], "state": "withdrawn"}
    out = {k: v for k, v in data.items() if k not in ("original_body", "starred")}
    if state == QuestionState.HIDDEN.value:
        out["body"] = None
        out["author_name"] = None
    else:
        out["hidden_reason"] = None
    return out


def poll_results(poll: Poll, values: list[Any]) -> dict[str, Any]:
    """Counts per option (single, multiple, rating) or per word (top 30), and the total."""
    counts: Counter[str] = Counter()
    for value in values:
        if poll.kind is PollKind.MULTIPLE:
            counts.update(str(v) for v in value)
        elif poll.kind is PollKind.WORDS:
            counts.update(w.lower() for w in str(value).split())
        else:
            counts[str(value)] += 1
    if poll.kind is PollKind.WORDS:
        items = [[word, n] for word, n in counts.most_common(30)]
    else:
        items = [[str(key), counts.get(str(key), 0)] for key in poll_choices(poll)]
    result: dict[str, Any] = {"total": len(values), "counts": items}
    if poll.kind is PollKind.RATING and values:
        result["average"] = round(sum(int(v) for v in values) / len(values), 2)
    return result


def poll_choices(poll: Poll) -> list[Any]:
    if poll.kind is PollKind.RATING:
        low, high = poll.options
        return list(range(int(low), int(high) + 1))
    if poll.kind is PollKind.WORDS:
        return []
    return list(range(len(poll.options)))


def poll_data(poll: Poll, results: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": poll.id,
        "kind": poll.kind.value,
        "prompt": poll.prompt,
        "options": poll.options,
        "status": poll.status.value,
        "revealed": poll.revealed,
        "results": results,
    }


def public_poll(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if not data["revealed"]:
        out["results"] = {"total": data["results"]["total"]}
    return out


def public_event(event_type: str, audience: str, data: dict[str, Any]) -> tuple[str, Any]:
    """The (type, data) a participant or the projector receives for one stored event."""
    if audience != "all":
        return "staff_only", None
    if event_type.startswith("question.") and event_type != "question.voted":
        return event_type, public_question(data)
    if event_type.startswith("poll."):
        return event_type, public_poll(data)
    return event_type, data
