"""Legal texts (issue 15): dated, versioned legal documents and the agreements a buyer approved
with her order (rendered text, version, SHA-256, time, IP), which the database refuses to change.

Revision ID: 0200_legal_documents
Revises: 0220_data_requests
"""

import sqlalchemy as sa
from alembic import op

revision = "0200_legal_documents"
down_revision = "0220_data_requests"
branch_labels = None
depends_on = None

# Frozen copies of coopshop.models.legal.immutable_ddl (a migration never imports app code).
IMMUTABLE = {
    "sqlite": [
        "CREATE TRIGGER legal_documents_fixed BEFORE UPDATE ON legal_documents WHEN NEW.kind IS NOT OLD.kind OR NEW.version IS NOT OLD.version OR NEW.effective_from IS NOT OLD.effective_from OR NEW.title_tr IS NOT OLD.title_tr OR NEW.body_tr IS NOT OLD.body_tr OR NEW.title_en IS NOT OLD.title_en OR NEW.body_en IS NOT OLD.body_en BEGIN SELECT RAISE(ABORT, 'legal versions and approved agreements are never changed'); END",
        "CREATE TRIGGER order_agreements_fixed BEFORE UPDATE ON order_agreements WHEN NEW.order_id IS NOT OLD.order_id OR NEW.kind IS NOT OLD.kind OR NEW.document_id IS NOT OLD.document_id OR NEW.document_version IS NOT OLD.document_version OR NEW.locale IS NOT OLD.locale OR NEW.rendered_text IS NOT OLD.rendered_text OR NEW.sha256 IS NOT OLD.sha256 OR NEW.accepted_at IS NOT OLD.accepted_at OR NEW.ip IS NOT OLD.ip BEGIN SELECT RAISE(ABORT, 'legal versions and approved agreements are never changed'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION legal_documents_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.kind IS DISTINCT FROM OLD.kind OR NEW.version IS DISTINCT FROM OLD.version OR NEW.effective_from IS DISTINCT FROM OLD.effective_from OR NEW.title_tr IS DISTINCT FROM OLD.title_tr OR NEW.body_tr IS DISTINCT FROM OLD.body_tr OR NEW.title_en IS DISTINCT FROM OLD.title_en OR NEW.body_en IS DISTINCT FROM OLD.body_en THEN RAISE EXCEPTION 'legal versions and approved agreements are never changed'; END IF; RETURN NEW; END $$",
        'CREATE TRIGGER legal_documents_fixed BEFORE UPDATE ON legal_documents FOR EACH ROW EXECUTE FUNCTION legal_documents_fixed()',
        "CREATE OR REPLACE FUNCTION order_agreements_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.document_id IS DISTINCT FROM OLD.document_id OR NEW.document_version IS DISTINCT FROM OLD.document_version OR NEW.locale IS DISTINCT FROM OLD.locale OR NEW.rendered_text IS DISTINCT FROM OLD.rendered_text OR NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.accepted_at IS DISTINCT FROM OLD.accepted_at OR NEW.ip IS DISTINCT FROM OLD.ip THEN RAISE EXCEPTION 'legal versions and approved agreements are never changed'; END IF; RETURN NEW; END $$",
        'CREATE TRIGGER order_agreements_fixed BEFORE UPDATE ON order_agreements FOR EACH ROW EXECUTE FUNCTION order_agreements_fixed()',
    ],
}
DROP_IMMUTABLE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS legal_documents_fixed",
        "DROP TRIGGER IF EXISTS order_agreements_fixed",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS legal_documents_fixed ON legal_documents",
        "DROP FUNCTION IF EXISTS legal_documents_fixed()",
        "DROP TRIGGER IF EXISTS order_agreements_fixed ON order_agreements",
        "DROP FUNCTION IF EXISTS order_agreements_fixed()",
    ],
}

KINDS = "('on_bilgilendirme', 'mesafeli_satis', 'kvkk', 'cerez', 'iade_cayma')"
AGREEMENT_KINDS = "('on_bilgilendirme', 'mesafeli_satis')"


def upgrade():
    op.create_table(
        "legal_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title_tr", sa.String(length=200), nullable=False),
        sa.Column("body_tr", sa.Text(), nullable=False),
        sa.Column("title_en", sa.String(length=200), server_default=sa.text("''"), nullable=False),
        sa.Column("body_en", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("note", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_legal_documents_kind_valid")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_legal_documents_version_positive")),
        sa.CheckConstraint("length(body_tr) > 0", name=op.f("ck_legal_documents_body_tr_present")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_legal_documents_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_documents")),
        sa.UniqueConstraint("kind", "version", name="uq_legal_documents_kind_version"),
    )
    op.create_index(
        "ix_legal_documents_lookup", "legal_documents", ["kind", "effective_from"], unique=False
    )
    op.create_table(
        "order_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("document_version", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("rendered_text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.CheckConstraint(
            f"kind IN {AGREEMENT_KINDS}", name=op.f("ck_order_agreements_kind_valid")
        ),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_order_agreements_sha256_length")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["legal_documents.id"],
            name=op.f("fk_order_agreements_document_id_legal_documents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_agreements_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_agreements")),
        sa.UniqueConstraint("order_id", "kind", name="uq_order_agreements_order_kind"),
    )
    op.create_index(
        op.f("ix_order_agreements_document_id"), "order_agreements", ["document_id"], unique=False
    )
    op.create_index(
        op.f("ix_order_agreements_order_id"), "order_agreements", ["order_id"], unique=False
    )
    for statement in IMMUTABLE.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DROP_IMMUTABLE.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.drop_index(op.f("ix_order_agreements_order_id"), table_name="order_agreements")
    op.drop_index(op.f("ix_order_agreements_document_id"), table_name="order_agreements")
    op.drop_table("order_agreements")
    op.drop_index("ix_legal_documents_lookup", table_name="legal_documents")
    op.drop_table("legal_documents")
