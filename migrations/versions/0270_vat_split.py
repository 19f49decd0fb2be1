"""Shipping and the taksit surcharge carry their VAT in the ledger (issue 17): the order's
shipping VAT rate (a snapshot like a line's), the surcharge a refund gives back, and a marker
on orders already booked before this revision, whose ledger stays as it was (append-only).

Orders with a sale transaction now are marked ``legacy_vat_booking``: their shipping went
whole to coop:shipping and their surcharge whole to coop:instalments. Their rate is the
default 2000 (the INVOICING_SHIPPING_VAT_BP default their invoices used; an invoice keeps its
own snapshot of the rate in any case).

Revision ID: 0270_vat_split
Revises: 0260_invoicing_more
"""

import sqlalchemy as sa
from alembic import op

revision = "0270_vat_split"
down_revision = "0260_invoicing_more"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shipping_vat_bp", sa.Integer(), server_default=sa.text("2000"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("legacy_vat_booking", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            "shipping_vat_range", sa.text("shipping_vat_bp >= 0 AND shipping_vat_bp <= 10000")
        )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("surcharge_kurus", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.create_check_constraint("surcharge_non_negative", sa.text("surcharge_kurus >= 0"))
    op.execute(
        "UPDATE orders SET legacy_vat_booking = true WHERE id IN "
        "(SELECT order_id FROM ledger_transactions WHERE kind = 'sale' AND order_id IS NOT NULL)"
    )


def downgrade():
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_refunds_surcharge_non_negative"), type_="check")
        batch_op.drop_column("surcharge_kurus")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_orders_shipping_vat_range"), type_="check")
        batch_op.drop_column("legacy_vat_booking")
        batch_op.drop_column("shipping_vat_bp")
