"""Withdrawal (cayma hakkı, issue 15): a product's exclusion from withdrawal and its snapshot on
order lines, the order's delivery time, withdrawal requests and their lines, and the ledger's
'availability' transactions (a maker's pending share moved to when it becomes payable).

Revision ID: 0210_withdrawals
Revises: 0250_ledger_zero_sum
"""

import sqlalchemy as sa
from alembic import op

revision = "0210_withdrawals"
down_revision = "0250_ledger_zero_sum"
branch_labels = None
depends_on = None

_EXCLUSION = "withdrawal_exclusion IS NULL OR withdrawal_exclusion IN ('custom_made', 'personalised')"
_OLD_KINDS = (
    "kind IN ('sale', 'refund', 'fee', 'payout', 'payout_failed', 'cash_over_short', "
    "'adjustment', 'reversal')"
)
_NEW_KINDS = (
    "kind IN ('sale', 'refund', 'fee', 'payout', 'payout_failed', 'cash_over_short', "
    "'adjustment', 'reversal', 'availability')"
)
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER ledger_transactions_no_{op_.lower()} BEFORE {op_} ON ledger_transactions "
    "BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END"
    for op_ in ("UPDATE", "DELETE")
]


def _ledger_kinds(check: str) -> None:
    # SQLite rebuilds the table to change a CHECK: its append-only triggers go with the old
    # table, so they are dropped first and made again on the new one. PostgreSQL alters in place
    # (its statement triggers stay).
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS ledger_transactions_no_update")
        op.execute("DROP TRIGGER IF EXISTS ledger_transactions_no_delete")
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_transactions_kind_valid"), type_="check")
        batch_op.create_check_constraint("kind_valid", sa.text(check))
    if sqlite:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawal_exclusion", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint("withdrawal_exclusion_valid", sa.text(_EXCLUSION))
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawal_exclusion", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint("withdrawal_exclusion_valid", sa.text(_EXCLUSION))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
    _ledger_kinds(_NEW_KINDS)

    op.create_table(
        "withdrawal_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refund_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested', 'received', 'refunding', 'refunded', 'rejected')",
            name=op.f("ck_withdrawal_requests_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_withdrawal_requests_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_withdrawal_requests_refund_id_refunds"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"],
            name=op.f("fk_withdrawal_requests_requested_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal_requests")),
        sa.UniqueConstraint("refund_id", name=op.f("uq_withdrawal_requests_refund_id")),
    )
    with op.batch_alter_table("withdrawal_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_withdrawal_requests_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_withdrawal_requests_status"), ["status"], unique=False)

    op.create_table(
        "withdrawal_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_withdrawal_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["line_id"], ["order_lines.id"], name=op.f("fk_withdrawal_lines_line_id_order_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["withdrawal_requests.id"],
            name=op.f("fk_withdrawal_lines_request_id_withdrawal_requests"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal_lines")),
        sa.UniqueConstraint("request_id", "line_id", name=op.f("uq_withdrawal_lines_request_id_line_id")),
    )
    with op.batch_alter_table("withdrawal_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_withdrawal_lines_line_id"), ["line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_withdrawal_lines_request_id"), ["request_id"], unique=False)


def downgrade():
    with op.batch_alter_table("withdrawal_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withdrawal_lines_request_id"))
        batch_op.drop_index(batch_op.f("ix_withdrawal_lines_line_id"))
    op.drop_table("withdrawal_lines")
    with op.batch_alter_table("withdrawal_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withdrawal_requests_status"))
        batch_op.drop_index(batch_op.f("ix_withdrawal_requests_order_id"))
    op.drop_table("withdrawal_requests")
    # Availability transactions cannot be deleted (the ledger is append-only): going back below
    # this revision on a database that has them fails here, as it should.
    _ledger_kinds(_OLD_KINDS)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("delivered_at")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_lines_withdrawal_exclusion_valid"), type_="check")
        batch_op.drop_column("withdrawal_exclusion")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_products_withdrawal_exclusion_valid"), type_="check")
        batch_op.drop_column("withdrawal_exclusion")
