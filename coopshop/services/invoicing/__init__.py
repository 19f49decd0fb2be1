"""Invoicing: every paid order's e-Arşiv or e-Fatura through an integrator, and the documents
that answer its refunds. ``interface`` is the adapter contract (and the local adapter),
``nilvera`` the real one, ``records`` writes the rows, ``queue`` issues them after commit (as
outbox jobs)."""

from __future__ import annotations

from coopshop.services.core import hooks
from coopshop.services.invoicing import records, settings


def on_order_paid(order) -> None:
    """Subscribed to "order.paid": the invoice row now, its issuing after commit."""
    config = settings.current()
    if not config.enabled or not records.wants_invoice(order, config):
        return
    from coopshop.services.invoicing import queue

    invoice = records.create_for_order(order, config)
    if invoice.status == "pending":
        queue.enqueue(invoice.id)


def on_refund_created(refund) -> None:
    """Subscribed to "refund.created": a cancellation (sent after commit) or a return record."""
    config = settings.current()
    if not config.enabled:
        return
    from coopshop.services.invoicing import queue

    doc = records.create_for_refund(refund, config)
    if doc is not None and doc.status == "pending":
        queue.enqueue(doc.id)


def install() -> None:
    from coopshop.services.invoicing import queue

    queue.install()
    hooks.subscribe("order.paid", on_order_paid)
    hooks.subscribe("refund.created", on_refund_created)
