"""moderation: settings, word lists, reports, blocks, appeals, append-only audit

Revision ID: m0001_moderation
Revises:
Create Date: 2026-11-26 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import deliberation.db

revision: str = "m0001_moderation"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("moderation",)
depends_on: str | Sequence[str] | None = "0001_core"


# The audit log is append-only: the database itself refuses to change or remove a row.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION moderation_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'moderation_audit is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
_PG_TRIGGER = """
CREATE TRIGGER moderation_audit_append_only BEFORE UPDATE OR DELETE ON moderation_audit
FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only()
"""
_SQLITE_TRIGGERS = (
    """
CREATE TRIGGER moderation_audit_no_update BEFORE UPDATE ON moderation_audit
BEGIN SELECT RAISE(ABORT, 'moderation_audit is append-only (UPDATE refused)'); END
""",
    """
CREATE TRIGGER moderation_audit_no_delete BEFORE DELETE ON moderation_audit
BEGIN SELECT RAISE(ABORT, 'moderation_audit is append-only (DELETE refused)'); END
""",
)


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS moderation_audit_append_only ON moderation_audit")
        op.execute("DROP FUNCTION IF EXISTS moderation_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS moderation_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS moderation_audit_no_delete")


def upgrade() -> None:
    op.create_table(
        "moderation_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=80), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "approve",
                "hide",
                "restore",
                "redact",
                "block",
                "unblock",
                "auto_hold",
                "auto_hide",
                "appeal",
                "appeal_decided",
                "settings",
                name="audit_action",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_audit")),
    )
    with op.batch_alter_table("moderation_audit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_moderation_audit_consultation", ["consultation_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_moderation_audit_contribution", ["contribution_id"], unique=False)

    op.create_table(
        "moderation_word_lists",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("entries", sa.Text(), nullable=False),
        sa.Column("updated_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_moderation_word_lists")),
    )
    op.create_table(
        "moderation_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("until", deliberation.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", deliberation.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_moderation_blocks_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_moderation_blocks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_moderation_blocks_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_blocks")),
    )
    with op.batch_alter_table("moderation_blocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_moderation_blocks_lookup", ["participant_id", "consultation_id"], unique=False
        )

    op.create_table(
        "moderation_settings",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "post",
                "pre",
                name="moderation_mode",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("report_threshold", sa.Integer(), nullable=False),
        sa.Column("max_links", sa.Integer(), nullable=False),
        sa.Column("blocked_words", sa.Text(), nullable=False),
        sa.Column("updated_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_moderation_settings_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consultation_id", name=op.f("pk_moderation_settings")),
    )
    op.create_table(
        "moderation_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", deliberation.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "restored",
                "upheld",
                name="appeal_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["contested_by_id"],
            ["users.id"],
            name=op.f("fk_moderation_appeals_contested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_moderation_appeals_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_moderation_appeals_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_moderation_appeals_participant_id_participants"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_appeals")),
        sa.UniqueConstraint("contribution_id", name=op.f("uq_moderation_appeals_contribution_id")),
    )
    op.create_table(
        "moderation_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("reporter_participant_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "spam",
                "offensive",
                "off_topic",
                "personal_data",
                "illegal",
                "other",
                name="report_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", deliberation.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", deliberation.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_moderation_reports_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_participant_id"],
            ["participants.id"],
            name=op.f("fk_moderation_reports_reporter_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_reports")),
        sa.UniqueConstraint(
            "contribution_id",
            "reporter_participant_id",
            name=op.f("uq_moderation_reports_contribution_id_reporter_participant_id"),
        ),
    )
    with op.batch_alter_table("moderation_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_reports_contribution_id"), ["contribution_id"], unique=False
        )

    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("moderation_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_reports_contribution_id"))

    op.drop_table("moderation_reports")
    op.drop_table("moderation_appeals")
    op.drop_table("moderation_settings")
    with op.batch_alter_table("moderation_blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_blocks_lookup")

    op.drop_table("moderation_blocks")
    op.drop_table("moderation_word_lists")
    with op.batch_alter_table("moderation_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_audit_contribution")
        batch_op.drop_index("ix_moderation_audit_consultation")

    op.drop_table("moderation_audit")
