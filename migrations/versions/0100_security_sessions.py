"""Sessions that can be ended and per-account login throttling: users.session_generation,
users.failed_logins, users.locked_until.

Revision ID: 0100_security_sessions
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0100_security_sessions"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
        batch.drop_column("session_generation")
