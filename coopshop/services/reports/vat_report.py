"""The monthly VAT summary for the accountant: what vat:payable moved in an Istanbul month, tied
to the VAT of the month's invoices, with every difference named.

A document is dated by what it documents, as the ledger dates its transactions: a sale invoice
by its order's payment (the sale and the surcharge are booked then), a return or a cancellation
by its refund. Per order, the ledger's VAT of the month must equal its documents' VAT of the
month. What is left over is listed in three kinds, never netted away:

- ``not_invoiced``: an order with no sale invoice (a bazaar sale with no name given, or one
  paid before invoicing was switched on): its VAT is declared from the till, not an invoice;
- ``explained``: an order booked before shipping and the surcharge carried their VAT (0290):
  the ledger is short of exactly the VAT its invoices show on those lines;
- ``unexplained``: anything else, order by order (and VAT booked on no order at all).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from coopshop.db import db
from coopshop.models import Account, Invoice, LedgerEntry, LedgerTransaction, Order, Refund
from coopshop.services.books import ledger_check_vat
from coopshop.services.reports.dashboard import add_months, month_start
from coopshop.spreadsheet import excel_csv_rows, lira, text_cell


@dataclass(frozen=True)
class OrderDifference:
    order_id: int
    number: str
    kind: str  # not_invoiced | explained | unexplained
    invoiced_kurus: int
    booked_kurus: int

    @property
    def difference_kurus(self) -> int:
        return self.booked_kurus - self.invoiced_kurus


@dataclass(frozen=True)
class VatMonth:
    year: int
    month: int
    booked_kurus: int  # vat:payable credited in the month, less debited (payable, positive)
    invoiced_kurus: int  # the month's documents' VAT: sales less returns and cancellations
    invoiced_by_rate: tuple[tuple[int, int, int], ...]  # (vat_bp, net, VAT) of the documents
    outside_orders_kurus: int  # vat:payable moved by transactions of no order
    differences: tuple[OrderDifference, ...] = field(default=())

    def total(self, kind: str) -> int:
        return sum(d.difference_kurus for d in self.differences if d.kind == kind)

    @property
    def unexplained_kurus(self) -> int:
        return self.total("unexplained") + self.outside_orders_kurus

    @property
    def ties(self) -> bool:
        """booked == invoiced + every listed difference (by construction; checked on the page)."""
        listed = sum(d.difference_kurus for d in self.differences) + self.outside_orders_kurus
        return self.booked_kurus == self.invoiced_kurus + listed


def _documents(start, end):
    dated = case((Invoice.purpose == "sale", Order.paid_at), else_=Refund.created_at)
    return db.session.execute(
        select(
            Invoice.order_id,
            Order.number,
            Order.legacy_vat_booking,
            Invoice.purpose,
            Invoice.vat_kurus,
            Invoice.by_rate,
            Invoice.lines,
        )
        .join(Order, Order.id == Invoice.order_id)
        .outerjoin(Refund, Refund.id == Invoice.refund_id)
        .where(dated >= start, dated < end)
        .order_by(Invoice.order_id, Invoice.id)
    )


def _outside_orders(start, end) -> int:
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(
            Account.code == ledger_check_vat.VAT,
            LedgerTransaction.order_id.is_(None),
            LedgerTransaction.created_at >= start,
            LedgerTransaction.created_at < end,
        )
    )
    return -int(total)


def summary(year: int, month: int) -> VatMonth:
    """The month's VAT, booked and invoiced, with the differences per order."""
    start, end = month_start(year, month), month_start(*add_months(year, month, 1))
    booked = ledger_check_vat.booked_vat(begin=start, end=end)
    invoiced: dict[int, int] = {}
    explained: dict[int, int] = {}
    numbers: dict[int, str] = {}
    rates: dict[int, list[int]] = {}
    for order_id, number, legacy, purpose, vat, by_rate, lines in _documents(start, end):
        sign = 1 if purpose == "sale" else -1
        numbers[order_id] = number
        invoiced[order_id] = invoiced.get(order_id, 0) + sign * vat
        if legacy:
            extra = sign * ledger_check_vat.extras_vat(lines)
            explained[order_id] = explained.get(order_id, 0) + extra
        for bp, net, rate_vat in by_rate:
            pair = rates.setdefault(int(bp), [0, 0])
            pair[0] += sign * int(net)
            pair[1] += sign * int(rate_vat)
    with_invoice = _with_sale_invoice(set(booked) - set(invoiced))
    differences = []
    for order_id in sorted(set(booked) | set(invoiced)):
        got, shown = booked.get(order_id, 0), invoiced.get(order_id, 0)
        if got == shown:
            continue
        if order_id not in invoiced and order_id not in with_invoice:
            kind = "not_invoiced"
        elif got == shown - explained.get(order_id, 0):
            kind = "explained"
        else:
            kind = "unexplained"
        differences.append(OrderDifference(order_id, numbers.get(order_id, ""), kind, shown, got))
    _number_the_rest(differences)
    outside = _outside_orders(start, end)
    return VatMonth(
        year=year,
        month=month,
        booked_kurus=sum(booked.values()) + outside,
        invoiced_kurus=sum(invoiced.values()),
        invoiced_by_rate=tuple((bp, net, vat) for bp, (net, vat) in sorted(rates.items())),
        outside_orders_kurus=outside,
        differences=tuple(differences),
    )


def _with_sale_invoice(order_ids: set[int]) -> set[int]:
    """Of ``order_ids`` (booked in the month, no document in it), those that have a sale invoice."""
    if not order_ids:
        return set()
    found: set[int] = set()
    ids = sorted(order_ids)
    for at in range(0, len(ids), 500):
        found.update(
            db.session.scalars(
                select(Invoice.order_id).where(
                    Invoice.order_id.in_(ids[at : at + 500]), Invoice.purpose == "sale"
                )
            )
        )
    return found


def _number_the_rest(differences: list[OrderDifference]) -> None:
    """Fill in the order numbers of differences on orders with no document in the month."""
    missing = [d.order_id for d in differences if not d.number]
    if not missing:
        return
    rows = db.session.execute(select(Order.id, Order.number).where(Order.id.in_(missing)))
    numbers = dict(rows.tuples().all())
    for i, d in enumerate(differences):
        if not d.number:
            differences[i] = OrderDifference(
                d.order_id, numbers.get(d.order_id, ""), d.kind, d.invoiced_kurus, d.booked_kurus
            )


def kind_label(kind: str) -> str:
    return {
        "not_invoiced": _("Faturasız satış (kasa fişi / fatura öncesi)"),
        "explained": _("0290 öncesi kayıt: kargo ve taksit KDV'si ayrılmamış"),
        "unexplained": _("Açıklanmayan fark"),
    }[kind]


def csv_chunks(year: int, month: int) -> Iterator[str]:
    """The summary as Turkish-Excel CSV (coopshop.spreadsheet): the totals, the VAT by rate,
    then each difference."""
    s = summary(year, month)

    def body():
        yield [_("Defterde KDV (vat:payable)"), lira(s.booked_kurus), "", ""]
        yield [_("Faturalarda KDV"), lira(s.invoiced_kurus), "", ""]
        for kind in ("not_invoiced", "explained", "unexplained"):
            yield [kind_label(kind), lira(s.total(kind)), "", ""]
        yield [_("Siparişe bağlı olmayan KDV kaydı"), lira(s.outside_orders_kurus), "", ""]
        yield []
        yield [_("KDV oranı (%)"), _("Matrah"), _("KDV"), ""]
        for bp, net, vat in s.invoiced_by_rate:
            yield [f"{bp // 100},{bp % 100:02d}", lira(net), lira(vat), ""]
        yield []
        yield [_("Sipariş"), _("Faturalarda KDV"), _("Defterde KDV"), _("Açıklama")]
        for d in s.differences:
            yield [text_cell(d.number), lira(d.invoiced_kurus), lira(d.booked_kurus),
                   kind_label(d.kind)]  # fmt: skip

    yield from excel_csv_rows([_("Kalem"), _("Tutar"), "", ""], body())
