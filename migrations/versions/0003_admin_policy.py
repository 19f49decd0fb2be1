"""Administration: dated commission policy and what it needs (issue 7, members and policy).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "commission_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=True),
        sa.Column("rate_bp", sa.Integer(), nullable=True),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "scope IN ('default', 'collection')", name=op.f("ck_commission_rates_scope_valid")
        ),
        sa.CheckConstraint(
            "rate_bp IS NULL OR (rate_bp >= 0 AND rate_bp <= 10000)",
            name=op.f("ck_commission_rates_rate_range"),
        ),
        sa.CheckConstraint(
            "(scope = 'default' AND collection_id IS NULL AND rate_bp IS NOT NULL)"
            " OR (scope = 'collection' AND collection_id IS NOT NULL)",
            name=op.f("ck_commission_rates_scope_matches"),
        ),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_commission_rates_collection_id_collections"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_commission_rates_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_rates")),
    )
    op.create_index(
        "ix_commission_rates_lookup",
        "commission_rates",
        ["scope", "collection_id", "effective_from"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_commission_rates_lookup", table_name="commission_rates")
    op.drop_table("commission_rates")
