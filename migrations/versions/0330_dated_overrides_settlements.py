"""Dated commission overrides (issue 16): a product's and a member's own commission rate become
rows of the dated policy (commission_rates, scopes "product" and "producer"), like the
cooperative's default and the collections' rates. Each existing override is carried over as a
row in force from 2000-01-01 (so every sale from now on resolves exactly as before), then the
undated columns products.commission_bp and producer_profiles.commission_bp are dropped. Past
sales keep the rate their order lines snapshotted.

Provider settlements (issue 16, three-way reconciliation): provider_settlements keeps each card
provider's payout to the bank (a Stripe payout, iyzico's payouts completed on a day), and a bank
statement line matched to one names it (bank_statement_lines.settlement_id).

On SQLite the two tables are copied without their column (batch mode) with foreign keys off for
the copy, so the rows that point at them are neither refused nor cascaded.

Revision ID: 0330_dated_overrides_settlements
Revises: 0320_line_tie_offset
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0330_dated_overrides_settlements"
down_revision = "0320_line_tie_offset"
branch_labels = None
depends_on = None

SINCE_ALWAYS = datetime(2000, 1, 1, tzinfo=UTC)
NOTE = "Tarihsiz eski orandan aktarıldı (0330)."
OLD_SCOPE_MATCHES = (
    "(scope = 'default' AND collection_id IS NULL AND rate_bp IS NOT NULL)"
    " OR (scope = 'collection' AND collection_id IS NOT NULL)"
)
SCOPE_MATCHES = (
    "(scope = 'default' AND collection_id IS NULL AND producer_id IS NULL"
    " AND product_id IS NULL AND rate_bp IS NOT NULL)"
    " OR (scope = 'collection' AND collection_id IS NOT NULL AND producer_id IS NULL"
    " AND product_id IS NULL)"
    " OR (scope = 'producer' AND producer_id IS NOT NULL AND collection_id IS NULL"
    " AND product_id IS NULL)"
    " OR (scope = 'product' AND product_id IS NOT NULL AND collection_id IS NULL"
    " AND producer_id IS NULL)"
)
OWN_RATE_CHECK = "commission_bp IS NULL OR (commission_bp >= 0 AND commission_bp <= 10000)"
# (table, its scope in commission_rates, the target column there)
OWNERS = (("products", "product", "product_id"), ("producer_profiles", "producer", "producer_id"))


def _foreign_keys(on: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.get_context().autocommit_block():
            op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _moments():
    return sa.bindparam("since", SINCE_ALWAYS, type_=sa.DateTime(timezone=True)), sa.bindparam(
        "now", datetime.now(UTC), type_=sa.DateTime(timezone=True)
    )


SETTLEMENT_STATUSES = ("pending", "in_transit", "paid", "failed", "canceled")


def _settlements_up() -> None:
    op.create_table(
        "provider_settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("amount_kurus", sa.BigInteger(), nullable=False),
        sa.Column("carried_kurus", sa.BigInteger(), nullable=True),
        sa.Column("fee_kurus", sa.BigInteger(), nullable=True),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("arrival_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "provider IN ('stripe', 'iyzico')", name=op.f("ck_provider_settlements_provider_valid")
        ),
        sa.CheckConstraint(
            f"status IN {SETTLEMENT_STATUSES!r}", name=op.f("ck_provider_settlements_status_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_settlements")),
        sa.UniqueConstraint(
            "provider", "external_id", name=op.f("uq_provider_settlements_provider_external_id")
        ),
    )
    op.create_index(
        "ix_provider_settlements_arrival", "provider_settlements", ["provider", "arrival_on"]
    )
    with op.batch_alter_table("bank_statement_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settlement_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_bank_statement_lines_settlement_id_provider_settlements"),
            "provider_settlements",
            ["settlement_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index("ix_bank_statement_lines_settlement_id", ["settlement_id"])


def _settlements_down() -> None:
    with op.batch_alter_table("bank_statement_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_bank_statement_lines_settlement_id")
        batch_op.drop_constraint(
            op.f("fk_bank_statement_lines_settlement_id_provider_settlements"), type_="foreignkey"
        )
        batch_op.drop_column("settlement_id")
    op.drop_index("ix_provider_settlements_arrival", table_name="provider_settlements")
    op.drop_table("provider_settlements")


def upgrade():
    with op.batch_alter_table("commission_rates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("producer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("product_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint(op.f("ck_commission_rates_scope_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_commission_rates_scope_matches"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_commission_rates_scope_valid"),
            "scope IN ('default', 'collection', 'producer', 'product')",
        )
        batch_op.create_check_constraint(op.f("ck_commission_rates_scope_matches"), SCOPE_MATCHES)
        batch_op.create_foreign_key(
            op.f("fk_commission_rates_producer_id_producer_profiles"),
            "producer_profiles",
            ["producer_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            op.f("fk_commission_rates_product_id_products"),
            "products",
            ["product_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            "ix_commission_rates_producer", ["producer_id", "effective_from"], unique=False
        )
        batch_op.create_index(
            "ix_commission_rates_product", ["product_id", "effective_from"], unique=False
        )
    since, now = _moments()
    for table, scope, column in OWNERS:
        op.get_bind().execute(
            sa.text(
                f"INSERT INTO commission_rates (scope, {column}, rate_bp, effective_from,"  # noqa: S608
                f" created_at, note) SELECT '{scope}', id, commission_bp, :since, :now, :note"
                f" FROM {table} WHERE commission_bp IS NOT NULL ORDER BY id"
            ).bindparams(since, now, sa.bindparam("note", NOTE))
        )
    _foreign_keys(False)
    for table, _, _ in OWNERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_commission_range"), type_="check")
            batch_op.drop_column("commission_bp")
    _foreign_keys(True)
    _settlements_up()


def downgrade():
    _settlements_down()
    _foreign_keys(False)
    for table, _, _ in OWNERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("commission_bp", sa.Integer(), nullable=True))
            batch_op.create_check_constraint(op.f(f"ck_{table}_commission_range"), OWN_RATE_CHECK)
    _foreign_keys(True)
    # Back to an undated column: the rate in force now (the newest row at or before it).
    _, now = _moments()
    for table, scope, column in OWNERS:
        op.get_bind().execute(
            sa.text(
                f"UPDATE {table} SET commission_bp = (SELECT r.rate_bp FROM commission_rates r"  # noqa: S608
                f" WHERE r.scope = '{scope}' AND r.{column} = {table}.id"
                " AND r.effective_from <= :now ORDER BY r.effective_from DESC, r.id DESC LIMIT 1)"
            ).bindparams(now)
        )
    op.execute("DELETE FROM commission_rates WHERE scope IN ('producer', 'product')")
    with op.batch_alter_table("commission_rates", schema=None) as batch_op:
        batch_op.drop_index("ix_commission_rates_product")
        batch_op.drop_index("ix_commission_rates_producer")
        batch_op.drop_constraint(op.f("fk_commission_rates_product_id_products"), type_="foreignkey")
        batch_op.drop_constraint(
            op.f("fk_commission_rates_producer_id_producer_profiles"), type_="foreignkey"
        )
        batch_op.drop_constraint(op.f("ck_commission_rates_scope_matches"), type_="check")
        batch_op.drop_constraint(op.f("ck_commission_rates_scope_valid"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_commission_rates_scope_valid"), "scope IN ('default', 'collection')"
        )
        batch_op.create_check_constraint(
            op.f("ck_commission_rates_scope_matches"), OLD_SCOPE_MATCHES
        )
        batch_op.drop_column("product_id")
        batch_op.drop_column("producer_id")
