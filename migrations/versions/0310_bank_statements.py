"""Bank reconciliation (issue 16): the cooperative's imported bank statements and their lines,
each with what it was matched to (a bank-transfer order, a payout line, a cash session, a card
provider's payout) or why not.

Revision ID: 0310_bank_statements
Revises: 0300_member_notifications
"""

import sqlalchemy as sa
from alembic import op

revision = "0310_bank_statements"
down_revision = "0300_member_notifications"
branch_labels = None
depends_on = None

LINE_STATUSES = ("matched", "different", "unmatched", "manual")
MATCH_KINDS = ("transfer_order", "payout_line", "cash_session", "provider_payout", "other")
PROVIDERS = ("stripe", "iyzico")


def upgrade():
    op.create_table(
        "bank_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("opening_kurus", sa.BigInteger(), nullable=True),
        sa.Column("closing_kurus", sa.BigInteger(), nullable=True),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["users.id"],
            name=op.f("fk_bank_statements_imported_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
        sa.UniqueConstraint("digest", name=op.f("uq_bank_statements_digest")),
    )
    op.create_table(
        "bank_statement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount_kurus", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("match_kind", sa.String(length=20), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("payout_line_id", sa.Integer(), nullable=True),
        sa.Column("cash_session_id", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=True),
        sa.Column("expected_kurus", sa.BigInteger(), nullable=True),
        sa.Column("problem", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("matched_by_id", sa.Integer(), nullable=True),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "amount_kurus <> 0", name=op.f("ck_bank_statement_lines_amount_nonzero")
        ),
        sa.CheckConstraint(
            f"status IN {LINE_STATUSES!r}", name=op.f("ck_bank_statement_lines_status_valid")
        ),
        sa.CheckConstraint(
            f"match_kind IS NULL OR match_kind IN {MATCH_KINDS!r}",
            name=op.f("ck_bank_statement_lines_match_kind_valid"),
        ),
        sa.CheckConstraint(
            f"provider IS NULL OR provider IN {PROVIDERS!r}",
            name=op.f("ck_bank_statement_lines_provider_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["bank_statements.id"],
            name=op.f("fk_bank_statement_lines_statement_id_bank_statements"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_bank_statement_lines_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payout_line_id"],
            ["payout_lines.id"],
            name=op.f("fk_bank_statement_lines_payout_line_id_payout_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["cash_session_id"],
            ["cash_sessions.id"],
            name=op.f("fk_bank_statement_lines_cash_session_id_cash_sessions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["matched_by_id"],
            ["users.id"],
            name=op.f("fk_bank_statement_lines_matched_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_lines")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_bank_statement_lines_fingerprint")),
        sa.UniqueConstraint(
            "statement_id", "position", name=op.f("uq_bank_statement_lines_statement_id_position")
        ),
    )
    for column in ("statement_id", "order_id", "payout_line_id", "cash_session_id"):
        op.create_index(f"ix_bank_statement_lines_{column}", "bank_statement_lines", [column])
    op.create_index("ix_bank_statement_lines_status", "bank_statement_lines", ["status"])


def downgrade():
    op.drop_table("bank_statement_lines")
    op.drop_table("bank_statements")
