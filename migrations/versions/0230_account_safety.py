"""Sensitive changes need proof (issue 13): the IBAN change history with its hold
(iban_changes), a product's owner (products.owner_id) and each co-maker's consent
(product_makers.consent, consent_at).

Existing products get as owner their maker with the largest share (the lowest member number on
a tie), and every existing maker row counts as accepted: they were listed before consent was
asked.

Revision ID: 0230_account_safety
Revises: 0200_legal_documents
"""

import sqlalchemy as sa
from alembic import op

revision = "0230_account_safety"
down_revision = "0200_legal_documents"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "iban_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("old_iban", sa.String(length=34), nullable=True),
        sa.Column("new_iban", sa.String(length=34), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hold_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'applied', 'cancelled', 'superseded')",
            name=op.f("ck_iban_changes_status_valid"),
        ),
        sa.CheckConstraint(
            "hold_until >= requested_at", name=op.f("ck_iban_changes_hold_after_request")
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producer_profiles.id"],
            name=op.f("fk_iban_changes_producer_id_producer_profiles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_iban_changes_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f("fk_iban_changes_confirmed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_iban_changes_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iban_changes")),
    )
    with op.batch_alter_table("iban_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iban_changes_producer_id"), ["producer_id"], unique=False
        )
        batch_op.create_index(
            "uq_iban_changes_one_pending",
            ["producer_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_products_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_products_owner_id_producer_profiles"),
            "producer_profiles",
            ["owner_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    op.execute(
        "UPDATE products SET owner_id = ("
        " SELECT pm.producer_id FROM product_makers pm WHERE pm.product_id = products.id"
        " ORDER BY pm.share_bp DESC, pm.producer_id LIMIT 1)"
    )

    with op.batch_alter_table("product_makers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "consent",
                sa.String(length=16),
                server_default=sa.text("'accepted'"),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_product_makers_consent"), ["consent"], unique=False)
        batch_op.create_check_constraint("consent_valid", "consent IN ('invited', 'accepted')")


def downgrade():
    with op.batch_alter_table("product_makers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_product_makers_consent_valid"), type_="check")
        batch_op.drop_index(batch_op.f("ix_product_makers_consent"))
        batch_op.drop_column("consent_at")
        batch_op.drop_column("consent")

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_products_owner_id_producer_profiles"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_products_owner_id"))
        batch_op.drop_column("owner_id")

    with op.batch_alter_table("iban_changes", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_iban_changes_one_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index(batch_op.f("ix_iban_changes_producer_id"))
    op.drop_table("iban_changes")
