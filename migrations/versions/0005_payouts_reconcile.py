"""Payouts and reconciliation (issue 7, money out): refund requests sent to the provider, a note
on refunds, what a payout batch left out, and at most one draft batch at a time.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "refund_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_kurus", sa.BigInteger(), nullable=False),
        sa.Column("shipping_kurus", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("provider_ref", sa.String(length=255), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')",
            name=op.f("ck_refund_requests_status_valid"),
        ),
        sa.CheckConstraint("amount_kurus > 0", name=op.f("ck_refund_requests_amount_positive")),
        sa.CheckConstraint(
            "shipping_kurus >= 0", name=op.f("ck_refund_requests_shipping_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_refund_requests_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_refund_requests_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["refunds.id"],
            name=op.f("fk_refund_requests_refund_id_refunds"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_requests")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_refund_requests_idempotency_key")),
        sa.UniqueConstraint("order_id", "seq", name=op.f("uq_refund_requests_order_id_seq")),
        sa.UniqueConstraint("refund_id", name=op.f("uq_refund_requests_refund_id")),
    )
    with op.batch_alter_table("refund_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refund_requests_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_refund_requests_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_refund_requests_one_pending_per_order",
            ["order_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sa.Text(), server_default=sa.text("''"), nullable=False)
        )

    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_out", sa.JSON(), nullable=True))
        batch_op.create_index(
            "uq_payout_batches_one_draft",
            ["status"],
            unique=True,
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )


def downgrade():
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_payout_batches_one_draft",
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )
        batch_op.drop_column("left_out")

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("note")

    with op.batch_alter_table("refund_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_refund_requests_one_pending_per_order",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index(batch_op.f("ix_refund_requests_status"))
        batch_op.drop_index(batch_op.f("ix_refund_requests_order_id"))

    op.drop_table("refund_requests")
