"""Performance at full size, second pass (issue 22): covering indexes so a member's balance,
dashboard and sales totals read her entries, their transactions' kind, their lines and their
orders' channel index-only on PostgreSQL instead of scanning the transactions and lines tables.
Her entries' covering index replaces ix_ledger_entries_producer_created_line (same key columns,
so it serves the sales history's keyset as before).

Revision ID: 0360_perf2
Revises: 0350_pickup_runs
"""

import sqlalchemy as sa
from alembic import op

revision = "0360_perf2"
down_revision = "0350_pickup_runs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_ledger_entries_producer_covering",
        "ledger_entries",
        ["producer_id", "created_at", "order_line_id"],
        postgresql_include=["transaction_id", "amount_kurus", "available_at"],
        sqlite_where=sa.text("producer_id IS NOT NULL"),
        postgresql_where=sa.text("producer_id IS NOT NULL"),
    )
    op.drop_index("ix_ledger_entries_producer_created_line", table_name="ledger_entries")
    op.create_index(
        "ix_ledger_transactions_id_kind",
        "ledger_transactions",
        ["id"],
        postgresql_include=["kind", "reverses_id"],
    )
    op.create_index(
        "ix_order_lines_id_covering",
        "order_lines",
        ["id"],
        postgresql_include=["order_id", "product_id", "quantity"],
    )
    op.create_index("ix_orders_id_channel", "orders", ["id"], postgresql_include=["channel"])


def downgrade():
    op.drop_index("ix_orders_id_channel", table_name="orders")
    op.drop_index("ix_order_lines_id_covering", table_name="order_lines")
    op.drop_index("ix_ledger_transactions_id_kind", table_name="ledger_transactions")
    op.create_index(
        "ix_ledger_entries_producer_created_line",
        "ledger_entries",
        ["producer_id", "created_at", "order_line_id"],
    )
    op.drop_index("ix_ledger_entries_producer_covering", table_name="ledger_entries")
