"""survey_responses.folded: submissions no longer write the tallies; a folding task does

Revision ID: s0002_fold
Revises: s0001_surveys
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s0002_fold"
down_revision: str | Sequence[str] | None = "s0001_surveys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("folded", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Every existing response was counted in the tallies when it was stored.
    op.execute("UPDATE survey_responses SET folded = true")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_responses_unfolded",
            ["version_id", "id"],
            unique=False,
            postgresql_where=sa.text("NOT folded"),
            sqlite_where=sa.text("folded = 0"),
        )


def downgrade() -> None:
    # The code before this revision expects every response in the tallies: let the folding task
    # catch up (it needs well under a second) or run ``surveys.tallies.rebuild`` per version first.
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_survey_responses_unfolded",
            postgresql_where=sa.text("NOT folded"),
            sqlite_where=sa.text("folded = 0"),
        )
        batch_op.drop_column("folded")
