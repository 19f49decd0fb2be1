"""API: what the cooperative owes each producer, her sale lines, and the ledger's own check.

Every number comes from services.balances and services.ledger_check, the same aggregate
queries the producer's and the admin's pages show.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from coopshop.api.auth import own_producer
from coopshop.api.errors import ApiError
from coopshop.api.routes import operation
from coopshop.api.schemas import (
    BalanceOut,
    CursorQuery,
    LedgerCheckOut,
    MySaleLine,
    MySalesPage,
    ViolationOut,
)
from coopshop.db import db
from coopshop.models import ProducerProfile, utcnow
from coopshop.services.books import balances, ledger_check
from coopshop.services.reports import producer_sales

SALES_PER_PAGE = 50


def balance_out(producer_id: int) -> BalanceOut:
    as_of = utcnow()
    b = balances.balance(producer_id, as_of=as_of)
    return BalanceOut(
        producer_id=producer_id,
        pending_kurus=b.pending,
        available_kurus=b.available,
        paid_kurus=b.paid_out,
        earned_kurus=b.earned,
        refunded_kurus=b.refunded,
        deductions_kurus=b.deductions,
        fees_kurus=b.fees,
        balance_kurus=b.balance,
        as_of=as_of,
    )


@operation(
    "GET",
    "/me/balance",
    summary="My balance (producer)",
    tag="producers",
    roles=("producer",),
    response=BalanceOut,
)
def my_balance():
    """The calling producer's balance: pending (inside the return window), available, paid out
    and earned, as of now."""
    return balance_out(own_producer().id)


@operation(
    "GET",
    "/me/sales",
    summary="My sale lines (producer)",
    tag="producers",
    roles=("producer",),
    query=CursorQuery,
    response=MySalesPage,
)
def my_sales(query: CursorQuery):
    """The calling producer's sale lines, newest first, 50 a page: her share of each line, what
    refunds took back of it, and when it becomes payable. Paged by cursor (the page's
    next_cursor), the same listing as her sales page."""
    producer = own_producer()
    page = producer_sales.sales(producer.id, after=query.cursor, per_page=SALES_PER_PAGE)
    return MySalesPage(
        items=[
            MySaleLine(
                order_line_id=r.order_line_id,
                order_number=r.order_number,
                paid_at=r.paid_at,
                title=r.title,
                quantity=r.quantity,
                gross_kurus=r.gross_kurus,
                share_bp=r.share_bp,
                earned_kurus=r.earned,
                refunded_kurus=r.refunded,
                net_kurus=r.net,
                available_at=r.available_at,
            )
            for r in page.items
        ],
        per_page=SALES_PER_PAGE,
        has_more=page.has_next,
        next_cursor=page.next_cursor,
    )


@operation(
    "GET",
    "/producers/{producer_id}/balance",
    summary="A producer's balance (admin)",
    tag="producers",
    roles=("admin",),
    response=BalanceOut,
)
def producer_balance(producer_id: int):
    """Any producer's balance, for the accountant."""
    if db.session.get(ProducerProfile, producer_id) is None:
        raise ApiError(404, "not_found", _l("Üretici bulunamadı."))
    return balance_out(producer_id)


@operation(
    "GET",
    "/ledger/check",
    summary="Check the ledger's invariants (admin)",
    tag="ledger",
    roles=("admin",),
    response=LedgerCheckOut,
)
def check_ledger():
    """Every ledger check (balanced transactions, sales matching orders, refunds within lines,
    producer balances recomputed from the documents, payouts within what was available).
    ``ok`` is true when nothing is violated."""
    violations = ledger_check.check()
    return LedgerCheckOut(
        ok=not violations,
        violations=[
            ViolationOut(
                rule=v.rule,
                description=v.description,
                transaction_id=v.transaction_id,
                order_id=v.order_id,
                producer_id=v.producer_id,
            )
            for v in violations
        ],
    )
