"""Ledger checks against the tax documents (issue 17), beside the ones in ledger_check:

- every paid order, from the date invoicing was switched on (INVOICING_SINCE, else the first
  invoiced order), that wants an invoice has one sale invoice, pending or issued (a failed one
  waits for a person), whose gross is what the buyer paid (total + taksit surcharge);
- every withholding matches its payout: each payout posting keeps on tax:withholding exactly
  its line's withholding (the rate of the amount, half up) and pays the bank the rest, and
  nothing reaches tax:withholding outside a payout.

Read from the models only (the books wing sits below invoicing and payouts)."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import case, func, or_, select

from coopshop import turkey
from coopshop.db import db
from coopshop.models import (
    Account,
    Invoice,
    LedgerEntry,
    LedgerTransaction,
    Order,
    Payment,
    PayoutLine,
)
from coopshop.money import BP, round_half_up
from coopshop.services.books.ledger_check import Violation

WITHHOLDING = "tax:withholding"
PAYOUTS = "bank:payouts"
LIVE = ("pending", "issuing", "issued")


def invoicing_since(config=None) -> datetime | None:
    """When invoicing began: INVOICING_SINCE (an Istanbul date), else the first invoiced order's
    payment; None when invoicing is off."""
    config = current_app.config if config is None else config
    if not config.get("INVOICING_ENABLED"):
        return None
    since = str(config.get("INVOICING_SINCE") or "").strip()
    if since:
        return turkey.day_start(date.fromisoformat(since))
    return db.session.scalar(
        select(func.min(Order.paid_at)).join(Invoice, Invoice.order_id == Order.id)
        .where(Invoice.purpose == "sale")
    )  # fmt: skip


def paid_orders_have_invoices(config=None) -> list[Violation]:
    config = current_app.config if config is None else config
    since = invoicing_since(config)
    if since is None:
        return []
    surcharge = (
        select(func.coalesce(func.sum(Payment.surcharge_kurus), 0))
        .where(Payment.order_id == Order.id, Payment.status == "succeeded")
        .scalar_subquery()
    )
    wants = or_(
        Order.channel != "bazaar",
        func.trim(Order.buyer_name) != "",
        Order.buyer_tax_id != "",
        bool(config.get("INVOICING_BAZAAR_ALWAYS")),
    )
    rows = db.session.execute(
        select(
            Order.id,
            Order.number,
            Order.total_kurus + surcharge,
            Invoice.status,
            Invoice.gross_kurus,
        )  # fmt: skip
        .outerjoin(Invoice, (Invoice.order_id == Order.id) & (Invoice.purpose == "sale"))
        .where(Order.paid_at.is_not(None), Order.paid_at >= since, wants)
        .where(
            or_(
                Invoice.id.is_(None),
                Invoice.status.not_in(LIVE),
                Invoice.gross_kurus != Order.total_kurus + surcharge,
            )
        )  # fmt: skip
        .order_by(Order.id)
    )
    violations = []
    for order_id, number, paid, status, gross in rows:
        if status is None:
            text = f"paid order {number} has no invoice"
        elif status not in LIVE:
            text = f"paid order {number}'s invoice is {status}, neither issued nor pending"
        else:
            text = f"paid order {number}'s invoice is {gross} kuruş but {paid} kuruş was paid"
        violations.append(Violation("invoice", text, order_id=order_id))
    return violations


def withholdings_match_payouts() -> list[Violation]:
    def leg(code):
        return func.coalesce(
            func.sum(case((Account.code == code, LedgerEntry.amount_kurus), else_=0)), 0
        )

    postings = (
        select(
            LedgerTransaction.id,
            LedgerTransaction.kind,
            LedgerTransaction.payout_line_id,
            leg(WITHHOLDING).label("kept"),
            leg(PAYOUTS).label("bank"),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(Account, Account.id == LedgerEntry.account_id)
        .group_by(LedgerTransaction.id, LedgerTransaction.kind, LedgerTransaction.payout_line_id)
        .having(
            or_(
                leg(WITHHOLDING) != 0,
                LedgerTransaction.kind.in_(("payout", "payout_failed"))
                & LedgerTransaction.payout_line_id.is_not(None),
            )
        )
        .subquery()
    )
    rows = db.session.execute(
        select(
            postings,
            PayoutLine.amount_kurus,
            PayoutLine.withholding_bp,
            PayoutLine.withholding_kurus,
        )  # fmt: skip
        .outerjoin(PayoutLine, PayoutLine.id == postings.c.payout_line_id)
        .order_by(postings.c.id)
    )
    violations = []
    for txn_id, kind, line_id, kept, bank, amount, bp, withheld in rows:
        if kind not in ("payout", "payout_failed") or amount is None:
            violations.append(Violation(
                "withholding", f"transaction #{txn_id} moves tax:withholding outside a payout",
                transaction_id=txn_id))  # fmt: skip
            continue
        sign = 1 if kind == "payout" else -1
        due = round_half_up(amount * bp, BP)
        if withheld != due:
            text = f"payout line #{line_id} keeps {withheld} kuruş, its rate makes {due}"
        elif -kept != sign * withheld or -bank != sign * (amount - withheld):
            text = (f"payout transaction #{txn_id} keeps {-sign * kept} and pays {-sign * bank} "
                    f"kuruş; line #{line_id} says {withheld} and {amount - withheld}")  # fmt: skip
        else:
            continue
        violations.append(Violation("withholding", text, transaction_id=txn_id))
    return violations
