"""rooms.meeting_id references meetings.id (added by the core's 0002_consultations)

Revision ID: r0002_room_meeting
Revises: r0001_rooms
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "r0002_room_meeting"
down_revision: str | Sequence[str] | None = "r0001_rooms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0002_consultations"


def upgrade() -> None:
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_rooms_meeting_id_meetings"),
            "meetings",
            ["meeting_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_rooms_meeting_id_meetings"), type_="foreignkey")
