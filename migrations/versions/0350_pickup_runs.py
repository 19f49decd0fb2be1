"""Centre collection and returned parcels (issue 18): pickup runs per BELMEK centre and day with
the order lines received in each; 'returned' (to sender) as an order's fulfilment status; a
product's optional packed weight and box, the label form's defaults.

Revision ID: 0350_pickup_runs
Revises: 0340_report_rollups
"""

import sqlalchemy as sa
from alembic import op

revision = "0350_pickup_runs"
down_revision = "0340_report_rollups"
branch_labels = None
depends_on = None

_OLD_FULFILMENT = (
    "fulfilment_status IN ('unfulfilled', 'received', 'shipped', 'delivered', 'collected')"
)
_NEW_FULFILMENT = (
    "fulfilment_status IN "
    "('unfulfilled', 'received', 'shipped', 'delivered', 'collected', 'returned')"
)
_BOX = (
    "(length_cm IS NULL AND width_cm IS NULL AND height_cm IS NULL) OR "
    "(length_cm > 0 AND width_cm > 0 AND height_cm > 0)"
)


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds a batch-altered table (copy, drop, rename): with foreign keys on, dropping
    the old orders or products table would cascade to the rows that point at it (order lines,
    makers, dated rates). Off for the copy, as 0330 does."""
    if op.get_bind().dialect.name == "sqlite":
        with op.get_context().autocommit_block():
            op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    op.create_table(
        "pickup_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("collected_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collected_by_id"],
            ["users.id"],
            name=op.f("fk_pickup_runs_collected_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_runs")),
        sa.UniqueConstraint("centre", "day", name=op.f("uq_pickup_runs_centre_day")),
    )
    op.create_table(
        "pickup_run_lines",
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["order_lines.id"],
            name=op.f("fk_pickup_run_lines_line_id_order_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["pickup_runs.id"],
            name=op.f("fk_pickup_run_lines_run_id_pickup_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"],
            ["users.id"],
            name=op.f("fk_pickup_run_lines_received_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_pickup_run_lines")),
    )
    with op.batch_alter_table("pickup_run_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pickup_run_lines_run_id"), ["run_id"], unique=False)
    _foreign_keys(False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_orders_fulfilment_valid"), type_="check")
        batch_op.create_check_constraint("fulfilment_valid", sa.text(_NEW_FULFILMENT))
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight_g", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("length_cm", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("width_cm", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("height_cm", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "weight_positive", sa.text("weight_g IS NULL OR weight_g > 0")
        )
        batch_op.create_check_constraint("box_positive", sa.text(_BOX))
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_products_box_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_products_weight_positive"), type_="check")
        batch_op.drop_column("height_cm")
        batch_op.drop_column("width_cm")
        batch_op.drop_column("length_cm")
        batch_op.drop_column("weight_g")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_orders_fulfilment_valid"), type_="check")
        batch_op.create_check_constraint("fulfilment_valid", sa.text(_OLD_FULFILMENT))
    _foreign_keys(True)
    with op.batch_alter_table("pickup_run_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pickup_run_lines_run_id"))
    op.drop_table("pickup_run_lines")
    op.drop_table("pickup_runs")
