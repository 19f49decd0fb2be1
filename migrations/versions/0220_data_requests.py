"""KVKK (issue 15): consent records (marketing e-mail, given or withdrawn, with the wording) and
data-subject requests (export, erasure) with their 30-day deadline.

Revision ID: 0220_data_requests
Revises: 0101_invoicing_withholding
"""

import sqlalchemy as sa
from alembic import op

revision = "0220_data_requests"
down_revision = "0101_invoicing_withholding"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('marketing_email')", name=op.f("ck_consent_records_purpose_valid")
        ),
        sa.CheckConstraint(
            "source IN ('register', 'apply', 'account')",
            name=op.f("ck_consent_records_source_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_consent_records_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    op.create_index(
        "ix_consent_records_user_purpose",
        "consent_records",
        ["user_id", "purpose", "id"],
        unique=False,
    )
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('export', 'erasure')", name=op.f("ck_data_requests_kind_valid")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'completed', 'refused')",
            name=op.f("ck_data_requests_status_valid"),
        ),
        sa.CheckConstraint(
            "due_at >= requested_at", name=op.f("ck_data_requests_due_after_request")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_data_requests_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["completed_by_id"],
            ["users.id"],
            name=op.f("fk_data_requests_completed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    op.create_index(op.f("ix_data_requests_user_id"), "data_requests", ["user_id"], unique=False)
    op.create_index(
        "ix_data_requests_status_due", "data_requests", ["status", "due_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_data_requests_status_due", table_name="data_requests")
    op.drop_index(op.f("ix_data_requests_user_id"), table_name="data_requests")
    op.drop_table("data_requests")
    op.drop_index("ix_consent_records_user_purpose", table_name="consent_records")
    op.drop_table("consent_records")
