"""comments: threads on a meeting's notes (comments.meeting_id)

Revision ID: 0102_comments_meeting
Revises: 0101_comments_parent
Create Date: 2026-11-26 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0102_comments_meeting"
down_revision: str | Sequence[str] | None = "0101_comments_parent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0002_consultations"


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_comments_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_comments_meeting_id_meetings"),
            "meetings",
            ["meeting_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_comments_meeting_id_meetings"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_comments_meeting_id"))
        batch_op.drop_column("meeting_id")
