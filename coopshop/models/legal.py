"""Legal texts as dated versions, and what a buyer approved with her order.

A legal document (pre-information form, distance sales contract, KVKK notice, cookie notice,
returns and withdrawal policy) is a row per version: editing adds version n+1 in force from its
``effective_from``; an old version is never rewritten, so it stays readable at its address. The
version in force at a moment is the one of that kind with the latest ``effective_from`` at or
before it.

An order agreement is the text a buyer approved at checkout, rendered for her order, with the
version it came from, its SHA-256, the time and her IP. It is written once and never changed:
the ORM and the database both refuse an UPDATE (``immutable_ddl``), so a later edit of a product,
a price or a legal text never changes what she approved.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from coopshop.models.orders import Order

LEGAL_KINDS = ("on_bilgilendirme", "mesafeli_satis", "kvkk", "cerez", "iade_cayma")
# What a buyer approves at checkout, in the order she is shown them.
AGREEMENT_KINDS = ("on_bilgilendirme", "mesafeli_satis")


class LegalDocument(Base):
    __tablename__ = "legal_documents"
    __table_args__ = (
        CheckConstraint(f"kind IN {LEGAL_KINDS!r}", name="kind_valid"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(body_tr) > 0", name="body_tr_present"),
        UniqueConstraint("kind", "version", name="uq_legal_documents_kind_version"),
        Index("ix_legal_documents_lookup", "kind", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    title_tr: Mapped[str] = mapped_column(String(200))
    body_tr: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))
    body_en: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    note: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def title(self, locale: str = "tr") -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_tr

    def body(self, locale: str = "tr") -> str:
        return self.body_en if locale == "en" and self.body_en else self.body_tr

    def __repr__(self) -> str:
        return f"<LegalDocument {self.kind} v{self.version} from {self.effective_from}>"


class OrderAgreement(Base):
    __tablename__ = "order_agreements"
    __table_args__ = (
        CheckConstraint(f"kind IN {AGREEMENT_KINDS!r}", name="kind_valid"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        UniqueConstraint("order_id", "kind", name="uq_order_agreements_order_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[int] = mapped_column(
        ForeignKey("legal_documents.id", ondelete="RESTRICT"), index=True
    )
    document_version: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(5), default="tr")
    rendered_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str] = mapped_column(String(45), default="")

    order: Mapped[Order] = relationship()
    document: Mapped[LegalDocument] = relationship()

    def __repr__(self) -> str:
        return f"<OrderAgreement {self.order_id} {self.kind} v{self.document_version}>"


class ImmutableRecordError(Exception):
    """Raised when code tries to change a legal version or an approved agreement."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, LegalDocument | OrderAgreement) and session.is_modified(
            obj, include_collections=False
        ):
            raise ImmutableRecordError(f"{obj!r} is never changed; add a new version instead")


_DOCUMENT_FIXED = ("kind", "version", "effective_from", "title_tr", "body_tr", "title_en",
                   "body_en")  # fmt: skip
_AGREEMENT_FIXED = ("order_id", "kind", "document_id", "document_version", "locale",
                    "rendered_text", "sha256", "accepted_at", "ip")  # fmt: skip
_MESSAGE = "legal versions and approved agreements are never changed"


def immutable_ddl(dialect: str) -> list[str]:
    """Statements making the database refuse an UPDATE of a version's text or of an agreement.
    The same statements serve create_all() (tests) and migration 0200 (a frozen copy)."""
    statements = []
    for table, columns in (
        ("legal_documents", _DOCUMENT_FIXED),
        ("order_agreements", _AGREEMENT_FIXED),
    ):
        if dialect == "sqlite":
            changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
            statements.append(
                f"CREATE TRIGGER {table}_fixed BEFORE UPDATE ON {table} WHEN {changed} "
                f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )
        elif dialect == "postgresql":
            changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
            statements += [
                f"CREATE OR REPLACE FUNCTION {table}_fixed() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN IF {changed} THEN RAISE EXCEPTION '{_MESSAGE}'; END IF; "
                "RETURN NEW; END $$",
                f"CREATE TRIGGER {table}_fixed BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_fixed()",
            ]
    return statements


@event.listens_for(OrderAgreement.__table__, "after_create")
def _create_immutable_triggers(target, connection, **kw) -> None:
    # After order_agreements, the later of the two tables: both exist by then.
    for statement in immutable_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)
