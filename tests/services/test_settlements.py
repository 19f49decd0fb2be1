"""Provider settlement records (issue 16, three-way reconciliation): Stripe payouts through the
SDK against the recording stub, iyzico's daily payouts through the real SDK against the
stand-in; a bank statement's money-in from STRIPE/İYZİCO matched to its settlement by amount
and date (different and unmatched ones listed); the month-end page's provider clearing balance
explained with them; and a match by hand that never counts one movement twice."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coopshop import turkey
from coopshop.db import db
from coopshop.models import (
    Account,
    AuditEvent,
    BankStatement,
    BankStatementLine,
    LedgerEntry,
    ProviderSettlement,
    utcnow,
)
from coopshop.services.core.errors import Conflict, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import (
    bank_reconcile,
    bank_review,
    month_end,
    reconcile,
    reconcile_providers,
    settlements,
)
from coopshop.services.sales.payments import StripeProvider
from tests.support.factories import ProductFactory, UserFactory, paid_order
from tests.support.iyzico_support import iyzico_paid_order
from tests.support.reconcile_support import listing
from tests.support.stripe_support import WEBHOOK_SECRET

pytestmark = pytest.mark.filterwarnings(
    "ignore:Passing SelectField choices as tuples:DeprecationWarning"
)
SETTINGS = CoopSettings()
NOV_3 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def _ts(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp())


def _txn(txn_id, amount, fee, kind="charge"):
    return {"id": txn_id, "object": "balance_transaction", "amount": amount, "fee": fee,
            "net": amount - fee, "currency": "try", "type": kind}  # fmt: skip


@pytest.fixture
def stripe_payouts(app, stripe_stub):
    """Stripe with three payouts made today: one paid (two charges less a refund), one still in
    transit, one failed."""
    now = int(datetime.now(UTC).timestamp())
    payouts = [
        {"id": "po_paid", "object": "payout", "amount": 189091, "currency": "try",
         "status": "paid", "created": now, "arrival_date": _ts(date(2026, 11, 4))},
        {"id": "po_transit", "object": "payout", "amount": 50000, "currency": "try",
         "status": "in_transit", "created": now, "arrival_date": _ts(date(2026, 11, 6))},
        {"id": "po_failed", "object": "payout", "amount": 5000, "currency": "try",
         "status": "failed", "created": now, "arrival_date": _ts(date(2026, 11, 6))},
    ]  # fmt: skip
    carried = {
        "po_paid": [
            _txn("txn_a", 247500, 8909),
            _txn("txn_b", -49500, 0, kind="refund"),
            _txn("txn_po", -189091, 0, kind="payout"),
        ],
        "po_transit": [_txn("txn_c", 51500, 1500)],
    }
    for path in ("/v1/charges", "/v1/refunds"):
        stripe_stub.routes[("GET", path)] = listing(path, [])
    stripe_stub.routes[("GET", "/v1/payouts")] = lambda r: listing("/v1/payouts", payouts)
    stripe_stub.routes[("GET", "/v1/balance_transactions")] = lambda r: listing(
        "/v1/balance_transactions", carried.get(r["query"].get("payout", [None])[0], [])
    )
    provider = StripeProvider("sk_test_x", WEBHOOK_SECRET, api_base=stripe_stub.base)
    return provider, payouts


def _today():
    now = datetime.now(UTC)
    return now - timedelta(minutes=5), now + timedelta(minutes=5)


def test_stripe_payouts_are_recorded_with_what_they_carried(stripe_payouts):
    provider, payouts = stripe_payouts
    kept = settlements.record("stripe", provider, *_today())
    rows = {
        s.external_id: (s.amount_kurus, s.carried_kurus, s.fee_kurus, s.transactions, s.status)
        for s in kept
    }
    assert rows == {
        "po_paid": (189091, 189091, 8909, 2, "paid"),
        "po_transit": (50000, 50000, 1500, 1, "in_transit"),
        "po_failed": (5000, 0, 0, 0, "failed"),
    }
    assert {s.external_id: s.arrival_on for s in kept}["po_paid"] == date(2026, 11, 4)

    # Reconciled again once the payout has arrived: the record is brought up to date.
    payouts[1]["status"] = "paid"
    settlements.record("stripe", provider, *_today())
    db.session.commit()
    stored = db.session.scalars(select(ProviderSettlement).order_by(ProviderSettlement.id)).all()
    assert [(s.external_id, s.status) for s in stored] == [
        ("po_paid", "paid"),
        ("po_transit", "paid"),
        ("po_failed", "failed"),
    ]


def test_reconciling_stripe_records_its_settlements(stripe_payouts):
    provider, _ = stripe_payouts
    report, kept = reconcile_providers.run_and_record("stripe", provider, *_today())
    assert report.counts["payouts"] == 2  # the comparison ignores the failed one
    assert len(kept) == 3


def _clearing(provider: str) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(Account.code == f"clearing:{provider}")
    )


def test_iyzico_daily_payouts_are_recorded_and_equal_what_clearing_holds(
    iyzico_app, iyzico_standin
):
    for i in range(2):
        product = ProductFactory(price_kurus=20000 + i * 111, stock=2)
        db.session.commit()
        iyzico_paid_order(iyzico_app, iyzico_standin, {product.id: 1})
    today = turkey.istanbul_date(utcnow())
    iyzico_standin.settle(today, today)
    provider = reconcile_providers.configured(iyzico_app.config)["iyzico"]
    kept = settlements.record("iyzico", provider, *reconcile.day_period(today, today))
    db.session.commit()
    (day,) = kept
    assert (day.external_id, day.status, day.arrival_on) == (
        f"iyzico:{today.isoformat()}",
        "paid",
        today,
    )
    assert day.transactions >= 2
    # What iyzico paid out is what the sales brought into clearing less iyzico's fees.
    assert day.amount_kurus == _clearing("iyzico") > 0
    asked = iyzico_standin.requests_to("/reporting/settlement/payoutcompleted")
    assert asked and all(r.auth_ok for r in asked)
    assert asked[0].body["date"] == f"{today.isoformat()} 00:00:00"


# --- the bank's money-in against the settlements --------------------------------------------


def _settlement(external_id, amount, arrival, provider="stripe", status="paid"):
    row = ProviderSettlement(
        provider=provider,
        external_id=external_id,
        amount_kurus=amount,
        status=status,
        arrival_on=arrival,
        transactions=1,
    )
    db.session.add(row)
    db.session.flush()
    return row


_FILES = itertools.count(1)


def _statement(*movements) -> list[BankStatementLine]:
    n = next(_FILES)
    statement = BankStatement(bank="mt940", account="TR1", filename="x.sta", digest=f"d{n}")
    db.session.add(statement)
    lines = [
        BankStatementLine(
            statement=statement,
            position=i,
            fingerprint=f"{n}-{i}",
            booked_on=day,
            amount_kurus=amount,
            description=text,
        )
        for i, (day, amount, text) in enumerate(movements)
    ]
    db.session.add_all(lines)
    db.session.flush()
    bank_reconcile.match_lines(lines)
    db.session.flush()
    return lines


@pytest.fixture
def stripe_money(app):
    """₺1.000,00 of Stripe sales in clearing:stripe, three payouts recorded."""
    product = ProductFactory(price_kurus=100000, vat_bp=2000, stock=5)
    paid_order([(product, 1)], payment_method="stripe", paid_at=NOV_3, settings=SETTINGS)
    return (
        _settlement("po_1", 30000, date(2026, 11, 4)),
        _settlement("po_2", 25000, date(2026, 11, 10)),
        _settlement("po_3", 12000, date(2026, 11, 20)),  # the bank never shows it
        _settlement("po_x", 9000, date(2026, 11, 12), status="failed"),
    )


def test_money_in_matches_its_settlement_by_amount_and_date(stripe_money):
    po_1, po_2, po_3, _ = stripe_money
    exact, different, far = _statement(
        (date(2026, 11, 5), 30000, "STRIPE PAYMENTS UK TRANSFER"),
        (date(2026, 11, 11), 24000, "STRIPE TRANSFER"),
        (date(2026, 11, 28), 10000, "STRIPE TRANSFER"),  # no settlement near it
    )
    assert (exact.status, exact.settlement_id, exact.expected_kurus) == ("matched", po_1.id, 30000)
    assert (different.status, different.problem, different.settlement_id) == (
        "different",
        "settlement_amount",
        po_2.id,
    )
    assert different.expected_kurus == 25000
    # Far from every settlement: checked against what the provider's clearing still holds.
    assert (far.status, far.match_kind, far.settlement_id) == ("matched", "provider_payout", None)

    # The settlements no line shows are listed with what the bank does not show.
    missing = bank_review.missing(date(2026, 11, 1), date(2026, 11, 30))
    provider_missing = [(m.ref, m.amount_kurus) for m in missing if m.kind == "provider_payout"]
    assert provider_missing == [("po_2", 25000), ("po_3", 12000)]  # not the failed one

    # The month end explains clearing:stripe with them.
    report = {a.account: a for a in month_end.close(date(2026, 11, 1)).accounts}
    parts = {p.code: (p.amount_kurus, p.count) for p in report["clearing:stripe"].parts}
    assert parts == {
        "provider_banked": (40000, 2),
        "settlements_not_banked": (37000, 2),
        "at_provider": (report["clearing:stripe"].balance_kurus - 77000, 0),
    }
    sent = report["clearing:stripe"].parts[1]
    assert sent.in_transit and sent.since.date() == date(2026, 11, 10)


def test_one_settlement_is_matched_once(stripe_money):
    po_1 = stripe_money[0]
    first = _statement((date(2026, 11, 4), 30000, "STRIPE"))[0]
    second = _statement((date(2026, 11, 5), 30000, "STRIPE"))[0]
    assert first.settlement_id == po_1.id
    # po_1 is taken: the nearest other settlement (po_2, ₺250,00) is shown as the difference.
    assert (second.status, second.problem, second.settlement_id) == (
        "different",
        "settlement_amount",
        stripe_money[1].id,
    )


# --- a match by hand -----------------------------------------------------------------------


def test_a_hand_match_to_a_settlement_is_audited(stripe_money):
    po_2 = stripe_money[1]
    admin = UserFactory(role="admin")
    line = _statement((date(2026, 11, 11), 24000, "STRIPE TRANSFER"))[0]
    bank_review.match_by_hand(line.id, "provider_payout", "po_2", "Stripe 10 TL kesti", admin.id)
    assert (line.status, line.settlement_id, line.provider) == ("manual", po_2.id, "stripe")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "bank.line_matched")
    ).one()
    assert (event.data["settlement_id"], event.data["was"]) == (po_2.id, "different")
    with pytest.raises(ValidationFailed) as unknown:
        other = _statement((date(2026, 11, 21), 100, "BAGIS"))[0]
        bank_review.match_by_hand(other.id, "provider_payout", "po_nope", "?", admin.id)
    assert unknown.value.details["field"] == "ref"


def test_a_line_already_matched_is_not_matched_again(stripe_money):
    admin = UserFactory(role="admin")
    line = _statement((date(2026, 11, 4), 30000, "STRIPE"))[0]
    assert line.status == "matched"
    with pytest.raises(Conflict, match="zaten eşleşmiş"):
        bank_review.match_by_hand(line.id, "other", "", "Yanlışlıkla", admin.id)
    assert line.status == "matched"
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_a_document_another_line_matched_is_refused(stripe_money):
    po_1 = stripe_money[0]
    admin = UserFactory(role="admin")
    taken, loose = _statement(
        (date(2026, 11, 4), 30000, "STRIPE"),
        (date(2026, 11, 25), 30000, "GELEN EFT"),
    )
    assert taken.settlement_id == po_1.id and loose.status == "unmatched"
    with pytest.raises(Conflict, match="başka bir banka satırıyla zaten eşleşmiş") as refused:
        bank_review.match_by_hand(loose.id, "provider_payout", "po_1", "Aynı aktarım", admin.id)
    assert refused.value.details["line_id"] == taken.id
    assert "2026-11-04" in refused.value.message and "₺300,00" in refused.value.message
    assert loose.status == "unmatched"


def test_an_order_or_payout_line_another_line_matched_is_refused(app):
    admin = UserFactory(role="admin")
    product = ProductFactory(price_kurus=50000, vat_bp=2000, stock=5)
    order = paid_order(
        [(product, 1)],
        channel="bank_transfer",
        payment_method="bank_transfer",
        paid_at=NOV_3,
        settings=SETTINGS,
    )
    order.number = "2611-QQQQQQ"
    db.session.flush()
    first, second = _statement(
        (date(2026, 11, 3), 50000, "GELEN EFT 2611QQQQQQ"),
        (date(2026, 11, 4), 50000, "GELEN EFT AYSE"),
    )
    assert (first.status, first.order_id) == ("matched", order.id)
    with pytest.raises(Conflict):
        bank_review.match_by_hand(second.id, "transfer_order", "2611-QQQQQQ", "Aynı", admin.id)
    # A line that is only "different" does not hold the document: the hand match goes on.
    bank_review.match_by_hand(second.id, "other", "", "Bağış", admin.id)
    assert second.status == "manual"
