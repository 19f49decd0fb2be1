"""On PostgreSQL the database refuses a ledger transaction whose entries do not sum to zero.

A deferred constraint trigger: the check runs at COMMIT, once a transaction's legs are all
written, so a transaction may be inserted leg by leg. It sits beside the append-only triggers of
the initial schema (UPDATE and DELETE are refused there, so only INSERT can unbalance). SQLite has
no deferred triggers; there the ledger service's own check is the guard.

Revision ID: 0250_ledger_zero_sum
Revises: 0240_outbox
"""

from alembic import op

revision = "0250_ledger_zero_sum"
down_revision = "0240_outbox"
branch_labels = None
depends_on = None

# Frozen copy of coopshop.models.ledger.ZERO_SUM_DDL (a migration never imports app code).
UPGRADE = [
    "CREATE OR REPLACE FUNCTION ledger_zero_sum() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE total bigint; "
    "BEGIN "
    "SELECT sum(amount_kurus) INTO total FROM ledger_entries "
    "WHERE transaction_id = NEW.transaction_id; "
    "IF total <> 0 THEN "
    "RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = 'ledger transaction ' "
    "|| NEW.transaction_id || ' does not sum to zero (off by ' || total || ' kurus)'; "
    "END IF; "
    "RETURN NULL; "
    "END $$",
    "CREATE CONSTRAINT TRIGGER ledger_entries_zero_sum AFTER INSERT ON ledger_entries "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_zero_sum()",
]
DOWNGRADE = [
    "DROP TRIGGER IF EXISTS ledger_entries_zero_sum ON ledger_entries",
    "DROP FUNCTION IF EXISTS ledger_zero_sum()",
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DOWNGRADE:
        op.execute(statement)
