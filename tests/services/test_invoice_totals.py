"""An invoice carries what the buyer paid, to the kuruş: the goods at their VAT rates, shipping
at its rate and a taksit surcharge (vade farkı) spread over the rates by their gross."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Invoice, Order, OrderLine
from coopshop.money import BP, round_half_up
from coopshop.services.core import uow
from coopshop.services.invoicing import records
from coopshop.services.invoicing.interface import build_totals
from coopshop.services.invoicing.settings import InvoicingSettings
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.invoicing_support import buyer

RATES = [100, 1000, 2000]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(1, 12), st.integers(1, 300_000), st.sampled_from(RATES)),
        min_size=1,
        max_size=8,
    ),
    st.integers(0, 15_000),
    st.integers(0, 40_000),
    st.sampled_from(RATES),
)
def test_invoice_total_is_the_order_total_and_each_rate_adds_up(
    lines, shipping, surcharge, shipping_bp
):
    order = Order(shipping_kurus=shipping)
    order.lines = [
        OrderLine(title=f"ürün {i}", quantity=q, unit_price_kurus=p, gross_kurus=q * p, vat_bp=v)
        for i, (q, p, v) in enumerate(lines)
    ]
    order_total = sum(q * p for q, p, _ in lines) + shipping
    config = InvoicingSettings(shipping_vat_bp=shipping_bp)
    totals = build_totals(records.order_lines(order, config, surcharge))

    assert totals.gross_kurus == order_total + surcharge
    assert totals.net_kurus + totals.vat_kurus == totals.gross_kurus
    goods = {bp: sum(q * p for q, p, v in lines if v == bp) for bp in RATES}
    goods[shipping_bp] += shipping
    surcharge_lines = [li for li in totals.lines if li.name == records.SURCHARGE_LINE]
    assert sum(li.gross_kurus for li in surcharge_lines) == surcharge
    nets, vats = dict(totals.net_by_rate), dict(totals.vat_by_rate)
    for bp, gross in goods.items():
        if not gross:
            assert bp not in nets
            continue
        at_rate = [li for li in totals.lines if li.vat_bp == bp]
        # VAT per rate: the sum of each line's half-up split, never a rate applied to a sum
        assert nets[bp] + vats[bp] == sum(li.gross_kurus for li in at_rate)
        assert vats[bp] == sum(
            li.gross_kurus - round_half_up(li.gross_kurus * BP, BP + bp) for li in at_rate
        )
        part = sum(li.gross_kurus for li in surcharge_lines if li.vat_bp == bp)
        # the surcharge's share of a rate is its share of the gross, within one kuruş
        exact = surcharge * gross / sum(goods.values())
        assert abs(part - exact) < 1


def test_a_paid_order_with_shipping_and_taksit_is_invoiced_for_what_was_paid(local_invoicing):
    from coopshop.services.core.settings import CoopSettings
    from coopshop.services.sales.order_states import PaymentInfo, mark_paid
    from coopshop.services.sales.orders import LineRequest, NewOrder, create_order

    maker = ProducerFactory()
    scarf = ProductFactory(price_kurus=30000, vat_bp=2000, stock=5, makers=[(maker, 10000)])
    soap = ProductFactory(price_kurus=10000, vat_bp=1000, stock=5, makers=[(maker, 10000)])
    db.session.commit()
    coop = CoopSettings(free_shipping_threshold_kurus=10**9)
    order = create_order(
        NewOrder(
            channel="online",
            payment_method="iyzico",
            lines=[LineRequest(quantity=1, product_id=p.id) for p in (scarf, soap)],
            buyer=buyer(),
            charge_shipping=True,
        ),
        settings=coop,
    )
    surcharge = 1234
    mark_paid(
        order,
        PaymentInfo(
            "iyzico", order.total_kurus, fee_kurus=900, installments=3, surcharge_kurus=surcharge
        ),
        settings=coop,
    )
    uow.commit()
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    assert invoice.status == "issued"
    assert invoice.gross_kurus == order.total_kurus + surcharge
    assert records.invoiced_total(order) == invoice.gross_kurus
    by_name = {}
    for name, _qty, _unit, bp, gross, _net, _vat in invoice.lines:
        by_name.setdefault(name, []).append((bp, gross))
    assert by_name["Kargo"] == [(2000, order.shipping_kurus)]
    # goods + shipping at 20 %: 300,00 + shipping; at 10 %: 100,00 — the 12,34 split by that
    at20 = 30000 + order.shipping_kurus
    share20 = round_half_up(surcharge * at20, at20 + 10000)
    assert sorted(by_name[records.SURCHARGE_LINE]) == sorted(
        [(2000, share20), (1000, surcharge - share20)]
    )
    assert sum(net + vat for _, net, vat in invoice.by_rate) == invoice.gross_kurus
