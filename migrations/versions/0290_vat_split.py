"""Shipping and the taksit surcharge carry their VAT in the ledger (issue 17): the order's
shipping VAT rate (a snapshot like a line's), the surcharge a refund gives back, and a marker
on orders already booked before this revision, whose ledger stays as it was (append-only).

Orders with a sale transaction now are marked ``legacy_vat_booking``: their shipping went
whole to coop:shipping and their surcharge whole to coop:instalments. Their rate is the
default 2000 (the INVOICING_SHIPPING_VAT_BP default their invoices used; an invoice keeps its
own snapshot of the rate in any case).

Revision ID: 0290_vat_split
Revises: 0280_perf_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0290_vat_split"
down_revision = "0280_perf_indexes"
branch_labels = None
depends_on = None


# Added in place, without the batch mode's copy of the table (which SQLite cannot do once other
# tables point at these rows): SQLite takes a CHECK inside ADD COLUMN, PostgreSQL a named one.
_COLUMNS = (
    ("orders", "shipping_vat_bp INTEGER DEFAULT 2000 NOT NULL",
     "ck_orders_shipping_vat_range", "shipping_vat_bp >= 0 AND shipping_vat_bp <= 10000"),
    ("refunds", "surcharge_kurus BIGINT DEFAULT 0 NOT NULL",
     "ck_refunds_surcharge_non_negative", "surcharge_kurus >= 0"),
)  # fmt: skip


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, name, check in _COLUMNS:
        if sqlite:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} CONSTRAINT {name} CHECK ({check})")
        else:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({check})")
    op.add_column(
        "orders",
        sa.Column("legacy_vat_booking", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
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
