"""services.ledger: balanced postings, accounts by code, sales attributed to the women who made
them (with the line's snapshot), payment fees, adjustments and reversals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coopshop.db import db
from coopshop.models import Account, LedgerEntry, LedgerTransaction, Payment
from coopshop.services.books import ledger, postings
from coopshop.services.books.ledger import Leg
from coopshop.services.core.errors import LedgerError, NotFound, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales.orders import effective_commission_bp
from tests.support.factories import CollectionFactory, ProducerFactory, ProductFactory, paid_order
from tests.support.ledger_support import balances, count, entries_of

SETTINGS = CoopSettings(default_commission_bp=1500, return_window_days=14, offline_available_days=0)
PAID_AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


# --- post ------------------------------------------------------------------------------------


def test_post_writes_a_balanced_transaction_and_creates_accounts_by_code(app):
    producer = ProducerFactory()
    txn = ledger.post(
        "adjustment",
        [Leg(f"producer:{producer.id}", 500), Leg("coop:adjustments", -500)],
        memo="malzeme",
    )
    assert entries_of(txn) == [
        (f"producer:{producer.id}", 500, producer.id),
        ("coop:adjustments", -500, None),
    ]
    accounts = {a.code: a for a in db.session.scalars(select(Account))}
    assert accounts[f"producer:{producer.id}"].kind == "liability"
    assert accounts[f"producer:{producer.id}"].producer_id == producer.id
    assert accounts["coop:adjustments"].kind == "revenue"
    assert accounts["coop:adjustments"].producer_id is None


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("clearing:stripe", "asset"),
        ("clearing:bank", "asset"),
        ("clearing:cash", "asset"),
        ("clearing:card", "asset"),
        ("clearing:demo", "asset"),
        ("coop:commission", "revenue"),
        ("coop:shipping", "revenue"),
        ("vat:payable", "liability"),
        ("fees:payment", "expense"),
        ("bank:payouts", "asset"),
        ("cash:over_short", "expense"),
    ],
)
def test_accounts_get_their_kind_from_the_code(app, code, kind):
    account = ledger.get_account(code)
    assert (account.code, account.kind) == (code, kind)
    assert ledger.get_account(code).id == account.id  # got, not created twice
    assert count(Account) == 1


def test_unknown_account_code_is_refused(app):
    with pytest.raises(LedgerError):
        ledger.get_account("misc:stuff")
    with pytest.raises(LedgerError):
        ledger.get_account("producer:abc")


def test_unbalanced_posting_is_refused_and_nothing_is_written(app):
    with pytest.raises(LedgerError) as excinfo:
        ledger.post("adjustment", [Leg("coop:adjustments", 500), Leg("fees:payment", -499)])
    assert excinfo.value.details["total"] == 1
    assert "sıfır" in str(excinfo.value.message)
    assert count(LedgerTransaction) == 0
    assert count(LedgerEntry) == 0
    assert count(Account) == 0


def test_float_amounts_and_empty_postings_are_refused(app):
    with pytest.raises(LedgerError):
        ledger.post("adjustment", [Leg("coop:adjustments", 5.0), Leg("fees:payment", -5.0)])
    with pytest.raises(LedgerError):
        ledger.post("adjustment", [Leg("coop:adjustments", 0)])
    assert count(LedgerTransaction) == 0


def test_producer_leg_on_another_producers_account_is_refused(app):
    a, b = ProducerFactory(), ProducerFactory()
    with pytest.raises(LedgerError):
        ledger.post(
            "adjustment",
            [Leg(f"producer:{a.id}", 100, producer_id=b.id), Leg("coop:adjustments", -100)],
        )


# --- ledger rows are append-only -------------------------------------------------------------


def _one_entry() -> LedgerEntry:
    ledger.post("adjustment", [Leg("coop:adjustments", 700), Leg("fees:payment", -700)])
    db.session.commit()
    return db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).first()


def test_orm_refuses_to_update_a_ledger_entry(app):
    from coopshop.models.ledger import LedgerImmutableError

    entry = _one_entry()
    entry.amount_kurus = 1
    with pytest.raises(LedgerImmutableError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(LedgerEntry, entry.id).amount_kurus == 700


def test_orm_refuses_to_delete_a_ledger_transaction_or_entry(app):
    from coopshop.models.ledger import LedgerImmutableError

    entry = _one_entry()
    db.session.delete(entry)
    with pytest.raises(LedgerImmutableError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(LedgerTransaction, entry.transaction_id))
    with pytest.raises(LedgerImmutableError):
        db.session.flush()
    db.session.rollback()
    assert count(LedgerEntry) == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount_kurus = 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transactions SET memo = 'rewritten'",
        "DELETE FROM ledger_transactions",
    ],
)
def test_database_refuses_raw_sql_update_and_delete(app, statement):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    _one_entry()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert sorted(db.session.scalars(select(LedgerEntry.amount_kurus))) == [-700, 700]


# --- sales -----------------------------------------------------------------------------------


def test_scarf_sale_is_attributed_to_both_weavers(app):
    # docs/design.md's worked example: ₺1.200,00 at 20% VAT, 15% commission, 6,000 / 4,000.
    ayse, fatma = ProducerFactory(), ProducerFactory()
    scarf = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(ayse, 6000), (fatma, 4000)])
    order = paid_order([(scarf, 1)], paid_at=PAID_AT, settings=SETTINGS)

    sale = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "sale"))
    assert sale.order_id == order.id
    assert sale.created_at == PAID_AT
    assert balances() == {
        "clearing:demo": 120000,
        "vat:payable": -20000,
        "coop:commission": -15000,
        f"producer:{ayse.id}": -51000,
        f"producer:{fatma.id}": -34000,
    }
    makers = db.session.execute(
        select(LedgerEntry.producer_id, LedgerEntry.order_line_id, LedgerEntry.available_at)
        .where(LedgerEntry.producer_id.is_not(None))
        .order_by(LedgerEntry.producer_id)
    ).all()
    line_id = order.lines[0].id
    assert makers == [  # until it is delivered, the longest wait (MAX_PAYABLE_WAIT_DAYS)
        (ayse.id, line_id, PAID_AT + timedelta(days=45)),
        (fatma.id, line_id, PAID_AT + timedelta(days=45)),
    ]


def test_sale_with_rounding_shipping_and_several_lines(app):
    # Line 1: ₺9,99 x 1 at 10% VAT, 15% commission, three makers 3,333/3,333/3,334
    #   -> vat 91, commission 136, makers 257/257/258 (see tests/unit/test_money.py).
    # Line 2: ₺0,36 x 2 = 72 at 20% VAT, 15% -> net 60, vat 12, commission 9, maker 51.
    a, b, c = ProducerFactory(), ProducerFactory(), ProducerFactory()
    odd = ProductFactory(
        price_kurus=999, vat_bp=1000, makers=[(a, 3333), (b, 3333), (c, 3334)], stock=5
    )
    small = ProductFactory(price_kurus=36, vat_bp=2000, makers=[(a, 10000)], stock=5)
    order = paid_order(
        [(odd, 1), (small, 2)],
        charge_shipping=True,
        payment_method="stripe",
        settings=SETTINGS,
    )
    assert order.shipping_kurus == 7500
    assert balances() == {
        "clearing:stripe": 999 + 72 + 7500,
        "vat:payable": -(91 + 12 + 1250),  # the shipping's 20 % VAT: 75,00 = 62,50 + 12,50
        "coop:commission": -(136 + 9),
        "coop:shipping": -6250,
        f"producer:{a.id}": -(257 + 51),
        f"producer:{b.id}": -257,
        f"producer:{c.id}": -258,
    }


def test_sale_uses_the_lines_snapshot_not_the_products_current_values(app):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    product = ProductFactory(price_kurus=10000, vat_bp=2000, makers=[(ayse, 10000)])
    from coopshop.services.sales.order_states import PaymentInfo, mark_paid
    from coopshop.services.sales.orders import LineRequest, NewOrder, create_order

    order = create_order(
        NewOrder("online", "demo", [LineRequest(quantity=1, product_id=product.id)]),
        settings=SETTINGS,
    )
    db.session.commit()
    # While the buyer is at the payment page the product is edited: new price, VAT, commission
    # and makers. The sale must still book what was sold.
    product.price_kurus, product.vat_bp, product.commission_bp = 99999, 1000, 5000
    product.makers[0].share_bp = 5000
    from coopshop.models import ProductMaker

    product.makers.append(ProductMaker(producer_id=fatma.id, share_bp=5000))
    db.session.commit()
    mark_paid(order, PaymentInfo("demo", order.total_kurus), settings=SETTINGS)

    # net = round(10000 / 1.2) = 8333, vat 1667, commission round(8333 * 0.15) = 1250
    assert balances() == {
        "clearing:demo": 10000,
        "vat:payable": -1667,
        "coop:commission": -1250,
        f"producer:{ayse.id}": -7083,
    }


@pytest.mark.parametrize(
    ("channel", "method", "clearing", "days"),
    [
        # Online: the longest wait until the delivery moves it (test_withdrawal_availability).
        ("online", "stripe", "clearing:stripe", 45),
        ("online", "demo", "clearing:demo", 45),
        ("bank_transfer", "bank_transfer", "clearing:bank", 2),
        ("bazaar", "cash", "clearing:cash", 2),
        ("bazaar", "card_terminal", "clearing:card", 2),
    ],
)
def test_clearing_account_and_availability_follow_the_channel(app, channel, method, clearing, days):
    settings = CoopSettings(return_window_days=14, offline_available_days=2)
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=5000, makers=[(maker, 10000)])
    paid_order([(product, 1)], channel=channel, payment_method=method, paid_at=PAID_AT,
               settings=settings)  # fmt: skip
    assert balances()[clearing] == 5000
    available_at = db.session.scalar(
        select(LedgerEntry.available_at).where(LedgerEntry.producer_id == maker.id)
    )
    assert available_at == PAID_AT + timedelta(days=days)


def test_a_sale_is_posted_once_per_order(app):
    product = ProductFactory(price_kurus=5000)
    order = paid_order([(product, 1)], settings=SETTINGS)
    with pytest.raises(LedgerError) as excinfo:
        postings.post_sale(order, SETTINGS)
    assert excinfo.value.details["order_id"] == order.id
    assert db.session.scalar(select(func.count()).select_from(LedgerTransaction)) == 1


def test_database_refuses_a_second_sale_for_an_order(app):
    # The service checks first; the partial unique index is the last line if two racing
    # confirmations both pass that check.
    product = ProductFactory(price_kurus=5000)
    order = paid_order([(product, 1)], settings=SETTINGS)
    db.session.commit()
    with pytest.raises(IntegrityError):
        ledger.post(
            "sale",
            [Leg("clearing:demo", 1), Leg("coop:shipping", -1)],
            order_id=order.id,
        )
    db.session.rollback()


def test_unpaid_order_cannot_be_booked(app):
    from coopshop.services.sales.orders import LineRequest, NewOrder, create_order

    product = ProductFactory(price_kurus=5000)
    order = create_order(NewOrder("online", "demo", [LineRequest(1, product_id=product.id)]))
    with pytest.raises(LedgerError):
        postings.post_sale(order, SETTINGS)
    assert count(LedgerTransaction) == 0


def test_mark_paid_twice_books_once(app):
    from coopshop.services.sales.order_states import PaymentInfo, mark_paid

    product = ProductFactory(price_kurus=5000)
    order = paid_order([(product, 1)], settings=SETTINGS)
    assert mark_paid(order, PaymentInfo("demo", order.total_kurus), settings=SETTINGS) is False
    assert count(LedgerTransaction) == 1


# --- commission rate resolution --------------------------------------------------------------


@pytest.mark.parametrize(
    ("product_bp", "producer_bps", "collection_bp", "expected"),
    [
        (None, [None], None, 1500),  # the cooperative default
        (None, [None], 1200, 1200),  # collection over default
        (None, [1000], 1200, 1000),  # producer over collection
        (800, [1000], 1200, 800),  # product over everything
        (0, [1000], 1200, 0),  # an explicit 0% is an override, not "unset"
        (None, [0], 1200, 0),
        (None, [None], 0, 0),
        (None, [1000, 700], None, 700),  # co-made: the lowest maker override
        (None, [None, 900], 1200, 900),  # one maker with an override is enough
    ],
)
def test_effective_commission_bp(app, product_bp, producer_bps, collection_bp, expected):
    makers = [(ProducerFactory(commission_bp=bp), 0) for bp in producer_bps]
    shares = [10000 // len(makers)] * len(makers)
    shares[0] += 10000 - sum(shares)
    collection = CollectionFactory(commission_bp=collection_bp)
    product = ProductFactory(
        commission_bp=product_bp,
        collection=collection,
        makers=[(p, s) for (p, _), s in zip(makers, shares, strict=True)],
    )
    db.session.refresh(product)
    assert effective_commission_bp(product, 1500) == expected


def test_order_line_snapshots_the_effective_commission(app):
    maker = ProducerFactory(commission_bp=1000)
    product = ProductFactory(
        price_kurus=12000, vat_bp=2000, makers=[(maker, 10000)], collection=CollectionFactory()
    )
    order = paid_order([(product, 1)], settings=SETTINGS)
    assert order.lines[0].commission_bp == 1000
    # net 10000, commission 10% = 1000, maker 9000
    assert balances()["coop:commission"] == -1000
    assert balances()[f"producer:{maker.id}"] == -9000


# --- payment fees ----------------------------------------------------------------------------


def test_fee_is_borne_by_the_cooperative_by_default(app):
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=120000, makers=[(maker, 10000)])
    paid_order([(product, 1)], payment_method="stripe", fee_kurus=3480, settings=SETTINGS)
    fee = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "fee"))
    assert fee.payment_id is not None
    assert entries_of(fee) == [("fees:payment", 3480, None), ("clearing:stripe", -3480, None)]
    assert balances()["clearing:stripe"] == 120000 - 3480
    assert balances()[f"producer:{maker.id}"] == -85000  # untouched


def test_fee_spread_to_makers_pro_rata_and_exact(app):
    settings = CoopSettings(fees_spread_to_makers=True)
    ayse, fatma, zeynep = ProducerFactory(), ProducerFactory(), ProducerFactory()
    scarf = ProductFactory(price_kurus=120000, makers=[(ayse, 6000), (fatma, 4000)])
    bowl = ProductFactory(price_kurus=12000, makers=[(zeynep, 10000)])
    # parts of the order: ayse 51000, fatma 34000, zeynep 8500 (93500 of the 132000 charged)
    order = paid_order(
        [(scarf, 1), (bowl, 1)], payment_method="stripe", fee_kurus=1000, settings=settings
    )
    fee = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "fee"))
    charged = {pid: amount for _, amount, pid in entries_of(fee) if pid is not None}
    # The makers bear the fee on their parts only: 1000 x 93500 / 132000 = 708.33 → 708. Split:
    # 708 x 51000/93500 = 386.18, x 34000/93500 = 257.45, x 8500/93500 = 64.36: floors 386, 257,
    # 64 leave 1 kuruş, which goes to the largest remainder (fatma .45).
    assert charged == {ayse.id: 386, fatma.id: 258, zeynep.id: 64}
    assert balances()["fees:payment"] == 1000 - 708  # the fee on VAT and commission stays ours
    assert balances()["clearing:stripe"] == order.total_kurus - 1000
    assert balances()[f"producer:{ayse.id}"] == -51000 + 386


def test_a_payments_fee_is_booked_once_and_a_zero_fee_books_nothing(app):
    product = ProductFactory(price_kurus=5000)
    order = paid_order([(product, 1)], payment_method="stripe", fee_kurus=150, settings=SETTINGS)
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    with pytest.raises(LedgerError):
        postings.post_fee(payment, 150, SETTINGS)
    assert postings.post_fee(payment, 0, SETTINGS) is None
    with pytest.raises(LedgerError):
        postings.post_fee(payment, -1, SETTINGS)
    # A wrong fee is corrected by reversing it and booking the right one.
    fee = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "fee"))
    ledger.reverse(fee.id, None, "yanlış ücret")
    postings.post_fee(payment, 175, SETTINGS)
    assert balances()["fees:payment"] == 175


# --- adjustments and reversals ---------------------------------------------------------------


def test_adjustment_charges_a_member_with_a_reason(app):
    maker = ProducerFactory()
    admin = maker.user  # any user id will do as the actor
    txn = postings.post_adjustment(maker.id, 2500, "İplik avansı (Mart)", admin.id)
    assert (txn.kind, txn.memo, txn.created_by_id) == (
        "adjustment",
        "İplik avansı (Mart)",
        admin.id,
    )
    assert entries_of(txn) == [
        (f"producer:{maker.id}", 2500, maker.id),
        ("coop:adjustments", -2500, None),
    ]
    credit = postings.post_adjustment(maker.id, -1000, "Düzeltme", admin.id)
    assert entries_of(credit)[0] == (f"producer:{maker.id}", -1000, maker.id)


@pytest.mark.parametrize(
    ("amount", "reason", "error"),
    [(0, "x", ValidationFailed), (100, "  ", ValidationFailed), (1.5, "x", ValidationFailed)],
)
def test_adjustment_refuses_bad_input(app, amount, reason, error):
    maker = ProducerFactory()
    with pytest.raises(error):
        postings.post_adjustment(maker.id, amount, reason, None)
    assert count(LedgerTransaction) == 0


def test_adjustment_for_unknown_producer(app):
    with pytest.raises(NotFound):
        postings.post_adjustment(9999, 100, "x", None)


def test_reverse_posts_the_exact_opposite_once(app):
    maker = ProducerFactory()
    txn = postings.post_adjustment(maker.id, 2500, "Aidat", None)
    before = balances()
    reversal = ledger.reverse(txn.id, maker.user.id, "yanlışlıkla kesildi")
    assert (reversal.kind, reversal.reverses_id, reversal.memo) == (
        "reversal",
        txn.id,
        "yanlışlıkla kesildi",
    )
    assert entries_of(reversal) == [(c, -a, p) for c, a, p in entries_of(txn)]
    assert set(balances().values()) == {0}
    assert before[f"producer:{maker.id}"] == 2500
    with pytest.raises(LedgerError):
        ledger.reverse(txn.id, None, "again")
    with pytest.raises(LedgerError):
        ledger.reverse(reversal.id, None, "undo the undo")  # post anew instead
    with pytest.raises(NotFound):
        ledger.reverse(123456, None, "")


def test_sales_are_undone_by_refunds_not_reversals(app):
    product = ProductFactory(price_kurus=5000)
    paid_order([(product, 1)], settings=SETTINGS)
    sale = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "sale"))
    with pytest.raises(LedgerError):
        ledger.reverse(sale.id, None, "")
    assert count(LedgerTransaction) == 1
