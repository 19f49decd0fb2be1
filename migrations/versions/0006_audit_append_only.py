"""The audit log is append-only: the database refuses UPDATE and DELETE on audit_events.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # The same statements create_all() runs (coopshop.models.audit), so tests and production
    # databases refuse the same things.
    from coopshop.models.audit import append_only_ddl

    for statement in append_only_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    from coopshop.models.audit import drop_append_only_ddl

    for statement in drop_append_only_ddl(op.get_bind().dialect.name):
        op.execute(statement)
