"""comments: an index on parent_id (a page's replies are looked up by their parents)

Revision ID: 0101_comments_parent
Revises: 0100_comments
Create Date: 2026-11-26 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0101_comments_parent"
down_revision: str | Sequence[str] | None = "0100_comments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_parent_id"), ["parent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_parent_id"))
