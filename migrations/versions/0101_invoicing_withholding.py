"""Members' tax status (sole trader / exemption certificate / other) and the withholding (stopaj)
kept from a payout line for the tax office (issue 17).

Revision ID: 0101_invoicing_withholding
Revises: 0100_invoicing
"""

import sqlalchemy as sa
from alembic import op

revision = "0101_invoicing_withholding"
down_revision = "0100_invoicing"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_status", sa.String(length=16), server_default=sa.text("'other'"), nullable=False))
        batch_op.add_column(sa.Column("withholding_bp", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch_op.add_column(sa.Column("withholding_kurus", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
        batch_op.create_check_constraint(
            "withholding_range", "withholding_kurus >= 0 AND withholding_kurus < amount_kurus"
        )
        batch_op.create_check_constraint(
            "withholding_bp", "withholding_bp >= 0 AND withholding_bp < 10000"
        )

    with op.batch_alter_table("producer_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_status", sa.String(length=16), server_default=sa.text("'other'"), nullable=False))
        batch_op.add_column(sa.Column("tax_id", sa.String(length=11), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column("exemption_number", sa.String(length=40), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column("exemption_expires", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            "tax_status_valid", "tax_status IN ('sole_trader', 'exempt', 'other')"
        )


def downgrade():
    with op.batch_alter_table("producer_profiles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_producer_profiles_tax_status_valid"), type_="check")
        batch_op.drop_column("exemption_expires")
        batch_op.drop_column("exemption_number")
        batch_op.drop_column("tax_id")
        batch_op.drop_column("tax_status")

    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payout_lines_withholding_bp"), type_="check")
        batch_op.drop_constraint(op.f("ck_payout_lines_withholding_range"), type_="check")
        batch_op.drop_column("withholding_kurus")
        batch_op.drop_column("withholding_bp")
        batch_op.drop_column("tax_status")
