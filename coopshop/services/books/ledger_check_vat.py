"""Ledger check: the VAT the ledger booked for each invoiced order is the VAT of its invoices.

For an order with a sale invoice, the invoices' VAT is the sale's, less each return's, less the
sale's again when it was cancelled; the ledger's is what every transaction of the order (sale,
fee with its taksit surcharge, refunds, the surcharge given back, reversals) credited to
vat:payable. Both come from the same splits (books.vat_extras, money.vat_split), so they are
equal to the kuruş.

An order booked before shipping and the surcharge carried their VAT (``legacy_vat_booking``,
migration 0290) keeps its booking: the ledger is short of exactly the VAT its invoices show on
the shipping and surcharge lines, and that is the explained difference. Any other difference,
on any order, is a violation. Read from the models only (invoicing sits above books).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from coopshop.db import db
from coopshop.models import Account, Invoice, LedgerEntry, LedgerTransaction, Order
from coopshop.services.books.vat_extras import EXTRA_LINES

VAT = "vat:payable"
LINE_VAT = 6  # the VAT's place in an invoice's stored line: name, qty, unit, bp, gross, net, vat


@dataclass(frozen=True)
class OrderVat:
    """One order's VAT by the invoices and by the ledger, kuruş payable (positive)."""

    order_id: int
    number: str
    invoiced: int
    booked: int
    explained: int  # the legacy orders' shipping and surcharge VAT, never booked

    @property
    def difference(self) -> int:
        """What the ledger booked beyond the invoices, once the explained part is allowed."""
        return self.booked - (self.invoiced - self.explained)


def document_sign():
    """+1 for a sale invoice, -1 for what undoes it (a return, a cancellation)."""
    return case((Invoice.purpose == "sale", 1), else_=-1)


def extras_vat(lines: list) -> int:
    """The VAT of a document's shipping and surcharge lines."""
    return sum(int(line[LINE_VAT]) for line in lines if line[0] in EXTRA_LINES)


def booked_vat(order_ids=None, *, begin=None, end=None) -> dict[int, int]:
    """Per order, what its transactions credited to vat:payable (payable, positive)."""
    txn = LedgerTransaction
    query = (
        select(txn.order_id, func.sum(LedgerEntry.amount_kurus))
        .join(LedgerEntry, LedgerEntry.transaction_id == txn.id)
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(Account.code == VAT, txn.order_id.is_not(None))
        .group_by(txn.order_id)
    )
    if order_ids is not None:
        query = query.where(txn.order_id.in_(order_ids))
    if begin is not None:
        query = query.where(txn.created_at >= begin, txn.created_at < end)
    return {order_id: -int(total) for order_id, total in db.session.execute(query)}


def order_vats() -> list[OrderVat]:
    """Every invoiced order's VAT by its documents and by the ledger."""
    invoiced = (
        select(Invoice.order_id, func.sum(document_sign() * Invoice.vat_kurus).label("vat"))
        .group_by(Invoice.order_id)
        .having(func.sum(case((Invoice.purpose == "sale", 1), else_=0)) > 0)
        .subquery()
    )
    rows = db.session.execute(
        select(Order.id, Order.number, Order.legacy_vat_booking, invoiced.c.vat)
        .join(invoiced, invoiced.c.order_id == Order.id)
        .order_by(Order.id)
    ).all()
    booked = booked_vat()
    explained = legacy_explained([order_id for order_id, _, legacy, _ in rows if legacy])
    return [
        OrderVat(order_id, number, int(vat), booked.get(order_id, 0), explained.get(order_id, 0))
        for order_id, number, _legacy, vat in rows
    ]


def legacy_explained(order_ids: list[int], begin=None, end=None) -> dict[int, int]:
    """Per legacy order, the shipping and surcharge VAT of its documents (sale less returns)."""
    explained: dict[int, int] = {}
    for start in range(0, len(order_ids), 500):
        query = select(Invoice.order_id, Invoice.purpose, Invoice.lines).where(
            Invoice.order_id.in_(order_ids[start : start + 500])
        )
        for order_id, purpose, lines in db.session.execute(query):
            sign = 1 if purpose == "sale" else -1
            explained[order_id] = explained.get(order_id, 0) + sign * extras_vat(lines)
    return explained


def invoices_match_vat() -> list:
    """Each invoiced order's invoice VAT (net of returns) equals the VAT the ledger booked."""
    # ledger_check adds this check to its list on import: imported here, not at the top
    from coopshop.services.books.ledger_check import Violation

    violations = []
    for row in order_vats():
        if row.difference == 0:
            continue
        note = (
            f" ({row.explained} kuruş of it explained: booked before 0290)" if row.explained else ""
        )
        violations.append(
            Violation(
                "vat",
                f"order {row.number} (id {row.order_id}): the invoices show {row.invoiced} "
                f"kuruş VAT, the ledger booked {row.booked} kuruş to vat:payable{note}",
                order_id=row.order_id,
            )
        )
    return violations
