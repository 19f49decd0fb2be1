"""Ledger check (issue 16): each sale's legs recomputed from its order lines' snapshots with
docs/design.md's formula, in the database (joined into ledger_check.CHECKS).

Per line of a sold order: VAT ``G - round(G * 10000 / (10000 + v))``, commission
``round(net * c / 10000)``, and each maker's part of ``net - commission`` by largest remainder,
ties in turn from the line's tie offset (money.allocate). Per sale: shipping's net and VAT
(books.vat_extras; an order booked before 0290 carries no shipping VAT). Each leg the sale
booked differently is named, so 1 kuruş moved from VAT to commission inside one sale shows
although the sale still balances and the makers' totals are untouched.

Three grouped passes (lines, makers, shipping); no row of a sound ledger comes to Python.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, case, cast, exists, func, select

from coopshop.db import db
from coopshop.models import Account, LedgerEntry, LedgerTransaction, Order, OrderLine
from coopshop.models import OrderLineMaker as Maker
from coopshop.services.books.ledger import COMMISSION, SHIPPING, VAT
from coopshop.services.books.ledger_check import Violation, _tl
from coopshop.services.books.maker_split_sql import (
    _BP,
    line_net,
    maker_parts,
    round_half_up,
    tie_offset,
)


def _sold_lines():
    """The lines of every order that has a sale, with the sale's id and their net."""
    sale = LedgerTransaction
    return (
        select(
            OrderLine.id.label("line_id"),
            OrderLine.order_id,
            sale.id.label("sale_id"),
            OrderLine.gross_kurus,
            OrderLine.commission_bp,
            line_net().label("net"),
            tie_offset().label("tie_offset"),
        )
        .join(sale, and_(sale.order_id == OrderLine.order_id, sale.kind == "sale"))
        .subquery("sold")
    )


def _credited(code_or_producer):
    """What a leg credited (positive), summed: on one account code, or on producers' accounts."""
    if code_or_producer is None:
        match = LedgerEntry.producer_id.is_not(None)
    else:
        match = Account.code == code_or_producer
    return func.coalesce(-func.sum(case((match, LedgerEntry.amount_kurus), else_=0)), 0)


def _booked_lines():
    """Per order line, what its sale credited to VAT, commission and the makers."""
    return (
        select(
            LedgerEntry.order_line_id.label("line_id"),
            _credited(VAT).label("vat"),
            _credited(COMMISSION).label("commission"),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(LedgerTransaction.kind == "sale", LedgerEntry.order_line_id.is_not(None))
        .group_by(LedgerEntry.order_line_id)
        .subquery("booked")
    )


def _where(sale_id, order_number, line_id) -> str:
    return f"sale transaction #{sale_id} (order {order_number}), line {line_id}"


def sale_lines_match_snapshots() -> list[Violation]:
    """Each sold line's VAT and commission legs, as its snapshot makes them."""
    sold, booked = _sold_lines(), _booked_lines()
    vat = sold.c.gross_kurus - sold.c.net
    commission = round_half_up(sold.c.net * sold.c.commission_bp, _BP)
    got_vat = func.coalesce(booked.c.vat, 0)
    got_commission = func.coalesce(booked.c.commission, 0)
    rows = db.session.execute(
        select(
            sold.c.sale_id,
            sold.c.order_id,
            Order.number,
            sold.c.line_id,
            vat,
            got_vat,
            commission,
            got_commission,
        )
        .join(Order, Order.id == sold.c.order_id)
        .outerjoin(booked, booked.c.line_id == sold.c.line_id)
        .where((got_vat != vat) | (got_commission != commission))
        .order_by(sold.c.line_id)
    )
    violations = []
    for sale_id, order_id, number, line_id, want_vat, vat_, want_com, com in rows:
        place = _where(sale_id, number, line_id)
        for code, want, got in ((VAT, want_vat, vat_), (COMMISSION, want_com, com)):
            if int(want) != int(got):
                violations.append(
                    Violation(
                        "sale_leg",
                        f"{place}: {code} credited {_tl(int(got))}, the line's snapshot makes "
                        f"{_tl(int(want))}",
                        transaction_id=sale_id,
                        order_id=order_id,
                    )
                )
    return violations


def _booked_makers():
    """Per order line and producer, what the line's sale credited her."""
    return (
        select(
            LedgerEntry.order_line_id.label("line_id"),
            LedgerEntry.producer_id,
            (-func.sum(LedgerEntry.amount_kurus)).label("credited"),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerTransaction.kind == "sale",
            LedgerEntry.order_line_id.is_not(None),
            LedgerEntry.producer_id.is_not(None),
        )
        .group_by(LedgerEntry.order_line_id, LedgerEntry.producer_id)
        .subquery("credited")
    )


def sale_makers_match_snapshots() -> list[Violation]:
    """Each maker's leg of each sold line, as the line's snapshot and tie rule make it."""
    sold = _sold_lines()
    parts = maker_parts(sold)
    booked = _booked_makers()
    got = func.coalesce(booked.c.credited, 0)
    rows = db.session.execute(
        select(
            sold.c.sale_id,
            sold.c.order_id,
            Order.number,
            parts.c.line_id,
            parts.c.producer_id,
            parts.c.part,
            got,
        )  # fmt: skip
        .join(sold, sold.c.line_id == parts.c.line_id)
        .join(Order, Order.id == sold.c.order_id)
        .outerjoin(
            booked,
            and_(booked.c.line_id == parts.c.line_id, booked.c.producer_id == parts.c.producer_id),
        )
        .where(got != parts.c.part)
        .order_by(parts.c.line_id, parts.c.producer_id)
    )
    strays = db.session.execute(
        select(booked.c.line_id, booked.c.producer_id, booked.c.credited).where(
            ~exists().where(
                Maker.line_id == booked.c.line_id, Maker.producer_id == booked.c.producer_id
            )
        )
    )
    violations = [
        Violation(
            "sale_leg",
            f"{_where(sale_id, number, line_id)}: producer {producer_id} credited "
            f"{_tl(int(credited))}, her share of the line's snapshot makes {_tl(int(part))}",
            transaction_id=sale_id,
            order_id=order_id,
            producer_id=producer_id,
        )
        for sale_id, order_id, number, line_id, producer_id, part, credited in rows
    ]
    violations += [
        Violation(
            "sale_leg",
            f"line {line_id}: producer {producer_id} credited {_tl(int(credited))} by a sale "
            "but is not one of the line's makers",
            producer_id=producer_id,
        )
        for line_id, producer_id, credited in strays
    ]
    return violations


def sale_shipping_matches_order() -> list[Violation]:
    """Each sale's shipping legs (no line): its net to coop:shipping and its VAT, by the
    order's shipping and its snapshotted rate."""
    sale = LedgerTransaction
    net = round_half_up(cast(Order.shipping_kurus, BigInteger) * _BP, _BP + Order.shipping_vat_bp)
    want_net = case((Order.legacy_vat_booking, Order.shipping_kurus), else_=net)
    want_vat = Order.shipping_kurus - want_net
    booked = (
        select(
            sale.id.label("sale_id"),
            sale.order_id,
            _credited(SHIPPING).label("shipping"),
            _credited(VAT).label("vat"),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == sale.id)
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(sale.kind == "sale", LedgerEntry.order_line_id.is_(None))
        .group_by(sale.id, sale.order_id)
        .subquery("shipping")
    )
    got_net, got_vat = func.coalesce(booked.c.shipping, 0), func.coalesce(booked.c.vat, 0)
    rows = db.session.execute(
        select(sale.id, Order.id, Order.number, want_net, got_net, want_vat, got_vat)
        .join(Order, Order.id == sale.order_id)
        .outerjoin(booked, booked.c.sale_id == sale.id)
        .where(sale.kind == "sale", (got_net != want_net) | (got_vat != want_vat))
        .order_by(sale.id)
    )
    return [
        Violation(
            "sale_leg",
            f"sale transaction #{sale_id} (order {number}): shipping booked {_tl(int(gn))} net "
            f"and {_tl(int(gv))} VAT, the order's shipping makes {_tl(int(wn))} and "
            f"{_tl(int(wv))}",
            transaction_id=sale_id,
            order_id=order_id,
        )
        for sale_id, order_id, number, wn, gn, wv, gv in rows
    ]
