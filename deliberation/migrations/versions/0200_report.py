"""report: responses, claim codes, summaries, report texts, readability confirmations

Revision ID: 0200_report
Revises:
Create Date: 2026-11-26 08:11:38.937297
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import deliberation.db

revision: str = "0200_report"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("report",)
depends_on: str | Sequence[str] | None = "0001_core"


def upgrade() -> None:
    op.create_table(
        "consultation_reports",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("announcement", sa.Text(), nullable=False),
        sa.Column("conclusions", sa.Text(), nullable=False),
        sa.Column("published_in", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_reports_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_consultation_reports_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("consultation_id", name=op.f("pk_consultation_reports")),
    )
    op.create_table(
        "consultation_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "published",
                name="summary_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("contributions", sa.Integer(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_summaries_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_consultation_summaries_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_summaries")),
        sa.UniqueConstraint(
            "consultation_id",
            "language",
            "state",
            name=op.f("uq_consultation_summaries_consultation_id_language_state"),
        ),
    )
    op.create_table(
        "readability_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f("fk_readability_confirmations_confirmed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_readability_confirmations_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readability_confirmations")),
    )
    with op.batch_alter_table("readability_confirmations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_readability_confirmations_consultation", ["consultation_id"], unique=False
        )

    op.create_table(
        "claim_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_claim_codes_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_claim_codes_code_hash")),
        sa.UniqueConstraint("contribution_id", name=op.f("uq_claim_codes_contribution_id")),
    )
    op.create_table(
        "contribution_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "accepted",
                "partly_accepted",
                "not_accepted",
                "not_applicable",
                "answered",
                name="response_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", deliberation.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_contribution_responses_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_contribution_responses_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"],
            ["users.id"],
            name=op.f("fk_contribution_responses_responded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_contribution_responses_theme_id_themes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_responses")),
        sa.UniqueConstraint(
            "contribution_id", name=op.f("uq_contribution_responses_contribution_id")
        ),
    )
    with op.batch_alter_table("contribution_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contribution_responses_consultation", ["consultation_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contribution_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_responses_consultation")

    op.drop_table("contribution_responses")
    op.drop_table("claim_codes")
    with op.batch_alter_table("readability_confirmations", schema=None) as batch_op:
        batch_op.drop_index("ix_readability_confirmations_consultation")

    op.drop_table("readability_confirmations")
    op.drop_table("consultation_summaries")
    op.drop_table("consultation_reports")
