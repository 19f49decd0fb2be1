"""Producer workspace: stock movements, statement questions (issue 6).

Revision ID: 0002
Revises: 4fc1bd3d9f0d
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0002"
down_revision = "4fc1bd3d9f0d"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
