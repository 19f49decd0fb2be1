"""What the pages read: an order's documents, the admin's list, an invoice's PDF."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from coopshop.db import db
from coopshop.models import Invoice
from coopshop.services.invoicing import records
from coopshop.services.invoicing import settings as invoicing_settings
from coopshop.services.invoicing.interface import InvoicingError

LIST_STATUSES = ("pending", "issuing", "issued", "failed", "recorded")


def issued_invoice(order_id: int) -> Invoice | None:
    """The order's sale invoice once issued (None before, or when it has none)."""
    invoice = records.sale_invoice(order_id)
    return invoice if invoice is not None and invoice.status == "issued" else None


def is_cancelled(invoice: Invoice) -> bool:
    return (
        db.session.scalar(
            select(func.count(Invoice.id)).where(
                Invoice.original_id == invoice.id,
                Invoice.purpose == "cancellation",
                Invoice.status == "issued",
            )
        )
        > 0
    )


def listing(status: str | None = None, limit: int = 200) -> list[Invoice]:
    """Newest first; failed ones first of all when no status is chosen (they need a person)."""
    query = select(Invoice).options(joinedload(Invoice.order))
    if status in LIST_STATUSES:
        query = query.where(Invoice.status == status)
    order = [(Invoice.status != "failed"), Invoice.id.desc()]
    return list(db.session.scalars(query.order_by(*order).limit(limit)))


def counts() -> dict[str, int]:
    rows = db.session.execute(
        select(Invoice.status, func.count(Invoice.id)).group_by(Invoice.status)
    )
    return dict(rows.all())


def pdf(invoice: Invoice) -> bytes | None:
    """The integrator's PDF, or None when the invoice is local (rendered by the shop) or the
    integrator cannot give it now (InvoicingError is logged by the caller)."""
    if invoice.provider == "local":
        return None
    try:
        return invoicing_settings.adapter().pdf(invoice.uuid, kind=invoice.kind)
    except InvoicingError:
        return None
