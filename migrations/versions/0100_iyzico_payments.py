"""iyzico card payments (issue 14): 'iyzico' as an order's payment method; on a payment the
taksit count, the instalment surcharge and each basket item's payment transaction id; on a
refund request the per-item parts already sent.

Revision ID: 0100_iyzico_payments
Revises: 0110_pos_offline
"""

import sqlalchemy as sa
from alembic import op

revision = "0100_iyzico_payments"
down_revision = "0110_pos_offline"
branch_labels = None
depends_on = None

_OLD_METHODS = "payment_method IN ('stripe', 'demo', 'bank_transfer', 'cash', 'card_terminal')"
_NEW_METHODS = (
    "payment_method IN ('stripe', 'demo', 'bank_transfer', 'cash', 'card_terminal', 'iyzico')"
)


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_orders_payment_method_valid"), type_="check")
        batch_op.create_check_constraint("payment_method_valid", sa.text(_NEW_METHODS))
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("installments", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "surcharge_kurus", sa.BigInteger(), server_default=sa.text("0"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("item_refs", sa.JSON(), nullable=True))
        batch_op.create_check_constraint("surcharge_non_negative", sa.text("surcharge_kurus >= 0"))
    with op.batch_alter_table("refund_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_parts", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("refund_requests", schema=None) as batch_op:
        batch_op.drop_column("provider_parts")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payments_surcharge_non_negative"), type_="check")
        batch_op.drop_column("item_refs")
        batch_op.drop_column("surcharge_kurus")
        batch_op.drop_column("installments")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_orders_payment_method_valid"), type_="check")
        batch_op.create_check_constraint("payment_method_valid", sa.text(_OLD_METHODS))
