"""comments: threads, revisions, votes, settings

Revision ID: 0100_comments
Revises:
Create Date: 2026-11-26 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import deliberation.db

revision: str = "0100_comments"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("comments",)
depends_on: str | Sequence[str] | None = "0001_core"


def upgrade() -> None:
    op.create_table(
        "comment_settings",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("allow_anonymous", sa.Boolean(), nullable=False),
        sa.Column("updated_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_comment_settings_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consultation_id", name=op.f("pk_comment_settings")),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column(
            "stance",
            sa.Enum(
                "for",
                "against",
                "neutral",
                name="comment_stance",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("author_participant_id", sa.Integer(), nullable=True),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.Text(), nullable=False),
        sa.Column("notify_replies", sa.Boolean(), nullable=False),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_at", deliberation.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", deliberation.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("depth >= 0 AND depth <= 2", name=op.f("ck_comments_depth_range")),
        sa.ForeignKeyConstraint(
            ["author_participant_id"],
            ["participants.id"],
            name=op.f("fk_comments_author_participant_id_participants"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_comments_author_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_comments_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_comments_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["comments.id"],
            name=op.f("fk_comments_parent_id_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
        sa.UniqueConstraint("contribution_id", name=op.f("uq_comments_contribution_id")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comments_author_participant_id"), ["author_participant_id"], unique=False
        )
        batch_op.create_index(
            "ix_comments_thread", ["consultation_id", "parent_id", "created_at"], unique=False
        )

    op.create_table(
        "comment_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_comment_revisions_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_revisions")),
    )
    with op.batch_alter_table("comment_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_revisions_comment_id"), ["comment_id"], unique=False
        )

    op.create_table(
        "comment_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_comment_votes_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_comment_votes_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_votes")),
        sa.UniqueConstraint(
            "comment_id", "participant_id", name=op.f("uq_comment_votes_comment_id_participant_id")
        ),
    )
    with op.batch_alter_table("comment_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_votes_participant_id"), ["participant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("comment_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_votes_participant_id"))

    op.drop_table("comment_votes")
    with op.batch_alter_table("comment_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_revisions_comment_id"))

    op.drop_table("comment_revisions")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_thread")
        batch_op.drop_index(batch_op.f("ix_comments_author_participant_id"))

    op.drop_table("comments")
    op.drop_table("comment_settings")
