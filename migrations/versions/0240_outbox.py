"""The outbox of jobs (issue 13): mail and invoice issuing recorded in the business change's own
transaction and run by RQ workers (or in-process without Redis) after the commit. Mail queued
before this revision and not yet sent gets a job, so nothing waiting is forgotten.

Revision ID: 0240_outbox
Revises: 0230_account_safety
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0240_outbox"
down_revision = "0230_account_safety"
branch_labels = None
depends_on = None


def upgrade():
    jobs = op.create_table(
        "outbox_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("locked_by", sa.String(length=120), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_jobs_attempts_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
    )
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_jobs_due", ["done_at", "failed_at", "available_at"], unique=False
        )

    # Unsent mail from before the outbox of jobs: one job each, due now.
    messages = sa.table("outbox_messages", sa.column("id", sa.Integer), sa.column("sent_at"))
    bind = op.get_bind()
    unsent = bind.execute(
        sa.select(messages.c.id).where(messages.c.sent_at.is_(None)).order_by(messages.c.id)
    ).scalars().all()
    now = datetime.now(UTC)
    if unsent:
        op.bulk_insert(
            jobs,
            [
                {
                    "kind": "mail",
                    "payload": {"message_id": message_id},
                    "created_at": now,
                    "available_at": now,
                    "attempts": 0,
                }
                for message_id in unsent
            ],
        )


def downgrade():
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_jobs_due")
    op.drop_table("outbox_jobs")
