"""The books and the invoices agree on VAT to the kuruş (issue 17): shipping and the taksit
surcharge carry their VAT in the ledger as on the invoice, refunds of either take it back by the
cumulative rule, and ledger check compares every invoiced order's invoice VAT with what the
ledger booked to vat:payable; orders booked before the rule are explained, not flagged."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Account, Invoice, LedgerEntry, LedgerTransaction, Order
from coopshop.money import cumulative_split, spread_by_rate, spread_step, vat_split
from coopshop.services.books import ledger, ledger_check, ledger_check_vat, postings
from coopshop.services.core.settings import CoopSettings
from coopshop.services.invoicing import records
from coopshop.services.sales import refunds
from coopshop.services.sales.order_states import PaymentInfo, mark_paid
from coopshop.services.sales.orders import LineRequest, NewOrder, create_order
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.invoicing_support import buyer

RATES = [100, 1000, 2000]
SETTINGS = CoopSettings(free_shipping_threshold_kurus=10**9, shipping_flat_kurus=7999)


def _iyzico_order(items, surcharge: int, fee: int, shipping=True, settings_=SETTINGS) -> Order:
    order = create_order(
        NewOrder(
            channel="online",
            payment_method="iyzico",
            lines=[LineRequest(quantity=q, product_id=p.id) for p, q in items],
            buyer=buyer(),
            charge_shipping=shipping,
        ),
        settings=settings_,
    )
    mark_paid(
        order,
        PaymentInfo(
            "iyzico",
            order.total_kurus,
            fee_kurus=fee,
            installments=6 if surcharge else 1,
            surcharge_kurus=surcharge,
        ),
        settings=settings_,
    )
    return order


def _account_movement(order_id: int, prefix: str) -> int:
    """What the order's transactions moved on the accounts whose code starts with ``prefix``."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .join(Account, Account.id == LedgerEntry.account_id)
            .where(LedgerTransaction.order_id == order_id, Account.code.like(f"{prefix}%"))
        )
    )


def _documents(order_id: int) -> tuple[int, int]:
    """(VAT, gross) of the order's invoices: the sale less its returns and cancellation."""
    vat = gross = 0
    for doc in db.session.scalars(select(Invoice).where(Invoice.order_id == order_id)):
        sign = 1 if doc.purpose == "sale" else -1
        vat += sign * doc.vat_kurus
        gross += sign * doc.gross_kurus
    return vat, gross


# -- the one split ------------------------------------------------------------------------------


def test_the_split_is_the_design_formula_and_the_invoice_line_uses_it():
    assert vat_split(7500, 2000) == (6250, 1250)
    assert vat_split(1, 2000) == (1, 0)
    assert vat_split(6, 2000) == (5, 1)  # 6 / 1.2 = 5 exactly
    assert vat_split(11, 1000) == (10, 1)
    # refunding 1 kuruş at a time gives back exactly the sale's VAT
    steps = [cumulative_split(before, 1, 2000)[1] for before in range(7500)]
    assert sum(steps) == 1250
    # the surcharge spread by gross per rate, parts adding up; steps add up to the spread
    assert spread_by_rate(1000, {2000: 3000, 1000: 1000}) == {1000: 250, 2000: 750}
    first = spread_step({2000: 3000, 1000: 1000}, 1000, [], 333)
    rest = spread_step({2000: 3000, 1000: 1000}, 1000, [333], 667)
    for bp in (1000, 2000):
        whole = spread_by_rate(1000, {2000: 3000, 1000: 1000})[bp]
        assert first[bp][0] + rest[bp][0] == whole
        assert first[bp][2] + rest[bp][2] == vat_split(whole, bp)[1]


@settings(max_examples=300, deadline=None)
@given(
    gross=st.dictionaries(st.sampled_from(RATES), st.integers(0, 10**6), min_size=1),
    total=st.integers(0, 10**5),
    cuts=st.lists(st.integers(1, 10**5), max_size=6),
)
def test_surcharge_steps_are_never_negative_at_a_rate_and_add_up_to_the_spread(gross, total, cuts):
    """Spreading each cumulative amount afresh can take a kuruş back from a rate (the Alabama
    paradox of largest remainder); a step spread over what is left never does."""
    steps, left = [], total
    for cut in cuts:
        if cut <= left:
            steps.append(cut)
            left -= cut
    steps.append(left)
    taken = dict.fromkeys(gross, 0)
    vat = dict.fromkeys(gross, 0)
    for i, step in enumerate(steps):
        for bp, (part, net, part_vat) in spread_step(gross, total, steps[:i], step).items():
            assert part >= 0 and net + part_vat == part
            taken[bp] += part
            vat[bp] += part_vat
    assert taken == spread_by_rate(total, gross)
    assert vat == {bp: vat_split(part, bp)[1] for bp, part in taken.items()}


def test_shipping_and_surcharge_post_net_to_the_coop_and_vat_to_vat_payable(local_invoicing):
    maker = ProducerFactory()
    scarf = ProductFactory(price_kurus=30000, vat_bp=2000, stock=5, makers=[(maker, 10000)])
    soap = ProductFactory(price_kurus=10000, vat_bp=1000, stock=5, makers=[(maker, 10000)])
    db.session.flush()
    order = _iyzico_order([(scarf, 1), (soap, 1)], surcharge=1234, fee=900)

    sale = db.session.scalar(
        select(LedgerTransaction).where(
            LedgerTransaction.order_id == order.id, LedgerTransaction.kind == "sale"
        )
    )
    codes = {(e.account.code, e.order_line_id is None): e.amount_kurus for e in sale.entries}
    # 79,99 of shipping at 20 %: 66,66 net, 13,33 VAT (an entry that belongs to no line)
    assert codes[(ledger.SHIPPING, True)] == -6666
    assert codes[(ledger.VAT, True)] == -1333
    # the surcharge 12,34: split by gross per rate (300,00 + 79,99 at 20 %, 100,00 at 10 %)
    share20 = spread_by_rate(1234, {2000: 37999, 1000: 10000})[2000]
    net20, vat20 = vat_split(share20, 2000)
    net10, vat10 = vat_split(1234 - share20, 1000)
    assert _account_movement(order.id, ledger.INSTALMENTS) == -(net20 + net10)
    invoice = records.sale_invoice(order.id)
    assert -_account_movement(order.id, ledger.VAT) == invoice.vat_kurus
    surcharge_vat = sum(line[6] for line in invoice.lines if line[0] == records.SURCHARGE_LINE)
    assert surcharge_vat == vat20 + vat10
    assert ledger_check.check() == []


def test_refunds_of_shipping_and_surcharge_take_back_their_vat_cumulatively(local_invoicing):
    maker = ProducerFactory()
    kilim = ProductFactory(price_kurus=41250, vat_bp=2000, stock=5, makers=[(maker, 10000)])
    db.session.flush()
    order = _iyzico_order([(kilim, 1)], surcharge=2167, fee=1500)
    line = order.lines[0]
    for shipping, surcharge in ((1, 1), (2000, 1000), (5998, 1166)):  # all of both, in steps
        refunds.create_refund(order, [(line.id, 1)], shipping_kurus=shipping,
                              surcharge_kurus=surcharge)  # fmt: skip
        vat, _ = _documents(order.id)
        assert -_account_movement(order.id, ledger.VAT) == vat
        assert ledger_check.check() == []
    # shipping and surcharge all given back: their revenue accounts are back at zero
    assert _account_movement(order.id, ledger.SHIPPING) == 0
    assert _account_movement(order.id, ledger.INSTALMENTS) == 0


def test_a_surcharge_refund_beyond_what_was_paid_is_refused(local_invoicing):
    import pytest

    from coopshop.services.core.errors import LedgerError

    kilim = ProductFactory(price_kurus=41250, vat_bp=2000, stock=5)
    db.session.flush()
    order = _iyzico_order([(kilim, 1)], surcharge=500, fee=0)
    with pytest.raises(LedgerError):
        refunds.create_refund(order, [], surcharge_kurus=501)


def test_the_check_finds_a_vat_entry_that_disagrees_with_the_invoice(local_invoicing):
    kilim = ProductFactory(price_kurus=41250, vat_bp=2000, stock=5)
    db.session.flush()
    order = _iyzico_order([(kilim, 1)], surcharge=700, fee=100)
    ledger.post(
        "adjustment",
        [ledger.Leg(ledger.VAT, -1), ledger.Leg(ledger.ADJUSTMENTS, 1)],
        order_id=order.id,
    )
    [violation] = [v for v in ledger_check.check() if v.rule == "vat"]
    assert violation.order_id == order.id
    invoice = records.sale_invoice(order.id)
    assert f"the invoices show {invoice.vat_kurus} kuruş VAT" in violation.description
    assert f"booked {invoice.vat_kurus + 1} kuruş" in violation.description


def _book_as_before_0290(order: Order, surcharge: int) -> None:
    """Book a paid order as the ledger did before migration 0290: shipping whole to
    coop:shipping, the surcharge whole to coop:instalments (its invoice already shows VAT)."""
    legs = [ledger.Leg(ledger.clearing_account_code(order.payment_method), order.total_kurus)]
    for line in postings.lines_with_makers(order):
        alloc, producer_ids = postings.allocate_line(line)
        legs.append(ledger.Leg(ledger.VAT, -alloc.vat, order_line_id=line.id))
        legs.append(ledger.Leg(ledger.COMMISSION, -alloc.commission, order_line_id=line.id))
        for producer_id, part in zip(producer_ids, alloc.makers, strict=True):
            legs.append(ledger.Leg(ledger.producer_account_code(producer_id), -part,
                                   order_line_id=line.id))  # fmt: skip
    legs.append(ledger.Leg(ledger.SHIPPING, -order.shipping_kurus))
    ledger.post("sale", legs, order_id=order.id, now=order.paid_at)
    clearing = ledger.clearing_account_code(order.payment_method)
    legs = [ledger.Leg(clearing, surcharge), ledger.Leg(ledger.INSTALMENTS, -surcharge)]
    ledger.post("fee", legs, order_id=order.id)


def test_an_order_booked_before_the_split_is_explained_not_flagged(local_invoicing, monkeypatch):
    """History stays as booked (append-only): the check allows exactly the invoice's shipping and
    surcharge VAT for such an order, its refunds are booked the old way too, and anything more
    is still flagged."""
    kilim = ProductFactory(price_kurus=41250, vat_bp=2000, stock=5)
    db.session.flush()
    order = create_order(
        NewOrder(channel="online", payment_method="iyzico", buyer=buyer(),
                 lines=[LineRequest(quantity=1, product_id=kilim.id)], charge_shipping=True),
        settings=SETTINGS,
    )  # fmt: skip
    order.legacy_vat_booking = True
    monkeypatch.setattr(postings, "post_sale", lambda *a, **kw: None)
    monkeypatch.setattr(postings, "post_fee", lambda *a, **kw: None)
    mark_paid(order, PaymentInfo("iyzico", order.total_kurus, installments=3, surcharge_kurus=900),
              settings=SETTINGS)  # fmt: skip
    monkeypatch.undo()
    _book_as_before_0290(order, 900)
    invoice = records.sale_invoice(order.id)
    extras = ledger_check_vat.extras_vat(invoice.lines)
    assert extras == vat_split(7999, 2000)[1] + vat_split(900, 2000)[1]
    assert -_account_movement(order.id, ledger.VAT) == invoice.vat_kurus - extras
    assert [v for v in ledger_check.check() if v.rule == "vat"] == []

    refunds.create_refund(order, [], shipping_kurus=2000)  # booked as it was sold: no VAT split
    assert [v for v in ledger_check.check() if v.rule == "vat"] == []

    ledger.post("adjustment", [ledger.Leg(ledger.VAT, -1), ledger.Leg(ledger.ADJUSTMENTS, 1)],
                order_id=order.id)  # fmt: skip
    [violation] = [v for v in ledger_check.check() if v.rule == "vat"]
    assert "explained: booked before 0290" in violation.description


# -- the property -----------------------------------------------------------------------------

basket = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 250_000), st.sampled_from(RATES)),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=basket,
    shipping=st.integers(0, 20_000),
    shipping_bp=st.sampled_from(RATES),
    surcharge=st.integers(0, 60_000),
    fee=st.integers(0, 5_000),
    data=st.data(),
)
def test_invoice_vat_is_the_ledgers_vat_for_any_basket_and_refunds(
    local_invoicing, lines, shipping, shipping_bp, surcharge, fee, data
):
    settings_ = CoopSettings(
        free_shipping_threshold_kurus=10**9,
        shipping_flat_kurus=shipping,
        shipping_vat_bp=shipping_bp,
    )
    products = [ProductFactory(price_kurus=price, vat_bp=bp, stock=qty) for qty, price, bp in lines]
    db.session.flush()
    order = _iyzico_order(
        [(p, qty) for p, (qty, _, _) in zip(products, lines, strict=True)],
        surcharge, fee, shipping=bool(shipping), settings_=settings_,
    )  # fmt: skip
    taken = order.total_kurus + surcharge

    def agree():
        vat, gross = _documents(order.id)
        assert -_account_movement(order.id, ledger.VAT) == vat
        assert gross == taken  # the invoices carry the money taken, less what went back
        assert _account_movement(order.id, "clearing:") + fee == taken
        assert [v for v in ledger_check_vat.invoices_match_vat() if v.order_id == order.id] == []

    agree()
    left = {line.id: line.gross_kurus for line in order.lines}
    ship_left, sur_left = order.shipping_kurus, surcharge
    for _ in range(data.draw(st.integers(0, 3), label="refunds")):
        wanted = []
        for line_id in sorted(left):
            if left[line_id] and data.draw(st.booleans(), label=f"line {line_id}"):
                wanted.append((line_id, data.draw(st.integers(1, left[line_id]))))
        ship = data.draw(st.integers(0, ship_left), label="shipping")
        sur = data.draw(st.integers(0, sur_left), label="surcharge")
        if not wanted and not ship and not sur:
            continue
        refund = refunds.create_refund(order, wanted, shipping_kurus=ship, surcharge_kurus=sur)
        for line_id, amount in wanted:
            left[line_id] -= amount
        ship_left, sur_left = ship_left - ship, sur_left - sur
        taken -= refund.amount_kurus
        agree()
