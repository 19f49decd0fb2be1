"""The sales reports' rollups (books.report_rollups, issue 22): refreshed by every posting, equal
to a recompute from the entries after random sales (1-3 lines, 1-4 makers), refunds, a payout
and a failed payout (hypothesis, on SQLite and PostgreSQL); a posting that bypasses ledger.post
is found by `flask ledger check` and `flask ledger rebuild-rollups` mends it; the reports read
them and still add up to the accounts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from coopshop.db import db
from coopshop.models import LedgerEntry, ReportRollup, utcnow
from coopshop.models.rollups import WHOLE
from coopshop.services.books import ledger, ledger_check, report_rollups
from coopshop.services.books.ledger import Leg
from coopshop.services.reports import summary as reports
from coopshop.services.sales import refunds
from tests.services.test_ledger_properties import CHANNELS, shares
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.support.ledger_support import zero_sum_check_off

PAID_AT = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # 1 April in Istanbul


def _rollups_hold():
    assert report_rollups.stored() == report_rollups.recomputed()
    assert ledger_check.check() == []


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(
        st.tuples(st.integers(1, 5_000_000), st.sampled_from([0, 1000, 2000]), shares()),
        min_size=1,
        max_size=3,
    ),
    channel=st.sampled_from(CHANNELS),
    shipping=st.booleans(),
    days=st.integers(0, 40),
    data=st.data(),
)
def test_rollups_equal_a_recompute_after_sales_refunds_and_payouts(
    app, lines, channel, shipping, days, data
):
    producers = [ProducerFactory() for _ in range(4)]
    products = [
        ProductFactory(
            price_kurus=price,
            vat_bp=vat_bp,
            stock=5,
            makers=[(producers[i], share) for i, share in makers],
        )
        for price, vat_bp, makers in lines
    ]
    paid_at = PAID_AT + timedelta(days=days)
    order = paid_order(
        [(p, 1) for p in products],
        channel=channel[0],
        payment_method=channel[1],
        charge_shipping=shipping,
        paid_at=paid_at,
    )
    _rollups_hold()
    refunded: dict[int, int] = {}
    for _ in range(data.draw(st.integers(0, 3), label="refunds")):
        line = data.draw(st.sampled_from(order.lines), label="line")
        left = line.gross_kurus - refunded.get(line.id, 0)
        if left <= 0:
            continue
        amount = data.draw(st.integers(1, left), label="amount")
        refunds.create_refund(order, [(line.id, amount)])
        refunded[line.id] = refunded.get(line.id, 0) + amount
        _rollups_hold()
    maker = producers[lines[0][2][0][0]]
    paid = ledger.post(
        "payout",
        [Leg(f"producer:{maker.id}", 1, available_at=utcnow()), Leg(ledger.PAYOUTS, -1)],
    )
    ledger.post(
        "payout_failed",
        [Leg(ledger.PAYOUTS, 1), Leg(f"producer:{maker.id}", -1, available_at=utcnow())],
        memo=f"failed #{paid.id}",
    )
    db.session.flush()
    assert report_rollups.stored() == report_rollups.recomputed()
    # The makers' rows split each line's VAT and commission exactly: together they are the
    # whole orders' line figures.
    whole = reports._rollups(_all_days(), [], makers=False)[0]
    makers = reports._rollups(_all_days(), [], makers=True)[0]
    # (The whole rows count shipping's VAT as shipping, so their VAT is the lines' alone.)
    for name in ("sale_vat", "refund_vat", "sale_commission", "refund_commission"):
        assert getattr(makers, name) == getattr(whole, name)
    assert makers.sale_shipping == 0
    db.session.rollback()


def _all_days():
    return reports.ReportFilter(start=date(2000, 1, 1), end=date(2100, 1, 1))


def _order(app):
    maker, other = ProducerFactory(), ProducerFactory()
    scarf = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(maker, 6000), (other, 4000)])
    return paid_order([(scarf, 2)], charge_shipping=True, paid_at=PAID_AT), maker


def test_a_sale_and_a_refund_land_on_their_istanbul_day(app):
    order, maker = _order(app)
    db.session.commit()
    rows = db.session.scalars(select(ReportRollup).order_by(ReportRollup.producer_id)).all()
    assert {r.day for r in rows} == {"2026-04-01"}
    whole = next(r for r in rows if r.producer_id == WHOLE)
    assert whole.channel == "online"
    assert whole.sale_vat + whole.sale_commission + whole.sale_makers == order.lines[0].gross_kurus
    assert sum(r.sale_makers for r in rows if r.producer_id != WHOLE) == whole.sale_makers
    refunds.create_refund(order, [(order.lines[0].id, 50000)])
    db.session.commit()
    refunded = db.session.scalar(select(func.sum(ReportRollup.refund_makers)))
    assert refunded and refunded > 0
    _rollups_hold()


def test_an_entry_written_around_ledger_post_is_found_and_a_rebuild_mends_it(app):
    order, maker = _order(app)
    db.session.commit()
    sale = db.session.scalar(select(LedgerEntry).where(LedgerEntry.producer_id == maker.id))
    # Raw SQL, as a restore or a hand-made fix would: the rollups do not see it.
    with zero_sum_check_off():
        db.session.execute(
            text(
                "INSERT INTO ledger_entries (transaction_id, account_id, amount_kurus, "
                "producer_id, order_line_id, created_at) VALUES (:t, :a, -100, :p, :l, :c)"
            ),
            {
                "t": sale.transaction_id,
                "a": sale.account_id,
                "p": maker.id,
                "l": sale.order_line_id,
                "c": sale.created_at,
            },
        )
    db.session.commit()
    found = sorted(str(v) for v in ledger_check.check() if v.rule == "rollup")
    assert len(found) == 2  # her row and the whole orders' row
    assert "report rollup 2026-04-01 online producer (all): sale_makers" in found[0]
    assert f"report rollup 2026-04-01 online producer {maker.id} (" in found[1]
    assert "sale_makers" in found[1] and "≠" in found[1]
    result = app.test_cli_runner().invoke(args=["ledger", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert "report rollups rebuilt" in result.output
    assert [v for v in ledger_check.check() if v.rule == "rollup"] == []


def test_an_empty_table_after_an_upgrade_is_found(app):
    _order(app)
    db.session.commit()
    db.session.execute(text("DELETE FROM report_rollups"))
    db.session.commit()
    found = [v for v in ledger_check.check() if v.rule == "rollup"]
    assert found and "rebuild-rollups" in found[0].description
    report_rollups.rebuild()
    db.session.commit()
    assert report_rollups.stored() == report_rollups.recomputed()


def test_the_report_by_member_and_by_month_read_the_rollups(app):
    order, maker = _order(app)
    db.session.commit()
    f = reports.ReportFilter(start=date(2026, 4, 1), end=date(2026, 4, 30))
    by_member = reports.report("producer", f)
    by_month = reports.report("period", f)
    assert by_month.total.sales.gross == by_member.total.sales.gross
    assert by_month.total.sales.gross == sum(line.gross_kurus for line in order.lines)
    assert reports.summary(f) == by_month.total
    assert str(maker.id) in {r.key for r in by_member.rows}
    assert len(by_member.rows) == 2
    # March in Istanbul holds nothing: the sale was paid at 01:30 on 1 April there.
    march = reports.report("period", reports.ReportFilter(date(2026, 3, 1), date(2026, 3, 31)))
    assert march.total.sales.gross == 0
