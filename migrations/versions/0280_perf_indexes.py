"""Performance at full size (issue 22): her ledger entries indexed by (producer, booked at, order
line), so her sales history pages by keyset and her dashboard reads her own rows only; and by
booking time, so a report reads its period's entries only.

Revision ID: 0280_perf_indexes
Revises: 0270_shipping_returns_rates
"""

from alembic import op

revision = "0280_perf_indexes"
down_revision = "0270_shipping_returns_rates"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_ledger_entries_producer_created_line",
        "ledger_entries",
        ["producer_id", "created_at", "order_line_id"],
    )
    # The new index starts with the same two columns, so it serves every query this one did.
    op.drop_index("ix_ledger_entries_producer_created", table_name="ledger_entries")
    # A report reads one period's entries (an entry's created_at is its transaction's).
    op.create_index("ix_ledger_entries_created_at", "ledger_entries", ["created_at"])


def downgrade():
    op.drop_index("ix_ledger_entries_created_at", table_name="ledger_entries")
    op.create_index(
        "ix_ledger_entries_producer_created", "ledger_entries", ["producer_id", "created_at"]
    )
    op.drop_index("ix_ledger_entries_producer_created_line", table_name="ledger_entries")
