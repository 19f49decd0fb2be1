"""The audit log is append-only: the database refuses UPDATE and DELETE on audit_events.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Frozen copies of the statements coopshop.models.audit ran for create_all() at this revision,
# so tests and production databases refuse the same things (a migration never imports app code).
UPGRADE = {
    "sqlite": [
        f"CREATE TRIGGER audit_events_no_{op_name.lower()} BEFORE {op_name} ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
        for op_name in ("UPDATE", "DELETE")
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
    ],
}
DOWNGRADE = {
    "sqlite": [
        f"DROP TRIGGER IF EXISTS audit_events_no_{op_name}" for op_name in ("update", "delete")
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
        "DROP FUNCTION IF EXISTS audit_append_only()",
    ],
}


def upgrade():
    for statement in UPGRADE.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DOWNGRADE.get(op.get_bind().dialect.name, []):
        op.execute(statement)
