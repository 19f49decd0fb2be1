"""Producer workspace: stock movements, statement questions (issue 6).

Revision ID: 0002
Revises: 4fc1bd3d9f0d
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "4fc1bd3d9f0d"
branch_labels = None
depends_on = None

STOCK_REASONS = (
    "initial",
    "produced",
    "count",
    "damaged",
    "personal",
    "returned",
    "made_to_order",
    "other",
)


def upgrade():
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("resulting_stock", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("delta <> 0", name=op.f("ck_stock_movements_delta_non_zero")),
        sa.CheckConstraint(
            "resulting_stock >= 0", name=op.f("ck_stock_movements_resulting_stock_non_negative")
        ),
        sa.CheckConstraint(
            f"reason IN {STOCK_REASONS!r}", name=op.f("ck_stock_movements_reason_valid")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_stock_movements_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_stock_movements_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
    )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_movements_product_created", ["product_id", "created_at"], unique=False
        )

    op.create_table(
        "statement_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=True),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("correction_transaction_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'answered')", name=op.f("ck_statement_questions_status_valid")
        ),
        sa.CheckConstraint(
            "ledger_entry_id IS NOT NULL OR order_line_id IS NOT NULL",
            name=op.f("ck_statement_questions_about_a_line"),
        ),
        sa.CheckConstraint(
            "status = 'open' OR (answered_at IS NOT NULL AND answer <> '')",
            name=op.f("ck_statement_questions_answered_has_answer"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_statement_questions_answered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["correction_transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_statement_questions_correction_transaction_id_ledger_transactions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_statement_questions_ledger_entry_id_ledger_entries"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_statement_questions_order_line_id_order_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producer_profiles.id"],
            name=op.f("fk_statement_questions_producer_id_producer_profiles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_questions")),
    )
    with op.batch_alter_table("statement_questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statement_questions_producer_created",
            ["producer_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_statement_questions_ledger_entry_id"), ["ledger_entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_statement_questions_order_line_id"), ["order_line_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_statement_questions_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("statement_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_questions_status"))
        batch_op.drop_index(batch_op.f("ix_statement_questions_order_line_id"))
        batch_op.drop_index(batch_op.f("ix_statement_questions_ledger_entry_id"))
        batch_op.drop_index("ix_statement_questions_producer_created")
    op.drop_table("statement_questions")

    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_movements_product_created")
    op.drop_table("stock_movements")
