"""Fair ties (issue 16): each order line snapshots where a largest-remainder tie among its makers
starts. NULL for new lines means the line's own id (the odd kuruş alternates between lines);
every line sold before keeps 0, the rule it was booked with, so its sale still recomputes.

Revision ID: 0320_line_tie_offset
Revises: 0310_bank_statements
"""

import sqlalchemy as sa
from alembic import op

revision = "0320_line_tie_offset"
down_revision = "0310_bank_statements"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("order_lines", sa.Column("tie_offset", sa.Integer(), nullable=True))
    op.execute("UPDATE order_lines SET tie_offset = 0")


def downgrade():
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("tie_offset")
