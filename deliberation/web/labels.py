"""Translated labels for the values of the core's enums, for templates and exports."""

from __future__ import annotations

from typing import Any

from deliberation.i18n import _l

ROLES: dict[str, Any] = {
    "resident": _l("Resident"),
    "facilitator": _l("Facilitator"),
    "moderator": _l("Moderator"),
    "admin": _l("Administrator"),
}

STATUSES: dict[str, Any] = {
    "draft": _l("Draft"),
    "published": _l("Open"),
    "closed": _l("Closed"),
    "report_published": _l("Report published"),
}

CHANNELS: dict[str, Any] = {
    "online_comment": _l("Online comment"),
    "live_question": _l("Live room question"),
    "survey_answer": _l("Survey answer"),
    "meeting_note": _l("Point from a meeting"),
    "paper_form": _l("Paper form"),
    "email": _l("E-mail"),
}

MODERATION_STATES: dict[str, Any] = {
    "pending": _l("Waiting for moderation"),
    "visible": _l("Visible"),
    "hidden": _l("Hidden by a moderator"),
    "rejected": _l("Rejected"),
    "deleted_by_author": _l("Deleted by author"),
}

LINK_KINDS: dict[str, Any] = {
    "answers": _l("answers"),
    "repeats": _l("repeats"),
    "disagrees": _l("disagrees with"),
    "relates": _l("relates to"),
}


def _label(table: dict[str, Any]) -> Any:
    def label(value: str) -> str:
        return str(table.get(value, value))

    return label


GLOBALS = {
    "role_label": _label(ROLES),
    "status_label": _label(STATUSES),
    "channel_label": _label(CHANNELS),
    "moderation_label": _label(MODERATION_STATES),
    "link_label": _label(LINK_KINDS),
}
