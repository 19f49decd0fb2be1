"""One "available" number (issue #16): what her dashboard, her home page and /api/v1/me/balance
call available is exactly what the next payout batch sends her bank — fees, deductions,
refunds, pending money, withholding, the minimum and the reasons a batch leaves her out all
included — because close_period builds its lines from the same plan (services.payouts
.next_payout). Compared over random histories, then on her pages and the API."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from coopshop.db import db
from coopshop.models import utcnow
from coopshop.services.books import balances, deductions, ledger_check
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import next_payout
from coopshop.services.sales import refunds
from tests.support.factories import (
    ProducerFactory,
    ProductFactory,
    UserFactory,
    delivered,
    paid_order,
)
from tests.web.api_helpers import bearer, token_for

T = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
GOOD_IBAN = "TR330006100519786457841326"
BAD_IBAN = "TR330006100519786457841327"  # wrong check digits


def _sell(rng, producer, when, settings, channel="bazaar"):
    price = rng.choice([4000, 12500, 25000, 99999, 120000, 310050])
    product = ProductFactory(
        price_kurus=price, vat_bp=rng.choice([1000, 2000]), stock=50, makers=[(producer, 10000)]
    )
    online = channel == "online"
    return paid_order(
        [(product, rng.randint(1, 2))],
        channel=channel,
        payment_method="demo" if online else "cash",
        fee_kurus=rng.randint(50, 900) if online else 0,
        paid_at=when,
        settings=settings,
    )


def _history(rng, admin_id: int, settings: CoopSettings) -> list[int]:
    """Members with sales (bazaar, online delivered long ago, online still pending), an earlier
    payout, refunds after it, deductions, no IBAN, a bad IBAN, a suspended membership, an
    exemption from withholding; random per seed."""
    ids, orders, suspended = [], {}, []
    for n in range(18):
        roll = rng.random()
        member = ProducerFactory(
            iban=None if roll < 0.08 else BAD_IBAN if roll < 0.14 else GOOD_IBAN,
            tax_status=rng.choice(["exempt", "other", "sole_trader"]),
            display_name=f"Üye {n}",
        )
        ids.append(member.id)
        if 0.14 <= roll < 0.2:
            suspended.append(member)  # after her sales (a suspended member cannot sell)
        for _ in range(rng.randint(0, 3)):
            orders.setdefault(member.id, []).append(
                _sell(rng, member, T - timedelta(days=rng.randint(26, 60)), settings)
            )
        if rng.random() < 0.5:
            online = _sell(rng, member, T - timedelta(days=58), settings, channel="online")
            delivered(online, T - timedelta(days=50), settings=settings)
            orders.setdefault(member.id, []).append(online)
    db.session.commit()
    earlier, _ = payouts.close_period(
        T - timedelta(days=25), admin_id, settings, now=T - timedelta(days=25)
    )
    if earlier is not None:
        payouts.approve(earlier.id, admin_id, settings, now=T - timedelta(days=25))
    db.session.commit()
    for member_id in ids:
        if rng.random() < 0.5:
            member = db.session.get(ProducerFactory._meta.model, member_id)
            orders.setdefault(member_id, []).append(
                _sell(rng, member, T - timedelta(days=rng.randint(2, 20)), settings)
            )
        if rng.random() < 0.3:
            member = db.session.get(ProducerFactory._meta.model, member_id)
            _sell(rng, member, T - timedelta(days=3), settings, channel="online")  # pending
        if orders.get(member_id) and rng.random() < 0.5:
            order = rng.choice(orders[member_id])
            line = order.lines[0]
            refunds.create_refund(
                order, [(line.id, rng.randint(1, line.gross_kurus))], now=T - timedelta(days=1)
            )
        if rng.random() < 0.3:
            deductions.record_deduction(
                member_id,
                rng.randint(100, 30000),
                "dues",
                "Aidat",
                admin_id,
                now=T - timedelta(days=1),
            )
    db.session.commit()
    return ids


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_available_is_what_the_next_batch_pays(app, monkeypatch, seed):
    monkeypatch.setitem(app.config, "WITHHOLDING_EXEMPT_BP", 200)  # 2 % from exempt members
    rng = random.Random(seed)
    settings = CoopSettings(
        payout_minimum_kurus=rng.choice([10000, 25000]),
        payout_two_admins=False,
        fees_spread_to_makers=bool(seed % 2),
    )
    admin_id = UserFactory(role="admin").id
    ids = _history(rng, admin_id, settings)

    shown = next_payout.next_payouts(ids, settings, now=T)
    batch, left_out = payouts.close_period(T, admin_id, settings, now=T)
    lines = {line.producer_id: line for line in (batch.lines if batch else [])}
    left = {item.producer_id: item for item in left_out}

    kinds = set()
    for member_id in ids:
        would = shown[member_id]
        assert would.payable_kurus == balances.balance(member_id, as_of=T).available
        if member_id in lines:
            line = lines[member_id]
            assert (would.in_batch, would.payable_kurus, would.withholding_kurus) == (
                True,
                line.amount_kurus,
                line.withholding_kurus,
            )
            assert would.available_kurus == line.net_kurus
            kinds.add("withheld" if line.withholding_kurus else "paid")
        elif member_id in left:
            assert (would.reason, would.payable_kurus) == (
                left[member_id].reason,
                left[member_id].amount_kurus,
            )
            assert would.available_kurus == 0
            kinds.add(would.reason)
        else:
            assert (would.payable_kurus, would.available_kurus) == (0, 0)
    # The random histories reach the cases that differ from the plain ledger balance.
    assert {"paid", "withheld", "below_minimum", "negative_balance"} <= kinds


def test_her_pages_and_the_api_show_the_batch_amount(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "WITHHOLDING_EXEMPT_BP", 200)
    exempt = ProducerFactory(iban=GOOD_IBAN, tax_status="exempt")
    small = ProducerFactory(iban=GOOD_IBAN)
    product = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(exempt, 10000)])
    paid_order([(product, 1)], channel="bazaar", payment_method="cash", paid_at=utcnow())
    product = ProductFactory(price_kurus=4000, vat_bp=2000, makers=[(small, 10000)])
    paid_order([(product, 1)], channel="bazaar", payment_method="cash", paid_at=utcnow())
    db.session.commit()
    # ₺850,00 payable, 2 % (₺17,00) withheld: the bank sends ₺833,00.
    login(exempt.user)
    for page in ("/producer/", "/producer/earnings"):
        html = client.get(page).get_data(as_text=True)
        assert re.search(r'data-testid="available">\s*<span class="money">₺833,00', html), page
        assert "₺17,00" in html
    body = client.get("/api/v1/me/balance", headers=bearer(token_for(exempt.user))).get_json()
    assert (body["payable_kurus"], body["withholding_kurus"], body["available_kurus"]) == (
        85000,
        1700,
        83300,
    )
    assert body["payout_hold_reason"] is None
    # ₺28,33 is below the ₺100,00 minimum: nothing would be sent yet, and she is told why.
    client.post("/auth/logout")
    login(small.user)
    html = client.get("/producer/earnings").get_data(as_text=True)
    assert re.search(r'data-testid="available">\s*<span class="money">₺0,00', html)
    assert "₺28,33 birikti; en az ₺100,00 olunca ödenir." in html
    body = client.get("/api/v1/me/balance", headers=bearer(token_for(small.user))).get_json()
    assert (body["payable_kurus"], body["available_kurus"], body["payout_hold_reason"]) == (
        2833,
        0,
        "below_minimum",
    )


def test_a_spread_fee_falls_on_her_part_only_and_available_is_the_batch_line(app):
    """FEES_SPREAD_TO_MAKERS on a shipping-heavy order: a ₺20,00 piece sent for ₺75,00, the
    processor's ₺3,00 fee on all ₺95,00. She bears the fee on her part of the line only; what
    her dashboard calls available is the closed batch's line for her, to the kuruş; and after a
    full refund the spread fee stays with her (the processor keeps it), as the README says."""
    settings = CoopSettings(
        fees_spread_to_makers=True,
        payout_minimum_kurus=100,
        payout_two_admins=False,
        shipping_flat_kurus=7500,
        free_shipping_threshold_kurus=10**7,
    )
    admin_id = UserFactory(role="admin").id
    her = ProducerFactory(iban=GOOD_IBAN, tax_status="other")
    piece = ProductFactory(price_kurus=2000, vat_bp=2000, stock=5, makers=[(her, 10000)])
    sold_at = T - timedelta(days=40)
    order = paid_order(
        [(piece, 1)],
        payment_method="stripe",
        charge_shipping=True,
        fee_kurus=300,
        paid_at=sold_at,
        settings=settings,
    )
    delivered(order, sold_at + timedelta(days=2), settings=settings)
    db.session.commit()
    assert (order.shipping_kurus, order.total_kurus) == (7500, 9500)

    # Her part of the line: net 2000 x 10000/12000 = 1667, less 15% commission 250 = 1417.
    # Her part of the fee: 300 x 1417 / 9500 = 44.75 → 45 (not the ₺3,00 on the shipping too).
    b = balances.balance(her.id, as_of=T)
    assert (b.earned, b.fees, b.available) == (1417, 45, 1417 - 45)

    shown = next_payout.next_payout(her.id, settings, now=T)
    batch, left_out = payouts.close_period(T, admin_id, settings, now=T)
    (line,) = batch.lines
    assert left_out == []
    assert (line.producer_id, line.amount_kurus, line.net_kurus) == (her.id, 1372, 1372)
    assert (shown.in_batch, shown.available_kurus, shown.payable_kurus) == (True, 1372, 1372)
    payouts.approve(batch.id, admin_id, settings, now=T)
    db.session.commit()

    # A full refund afterwards takes back her part of the sale; the fee stays spent.
    refunds.create_refund(order, [(order.lines[0].id, 2000)], now=T + timedelta(days=1))
    db.session.commit()
    after = balances.balance(her.id, as_of=T + timedelta(days=2))
    assert (after.refunded, after.fees, after.paid_out) == (1417, 45, 1372)
    assert after.balance == -1372 - 45  # the sale gone, its fee kept: ₺0,45 short of nothing
    # ledger check recomputes the spread part from the fee rule (books.ledger_check_fees).
    assert ledger_check.check() == []
