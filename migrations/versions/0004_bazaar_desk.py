"""Bazaar desk and fulfilment (issue 7, staff).

One open cash session per desk of an event, and a small index for the fulfilment queue (paid
orders not yet delivered).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_OPEN = "status = 'open'"
_QUEUE = "status = 'paid' AND fulfilment_status IN ('unfulfilled', 'received', 'shipped')"


def upgrade():
    with op.batch_alter_table("cash_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_cash_sessions_one_open_per_desk",
            ["event_name", "desk"],
            unique=True,
            sqlite_where=sa.text(_OPEN),
            postgresql_where=sa.text(_OPEN),
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_fulfilment_queue",
            ["fulfilment_status", "paid_at"],
            unique=False,
            sqlite_where=sa.text(_QUEUE),
            postgresql_where=sa.text(_QUEUE),
        )


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_fulfilment_queue")
    with op.batch_alter_table("cash_sessions", schema=None) as batch_op:
        batch_op.drop_index("uq_cash_sessions_one_open_per_desk")
