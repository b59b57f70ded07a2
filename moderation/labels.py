"""Translated names of moderation codes, for every template that shows them."""

from __future__ import annotations

from typing import Any

from deliberation.i18n import _l

REASONS: dict[str, Any] = {
    "spam": _l("spam or advertising"),
    "offensive": _l("offensive or abusive"),
    "off_topic": _l("off topic"),
    "personal_data": _l("personal data"),
    "illegal": _l("against the law"),
    "other": _l("other"),
    "reports": _l("reported by residents, waiting for a moderator"),
    "blocked_word": _l("blocked word"),
    "too_many_links": _l("too many links"),
    "duplicate": _l("duplicate post"),
    "pre_moderation": _l("pre-moderation"),
}
ACTIONS: dict[str, Any] = {
    "approve": _l("approved"),
    "hide": _l("hidden"),
    "restore": _l("restored"),
    "redact": _l("personal data removed"),
    "block": _l("participant blocked"),
    "unblock": _l("participant unblocked"),
    "auto_hold": _l("held automatically"),
    "auto_hide": _l("held after reports"),
    "appeal": _l("appeal filed"),
    "appeal_decided": _l("appeal decided"),
    "settings": _l("settings changed"),
}
STATES: dict[str, Any] = {
    "pending": _l("waiting for moderation"),
    "visible": _l("visible"),
    "hidden": _l("hidden"),
    "rejected": _l("rejected"),
    "deleted_by_author": _l("deleted by author"),
}


def reason_label(code: str | None) -> str:
    """A known code's name, or the moderator's own words."""
    if not code:
        return ""
    label = REASONS.get(code)
    return str(label) if label is not None else code


GLOBALS: dict[str, Any] = {
    "moderation_reason": reason_label,
    "moderation_action": lambda code: str(ACTIONS.get(code, code)),
    "moderation_state": lambda code: str(STATES.get(code, code)),
}
