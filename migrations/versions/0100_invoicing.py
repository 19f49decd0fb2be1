"""Invoicing (issue 17): the invoices table, which refuses changes to an issued invoice, and the
"kurumsal fatura" fields of an order (addressee, tax office, VKN/TCKN).

Revision ID: 0100_invoicing
Revises: 0100_shipping_labels
"""

import sqlalchemy as sa
from alembic import op

revision = '0100_invoicing'
down_revision = "0100_shipping_labels"
branch_labels = None
depends_on = None

# Frozen copies of coopshop.models.invoicing.immutable_ddl (a migration never imports app code).
IMMUTABLE = {
    "sqlite": [
        "CREATE TRIGGER invoices_fixed BEFORE UPDATE ON invoices WHEN OLD.status IN ('issued', 'recorded') OR NEW.uuid IS NOT OLD.uuid OR NEW.order_id IS NOT OLD.order_id OR NEW.purpose IS NOT OLD.purpose OR NEW.original_id IS NOT OLD.original_id OR NEW.refund_id IS NOT OLD.refund_id OR NEW.provider IS NOT OLD.provider OR NEW.buyer_name IS NOT OLD.buyer_name OR NEW.buyer_tax_id IS NOT OLD.buyer_tax_id OR NEW.buyer_tax_office IS NOT OLD.buyer_tax_office OR NEW.lines IS NOT OLD.lines OR NEW.by_rate IS NOT OLD.by_rate OR NEW.net_kurus IS NOT OLD.net_kurus OR NEW.vat_kurus IS NOT OLD.vat_kurus OR NEW.gross_kurus IS NOT OLD.gross_kurus OR (OLD.kind IS NOT NULL AND NEW.kind IS NOT OLD.kind) BEGIN SELECT RAISE(ABORT, 'invoice amounts and parties are fixed; an issued invoice never changes'); END",
        "CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices BEGIN SELECT RAISE(ABORT, 'invoice amounts and parties are fixed; an issued invoice never changes'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION invoices_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'DELETE' OR OLD.status IN ('issued', 'recorded') OR NEW.uuid IS DISTINCT FROM OLD.uuid OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.purpose IS DISTINCT FROM OLD.purpose OR NEW.original_id IS DISTINCT FROM OLD.original_id OR NEW.refund_id IS DISTINCT FROM OLD.refund_id OR NEW.provider IS DISTINCT FROM OLD.provider OR NEW.buyer_name IS DISTINCT FROM OLD.buyer_name OR NEW.buyer_tax_id IS DISTINCT FROM OLD.buyer_tax_id OR NEW.buyer_tax_office IS DISTINCT FROM OLD.buyer_tax_office OR NEW.lines::text IS DISTINCT FROM OLD.lines::text OR NEW.by_rate::text IS DISTINCT FROM OLD.by_rate::text OR NEW.net_kurus IS DISTINCT FROM OLD.net_kurus OR NEW.vat_kurus IS DISTINCT FROM OLD.vat_kurus OR NEW.gross_kurus IS DISTINCT FROM OLD.gross_kurus OR (OLD.kind IS NOT NULL AND NEW.kind IS DISTINCT FROM OLD.kind) THEN RAISE EXCEPTION 'invoice amounts and parties are fixed; an issued invoice never changes'; END IF; RETURN NEW; END $$",
        'CREATE TRIGGER invoices_fixed BEFORE UPDATE OR DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_fixed()',
    ],
}
DROP_IMMUTABLE = {
    "sqlite": ["DROP TRIGGER IF EXISTS invoices_fixed", "DROP TRIGGER IF EXISTS invoices_no_delete"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS invoices_fixed ON invoices",
        "DROP FUNCTION IF EXISTS invoices_fixed()",
    ],
}



def upgrade():
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('original_id', sa.Integer(), nullable=True),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=True),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('buyer_name', sa.String(length=200), nullable=False),
    sa.Column('buyer_tax_id', sa.String(length=11), nullable=False),
    sa.Column('buyer_tax_office', sa.String(length=80), nullable=False),
    sa.Column('buyer_address', sa.Text(), nullable=False),
    sa.Column('buyer_email', sa.String(length=254), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('by_rate', sa.JSON(), nullable=False),
    sa.Column('net_kurus', sa.BigInteger(), nullable=False),
    sa.Column('vat_kurus', sa.BigInteger(), nullable=False),
    sa.Column('gross_kurus', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_code', sa.String(length=40), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(purpose = 'sale') = (original_id IS NULL)", name=op.f('ck_invoices_documents_answer_an_invoice')),
    sa.CheckConstraint("kind IN ('earsiv', 'efatura')", name=op.f('ck_invoices_kind_valid')),
    sa.CheckConstraint("purpose IN ('sale', 'cancellation', 'return')", name=op.f('ck_invoices_purpose_valid')),
    sa.CheckConstraint("status IN ('pending', 'issuing', 'issued', 'failed', 'recorded')", name=op.f('ck_invoices_status_valid')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_invoices_attempts_non_negative')),
    sa.CheckConstraint('gross_kurus = net_kurus + vat_kurus', name=op.f('ck_invoices_gross_adds_up')),
    sa.CheckConstraint('net_kurus >= 0 AND vat_kurus >= 0', name=op.f('ck_invoices_amounts_non_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_invoices_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['original_id'], ['invoices.id'], name=op.f('fk_invoices_original_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_invoices_refund_id_refunds'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number')),
    sa.UniqueConstraint('refund_id', name=op.f('uq_invoices_refund_id')),
    sa.UniqueConstraint('uuid', name=op.f('uq_invoices_uuid'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_original_id'), ['original_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_status'), ['status'], unique=False)
        batch_op.create_index('uq_invoices_one_sale_invoice_per_order', ['order_id'], unique=True, sqlite_where=sa.text("purpose = 'sale'"), postgresql_where=sa.text("purpose = 'sale'"))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buyer_company', sa.String(length=200), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('buyer_tax_office', sa.String(length=80), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('buyer_tax_id', sa.String(length=11), server_default=sa.text("''"), nullable=False))

    for statement in IMMUTABLE.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DROP_IMMUTABLE.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('buyer_tax_id')
        batch_op.drop_column('buyer_tax_office')
        batch_op.drop_column('buyer_company')

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('uq_invoices_one_sale_invoice_per_order', sqlite_where=sa.text("purpose = 'sale'"), postgresql_where=sa.text("purpose = 'sale'"))
        batch_op.drop_index(batch_op.f('ix_invoices_status'))
        batch_op.drop_index(batch_op.f('ix_invoices_original_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_order_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_next_attempt_at'))

    op.drop_table('invoices')
