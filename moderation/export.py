"""The audit log as CSV, through the shared exporter (cells that start a formula neutralized)."""

from __future__ import annotations

from collections.abc import Iterable

from deliberation.exporting import write_csv
from moderation.labels import ACTIONS
from moderation.models import AuditEntry

HEADER = (
    "id",
    "created_at",
    "consultation_id",
    "contribution_id",
    "participant_id",
    "actor",
    "action",
    "reason",
    "before",
    "after",
)


def audit_csv(entries: Iterable[AuditEntry]) -> bytes:
    rows = (
        (
            e.id,
            e.created_at,
            e.consultation_id,
            e.contribution_id,
            e.participant_id,
            e.actor_name,
            str(ACTIONS.get(e.action.value, e.action.value)),
            e.reason,
            e.before,
            e.after,
        )
        for e in entries
    )
    return write_csv(rows, HEADER)
