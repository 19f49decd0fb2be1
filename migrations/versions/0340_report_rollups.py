"""Rollups of the sales reports (issue 22): sales and refunds per Istanbul day, channel and
producer (0: the orders' whole figures), a cache of the ledger refreshed on posting. Created
empty: fill it with `flask ledger rebuild-rollups` after upgrading (ledger check says so).

Revision ID: 0340_report_rollups
Revises: 0330_dated_overrides_settlements
"""

import sqlalchemy as sa
from alembic import op

revision = "0340_report_rollups"
down_revision = "0330_dated_overrides_settlements"
branch_labels = None
depends_on = None

MEASURES = (
    "sale_vat",
    "refund_vat",
    "sale_commission",
    "refund_commission",
    "sale_makers",
    "refund_makers",
    "sale_shipping",
    "refund_shipping",
)


def upgrade():
    op.create_table(
        "report_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in MEASURES),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_rollups")),
        sa.UniqueConstraint(
            "day", "channel", "producer_id", name=op.f("uq_report_rollups_day_channel_producer_id")
        ),
    )


def downgrade():
    op.drop_table("report_rollups")
