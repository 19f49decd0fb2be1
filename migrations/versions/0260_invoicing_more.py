"""Invoicing, continued (issue 17): the dated withholding (stopaj) rate; a sole trader's own
invoice number on her payout line; the reminders sent before an exemption certificate expires.

Revision ID: 0260_invoicing_more
Revises: 0210_withdrawals
"""

import sqlalchemy as sa
from alembic import op

revision = "0260_invoicing_more"
down_revision = "0210_withdrawals"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "withholding_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "rate_bp >= 0 AND rate_bp < 10000", name=op.f("ck_withholding_rates_rate_range")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_withholding_rates_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withholding_rates")),
    )
    op.create_index("ix_withholding_rates_effective_from", "withholding_rates", ["effective_from"])
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_invoice_number", sa.String(length=40), nullable=True))


    op.create_table(
        "exemption_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("exemption_number", sa.String(length=40), nullable=False),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producer_profiles.id"],
            name=op.f("fk_exemption_reminders_producer_id_producer_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemption_reminders")),
        sa.UniqueConstraint(
            "producer_id",
            "exemption_number",
            "expires",
            name=op.f("uq_exemption_reminders_producer_id_exemption_number_expires"),
        ),
    )
    op.create_index(
        op.f("ix_exemption_reminders_producer_id"), "exemption_reminders", ["producer_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_exemption_reminders_producer_id"), table_name="exemption_reminders")
    op.drop_table("exemption_reminders")
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.drop_column("member_invoice_number")
    op.drop_index("ix_withholding_rates_effective_from", table_name="withholding_rates")
    op.drop_table("withholding_rates")
