"""One person's data as a zip (KVKK m.11): ``data.json`` with every section, the same sections
as CSV files (written the way services.core.export writes the cooperative's), and a README.

Everything is selected by her own ids: her account, the orders placed from her account (with
their lines, payments, refunds, invoices, shipments and the addresses she gave), her consents,
data requests and API tokens (names and dates, never the hash), the audit entries about her, and
for a member her profile, products, payout lines, ledger entries on her account and statement
questions. An order someone else placed, even to the same address, is not hers and not in it.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime

from sqlalchemy import LargeBinary, String, cast, or_, select

from coopshop.db import db
from coopshop.models import (
    ApiToken,
    AuditEvent,
    ConsentRecord,
    DataRequest,
    Invoice,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    Payment,
    PayoutLine,
    ProducerProfile,
    Product,
    ProductMaker,
    Refund,
    RefundLine,
    ReturnShipment,
    Shipment,
    StatementQuestion,
    User,
    utcnow,
)
from coopshop.services.core.export import csv_text

FORMAT = "coopshop-personal-data-1"
_NEVER = {"password_hash", "token_hash", "session_generation", "label_pdf"}

README = """Bu arşiv, {coop} tarafından hakkınızda tutulan kişisel verilerin bir kopyasıdır
(6698 sayılı KVKK m.11). Oluşturulma: {when} (UTC).

data.json: bütün bölümler tek dosyada. Her bölüm ayrıca CSV olarak da vardır (UTF-8, virgülle
ayrılmış, ilk satır başlık; boş değer \\N, zamanlar UTC, tutarlar kuruş).

This archive is a copy of the personal data {coop} holds about you (Turkish data protection
law, KVKK art. 11). data.json holds every section; each is also a CSV file (amounts in kuruş).
"""


def _columns(model):
    return [
        c
        for c in model.__table__.columns
        if c.name not in _NEVER and not isinstance(c.type, LargeBinary)
    ]


def _rows(model, *where, order_by=None):
    columns = _columns(model)
    table = model.__table__
    query = select(*[table.c[c.name] for c in columns]).where(*where)
    query = query.order_by(order_by if order_by is not None else table.c.id)
    return columns, db.session.execute(query).all()


def _json_value(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _section(model, *where, order_by=None):
    columns, rows = _rows(model, *where, order_by=order_by)
    records = [{c.name: _json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows]
    text, _count = csv_text(model.__table__, rows, columns)
    return records, text


def sections(user: User) -> dict[str, tuple[list[dict], str]]:
    """Each section's name → (rows as dicts, CSV text)."""
    out: dict[str, tuple[list[dict], str]] = {}
    order_ids = select(Order.id).where(Order.customer_id == user.id)
    refund_ids = select(Refund.id).where(Refund.order_id.in_(order_ids))
    out["account"] = _section(User, User.id == user.id)
    out["orders"] = _section(Order, Order.customer_id == user.id)
    out["order_lines"] = _section(OrderLine, OrderLine.order_id.in_(order_ids))
    out["payments"] = _section(Payment, Payment.order_id.in_(order_ids))
    out["refunds"] = _section(Refund, Refund.order_id.in_(order_ids))
    out["refund_lines"] = _section(RefundLine, RefundLine.refund_id.in_(refund_ids))
    out["invoices"] = _section(Invoice, Invoice.order_id.in_(order_ids))
    out["shipments"] = _section(Shipment, Shipment.order_id.in_(order_ids))
    out["return_shipments"] = _section(ReturnShipment, ReturnShipment.order_id.in_(order_ids))
    out["consents"] = _section(ConsentRecord, ConsentRecord.user_id == user.id)
    out["data_requests"] = _section(DataRequest, DataRequest.user_id == user.id)
    out["api_tokens"] = _section(ApiToken, ApiToken.user_id == user.id)
    out["addresses"] = _addresses(user)

    profile = user.producer
    about = [(AuditEvent.object_type == "User") & (AuditEvent.object_id == str(user.id))]
    about.append(
        (AuditEvent.object_type == "Order")
        & AuditEvent.object_id.in_(
            select(cast(Order.id, String)).where(Order.customer_id == user.id)
        )
    )
    about.append(
        (AuditEvent.object_type == "DataRequest")
        & AuditEvent.object_id.in_(
            select(cast(DataRequest.id, String)).where(DataRequest.user_id == user.id)
        )
    )
    if profile is not None:
        product_ids = select(ProductMaker.product_id).where(ProductMaker.producer_id == profile.id)
        out["member_profile"] = _section(ProducerProfile, ProducerProfile.id == profile.id)
        out["products"] = _section(Product, Product.id.in_(product_ids))
        out["payout_lines"] = _section(PayoutLine, PayoutLine.producer_id == profile.id)
        out["ledger_entries"] = _ledger(profile.id)
        out["statement_questions"] = _section(
            StatementQuestion, StatementQuestion.producer_id == profile.id
        )
        about.append(
            (AuditEvent.object_type == "ProducerProfile")
            & (AuditEvent.object_id == str(profile.id))
        )
    out["audit_events"] = _audit(user, about)
    return out


def _addresses(user: User) -> tuple[list[dict], str]:
    """The delivery addresses she gave at checkout, each once (the shop keeps no address book:
    they live on her orders)."""
    fields = ("buyer_name", "buyer_phone", "address_line", "ilce", "il", "postal_code")
    rows = db.session.execute(
        select(*[getattr(Order, f) for f in fields])
        .where(Order.customer_id == user.id, Order.address_line != "")
        .distinct()
        .order_by(Order.il, Order.ilce, Order.address_line)
    ).all()
    columns = [Order.__table__.c[f] for f in fields]
    records = [dict(zip(fields, row, strict=True)) for row in rows]
    text, _count = csv_text(Order.__table__, rows, columns)
    return records, text


def _ledger(producer_id: int) -> tuple[list[dict], str]:
    """Entries on her own account, with the kind and time of their transaction (the other legs
    of a sale are the cooperative's and the other makers', not hers)."""
    entry = LedgerEntry.__table__.c
    txn = LedgerTransaction.__table__.c
    columns = [entry.id, entry.transaction_id, txn.kind, entry.amount_kurus, entry.order_line_id,
               entry.available_at, entry.created_at]  # fmt: skip
    rows = db.session.execute(
        select(*columns)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.producer_id == producer_id)
        .order_by(LedgerEntry.id)
    ).all()
    names = ["id", "transaction_id", "kind", "amount_kurus", "order_line_id", "available_at",
             "created_at"]  # fmt: skip
    records = [{n: _json_value(v) for n, v in zip(names, row, strict=True)} for row in rows]
    text, _count = csv_text(LedgerEntry.__table__, rows, columns)
    return records, text


def _audit(user: User, about) -> tuple[list[dict], str]:
    """Entries about her, and what she did herself. Where she acted on something that is not
    hers (a clerk's or an admin's work), the entry is listed without its details."""
    columns, rows = _rows(AuditEvent, or_(AuditEvent.actor_id == user.id, *about))
    mine = {row.id for row in db.session.execute(select(AuditEvent.id).where(or_(*about))).all()}
    data_at = [c.name for c in columns].index("data")
    kept = [row if row.id in mine else (*row[:data_at], {}, *row[data_at + 1 :]) for row in rows]
    records = [{c.name: _json_value(v) for c, v in zip(columns, row, strict=True)} for row in kept]
    text, _count = csv_text(AuditEvent.__table__, kept, columns)
    return records, text


def build_zip(user: User, now: datetime | None = None, coop_name: str = "") -> bytes:
    now = now or utcnow()
    found = sections(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(coop=coop_name or "Kooperatif", when=now.astimezone(UTC).isoformat()),
        )
        document = {
            "format": FORMAT,
            "exported_at": now.astimezone(UTC).isoformat(),
            "user_id": user.id,
            **{name: records for name, (records, _text) in found.items()},
        }
        archive.writestr(
            "data.json", json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)
        )
        for name, (_records, text) in found.items():
            archive.writestr(f"{name}.csv", text)
    return buffer.getvalue()
