"""services.payouts: closing a period into a batch, approval (by a second admin), the bank file,
settling lines; a balance is never paid twice and a refund after a payout is netted next time.

The numbers: a ₺1.200,00 piece at 20% VAT and 15% commission leaves its maker ₺850,00
(net 100000, VAT 20000, commission 15000, maker 85000 kuruş).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, LedgerTransaction, PayoutBatch, PayoutLine
from coopshop.services.books import balances
from coopshop.services.books.ledger_check import check
from coopshop.services.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    ValidationFailed,
)
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_export, payout_lines
from coopshop.services.sales import refunds
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order
from tests.support.ledger_support import entries_of

SETTINGS = CoopSettings(payout_minimum_kurus=10000, payout_two_admins=False)
TWO_ADMINS = CoopSettings(payout_minimum_kurus=10000, payout_two_admins=True)
OCT_10 = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
# The end of October in Istanbul (UTC+3): 2026-10-31 23:59:59.
OCT_END = datetime(2026, 10, 31, 20, 59, 59, tzinfo=UTC)
NOV_END = datetime(2026, 11, 20, 20, 59, 59, tzinfo=UTC)
IBAN_AYSE = "TR330006100519786457841326"
IBAN_FATMA = "TR320010009999901234567890"


def sell(producer, price=120000, quantity=1, when=OCT_10, channel="bazaar"):
    product = ProductFactory(price_kurus=price, vat_bp=2000, makers=[(producer, 10000)])
    order = paid_order(
        [(product, quantity)],
        channel=channel,
        payment_method="cash" if channel == "bazaar" else "demo",
        paid_at=when,
        settings=SETTINGS,
    )
    db.session.commit()
    return order


@pytest.fixture
def admins(app):
    return UserFactory(role="admin", name="Nermin Yönetici"), UserFactory(role="admin")


def producer(name, iban=IBAN_AYSE, **kwargs):
    return ProducerFactory(user__name=name, display_name=name, iban=iban, **kwargs)


def test_close_period_puts_each_payable_producer_in_one_line(admins):
    ayse = producer("Ayşe Yılmaz")
    fatma = producer("Fatma Demir", iban=None)
    zeynep = producer("Zeynep Kaya", iban="TR330006100519786457841327")  # bad checksum
    elif_ = producer("Elif Şahin")
    melek = producer("Melek Arslan")
    hatice = producer("Hatice Çelik")
    deniz = producer("Deniz Ak", iban="DE89370400440532013000")  # valid, but not Turkish
    for p in (ayse, fatma, zeynep, melek, deniz):
        sell(p)
    melek.membership_status = "suspended"  # she sold, then her membership was suspended
    db.session.commit()
    sell(ayse, quantity=2)
    sell(elif_, price=10000)  # leaves her 7083, below the ₺100 minimum
    # An online sale of October 25 becomes payable on November 8: after the cutoff.
    sell(hatice, when=datetime(2026, 10, 25, tzinfo=UTC), channel="online")

    batch, left_out = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    db.session.commit()

    assert batch.status == "draft"
    assert batch.cutoff == OCT_END
    assert payouts.period_label(batch) == "2026-10"
    assert [(ln.producer_id, ln.amount_kurus, ln.iban, ln.account_name) for ln in batch.lines] == [
        (ayse.id, 255000, IBAN_AYSE, "Ayşe Yılmaz")
    ]
    expected = [
        (fatma.id, "no_iban", 85000),
        (zeynep.id, "invalid_iban", 85000),
        (elif_.id, "below_minimum", 7083),
        (melek.id, "not_active", 85000),
        (deniz.id, "invalid_iban", 85000),
    ]
    assert sorted((x.producer_id, x.reason, x.amount_kurus) for x in left_out) == sorted(expected)
    assert sorted((x["producer_id"], x["reason"], x["amount_kurus"]) for x in batch.left_out) == (
        sorted(expected)
    )
    assert hatice.id not in {x.producer_id for x in left_out}
    # Nothing moves in the ledger until the batch is approved.
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "payout")
        )
        == 0
    )
    assert check() == []


def test_a_period_closed_twice_pays_nothing_twice(admins):
    ayse, fatma = producer("Ayşe Yılmaz"), producer("Fatma Demir", iban=IBAN_FATMA)
    sell(ayse)
    sell(fatma, price=60000)  # 42500 for her

    batch, _ = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    db.session.commit()
    with pytest.raises(Conflict):  # a draft is open: the same money cannot go in a second one
        payouts.close_period(OCT_END, admins[1].id, SETTINGS)
    db.session.rollback()

    payouts.approve(batch.id, admins[1].id, SETTINGS)
    db.session.commit()
    again, left_out = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    later, left_later = payouts.close_period(NOV_END, admins[0].id, SETTINGS)

    assert (again, left_out) == (None, [])
    assert (later, left_later) == (None, [])
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 1
    txns = db.session.scalars(
        select(LedgerTransaction)
        .where(LedgerTransaction.kind == "payout")
        .order_by(LedgerTransaction.id)
    ).all()
    assert [entries_of(t) for t in txns] == [
        [(f"producer:{ayse.id}", 85000, ayse.id), ("bank:payouts", -85000, None)],
        [(f"producer:{fatma.id}", 42500, fatma.id), ("bank:payouts", -42500, None)],
    ]
    assert [t.payout_line_id for t in txns] == [ln.id for ln in batch.lines]
    ayse_now = balances.balance(ayse.id)
    assert (ayse_now.available, ayse_now.paid_out, ayse_now.earned) == (0, 85000, 85000)
    assert check() == []


def test_a_refund_after_a_payout_is_netted_by_the_next_batch(admins):
    ayse = producer("Ayşe Yılmaz")
    first = sell(ayse)
    sell(ayse)
    batch, _ = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    payouts.approve(batch.id, admins[0].id, SETTINGS)
    payout_lines.mark_line_paid(batch.lines[0].id, "EFT-2026-11-001", admins[0].id)
    db.session.commit()
    assert batch.lines[0].amount_kurus == 170000
    assert batch.status == "paid"

    refunds.refund_order(first, reason="Kusurlu dikiş", actor_id=admins[0].id)
    db.session.commit()
    assert balances.balance(ayse.id).available == -85000
    assert check() == []

    nothing, left_out = payouts.close_period(NOV_END, admins[0].id, SETTINGS)
    assert nothing is None
    assert [(x.producer_id, x.reason, x.amount_kurus) for x in left_out] == [
        (ayse.id, "negative_balance", -85000)
    ]

    for _ in range(2):
        sell(ayse, when=datetime(2026, 11, 12, tzinfo=UTC))
    nets, _ = payouts.close_period(NOV_END, admins[0].id, SETTINGS)
    payouts.approve(nets.id, admins[1].id, SETTINGS)
    db.session.commit()

    assert [ln.amount_kurus for ln in nets.lines] == [85000]  # 2 × 85000 − 85000
    assert balances.balance(ayse.id).available == 0
    assert balances.balance(ayse.id).paid_out == 255000
    assert check() == []


def test_two_admins_are_needed_when_the_setting_asks(admins):
    creator, second = admins
    sell(producer("Ayşe Yılmaz"))
    batch, _ = payouts.close_period(OCT_END, creator.id, TWO_ADMINS)
    db.session.commit()

    with pytest.raises(Forbidden) as refused:
        payouts.approve(batch.id, creator.id, TWO_ADMINS)
    assert "ikinci bir yönetici" in str(refused.value.message)
    db.session.rollback()
    assert db.session.get(PayoutBatch, batch.id).status == "draft"

    payouts.approve(batch.id, second.id, TWO_ADMINS)
    db.session.commit()
    assert (batch.status, batch.approved_by_id) == ("approved", second.id)
    with pytest.raises(InvalidTransition):
        payouts.approve(batch.id, second.id, TWO_ADMINS)
    db.session.rollback()
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["payout.batch_closed", "payout.batch_approved"]
    # One admin may approve her own batch when the setting is off.
    assert SETTINGS.payout_two_admins is False


def test_a_refund_between_closing_and_approval_stops_the_approval(admins):
    ayse = producer("Ayşe Yılmaz")
    order = sell(ayse)
    sell(ayse)
    batch, _ = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    db.session.commit()
    refunds.refund_order(order, reason="İade")
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        payouts.approve(batch.id, admins[1].id, SETTINGS)
    assert "Ayşe Yılmaz" in str(refused.value.message)
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "payout")
        )
        == 0
    )

    payouts.cancel(batch.id, admins[0].id)
    again, _ = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    payouts.approve(again.id, admins[1].id, SETTINGS)
    db.session.commit()
    assert [ln.amount_kurus for ln in again.lines] == [85000]
    assert check() == []


def test_lines_are_settled_once_and_a_failed_line_gives_the_money_back(admins):
    ayse, fatma = producer("Ayşe Yılmaz"), producer("Fatma Demir", iban=IBAN_FATMA)
    sell(ayse)
    sell(fatma)
    batch, _ = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    db.session.commit()
    with pytest.raises(Conflict):  # not approved yet
        payout_lines.mark_line_paid(batch.lines[0].id, "EFT-1", admins[0].id)
    db.session.rollback()
    batch = payouts.get_batch(batch.id)
    payouts.approve(batch.id, admins[1].id, SETTINGS)
    ayse_line, fatma_line = batch.lines

    payout_lines.mark_line_paid(ayse_line.id, " EFT-1 ", admins[0].id)
    with pytest.raises(Conflict):
        payout_lines.mark_line_paid(ayse_line.id, "EFT-1", admins[0].id)
    with pytest.raises(ValidationFailed):
        payout_lines.mark_line_paid(fatma_line.id, "  ", admins[0].id)
    assert batch.status == "approved"
    payout_lines.mark_line_failed(fatma_line.id, "IBAN hesap sahibiyle eşleşmiyor", admins[0].id)
    db.session.commit()

    assert (ayse_line.status, ayse_line.bank_reference) == ("paid", "EFT-1")
    assert (fatma_line.status, fatma_line.failure_reason) == (
        "failed",
        "IBAN hesap sahibiyle eşleşmiyor",
    )
    assert batch.status == "paid"
    with pytest.raises(Conflict):
        payout_lines.mark_line_failed(fatma_line.id, "tekrar", admins[0].id)
    with pytest.raises(Conflict):
        payout_lines.mark_line_paid(fatma_line.id, "EFT-2", admins[0].id)
    db.session.rollback()
    failed = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.kind == "payout_failed")
    ).one()
    assert entries_of(failed) == [
        (f"producer:{fatma.id}", -85000, fatma.id),
        ("bank:payouts", 85000, None),
    ]
    assert balances.balance(fatma.id).available == 85000
    assert balances.balance(ayse.id).available == 0

    # Her money is back and goes in the next batch, once.
    nxt, _ = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    assert [(ln.producer_id, ln.amount_kurus) for ln in nxt.lines] == [(fatma.id, 85000)]
    assert check() == []


def test_a_paid_line_that_bounces_returns_to_her_balance(admins):
    ayse = producer("Ayşe Yılmaz")
    sell(ayse)
    batch, _ = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    payouts.approve(batch.id, admins[1].id, SETTINGS)
    payout_lines.mark_line_paid(batch.lines[0].id, "EFT-9", admins[0].id)
    db.session.commit()
    assert balances.balance(ayse.id).available == 0

    payout_lines.mark_line_failed(batch.lines[0].id, "Banka iade etti", admins[0].id)
    db.session.commit()
    assert batch.lines[0].status == "failed"
    assert balances.balance(ayse.id).available == 85000
    assert check() == []


def test_bank_file_is_exact(admins):
    ayse = producer("Ayşe Yılmaz")
    fatma = producer("Fatma Demir; Öztürk", iban="TR32 0010 0099 9990 1234 5678 90")
    sell(ayse)
    sell(fatma, price=123456)  # net 102880, commission 15432, hers 87448
    batch, _ = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    db.session.commit()
    with pytest.raises(Conflict):  # a draft is not money anyone approved
        payout_export.export_csv(batch.id, admins[0].id)
    db.session.rollback()
    payouts.approve(batch.id, admins[1].id, SETTINGS)
    a, f = batch.lines

    data = payout_export.export_csv(batch.id, admins[0].id)

    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8") == (
        "\ufeffAlıcı Adı;IBAN;Tutar;Açıklama\r\n"
        f"Ayşe Yılmaz;TR330006100519786457841326;850,00;"
        f"Başkent Kadın Girişimi ödeme 2026-10 #{a.id}\r\n"
        f'"Fatma Demir; Öztürk";TR320010009999901234567890;874,48;'
        f"Başkent Kadın Girişimi ödeme 2026-10 #{f.id}\r\n"
    )
    # Once a line is paid it is not in the file any more: the bank is never asked twice.
    payout_lines.mark_line_paid(a.id, "EFT-1", admins[0].id)
    again = payout_export.export_csv(batch.id, admins[0].id).decode("utf-8").splitlines()
    assert again == [
        "\ufeffAlıcı Adı;IBAN;Tutar;Açıklama",
        f'"Fatma Demir; Öztürk";TR320010009999901234567890;874,48;'
        f"Başkent Kadın Girişimi ödeme 2026-10 #{f.id}",
    ]


@pytest.mark.parametrize(
    ("kurus", "text"), [(1, "0,01"), (85000, "850,00"), (123456789, "1234567,89"), (50, "0,50")]
)
def test_bank_amounts(kurus, text):
    assert payout_export.format_amount(kurus) == text


def test_a_cutoff_in_the_future_is_refused(admins):
    with pytest.raises(ValidationFailed):
        payouts.close_period(datetime.now(UTC) + timedelta(hours=1), admins[0].id, SETTINGS)


def test_recent_batches_add_up(admins):
    ayse, fatma = producer("Ayşe Yılmaz"), producer("Fatma Demir", iban=IBAN_FATMA)
    sell(ayse)
    sell(fatma)
    batch, _ = payouts.close_period(OCT_END, admins[0].id, SETTINGS)
    payouts.approve(batch.id, admins[1].id, SETTINGS)
    payout_lines.mark_line_paid(batch.lines[0].id, "EFT-1", admins[0].id)
    payout_lines.mark_line_failed(batch.lines[1].id, "IBAN kapalı", admins[0].id)
    db.session.commit()
    (summary,) = payouts.recent_batches()
    assert (summary.lines, summary.total_kurus, summary.paid_kurus, summary.failed_kurus) == (
        2,
        170000,
        85000,
        85000,
    )


@pytest.mark.postgres
def test_two_admins_closing_at_once_make_one_batch(app, admins):
    for name in ("Ayşe Yılmaz", "Fatma Demir", "Zeynep Kaya"):
        sell(producer(name))
    admin_ids = [a.id for a in admins]
    start = threading.Barrier(2)

    def close(actor_id: int) -> str:
        with app.app_context():
            start.wait(timeout=30)
            try:
                payouts.close_period(OCT_END, actor_id, SETTINGS)
                db.session.commit()
                return "ok"
            except Conflict:
                db.session.rollback()
                return "conflict"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(close, admin_ids, timeout=60))

    assert results == ["conflict", "ok"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 1
    assert db.session.scalar(select(func.sum(PayoutLine.amount_kurus))) == 3 * 85000
