"""Members hear what happened to their money (issue 19): her e-mail choices per kind (payouts,
refunds; sales keep ``notify_email``), SMS on or off (off until she turns it on), and the text
messages sent through the outbox.

Revision ID: 0300_member_notifications
Revises: 0290_vat_split
"""

import sqlalchemy as sa
from alembic import op

revision = "0300_member_notifications"
down_revision = "0290_vat_split"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("producer_profiles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "notify_payout_email", sa.Boolean(), server_default=sa.text("true"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "notify_refund_email", sa.Boolean(), server_default=sa.text("true"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("notify_sms", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_ref", sa.String(length=80), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
    )


def downgrade():
    op.drop_table("sms_messages")
    with op.batch_alter_table("producer_profiles", schema=None) as batch_op:
        batch_op.drop_column("notify_sms")
        batch_op.drop_column("notify_refund_email")
        batch_op.drop_column("notify_payout_email")
