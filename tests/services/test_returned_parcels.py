"""Returned to sender: the carrier's RETURNED event (webhook or poll) through tracking.record
moves the order to "returned", once; the makers' money on it never becomes available until the
parcel is sent again and delivered, or refunded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import LedgerEntry, Order
from coopshop.services.books import availability, balances
from coopshop.services.core.errors import InvalidTransition
from coopshop.services.sales import fulfilment
from coopshop.services.shipping import labels, returned_parcels, tracking
from coopshop.services.shipping.base import Parcel
from coopshop.web import shipping as shipping_web
from tests.support.factories import ProducerFactory, ProductFactory
from tests.support.geliver_support import packed_order
from tests.support.staff_support import assert_ledger_holds, audit_actions, staff_user

FAR = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def shipped(app, geliver_app):
    maker = ProducerFactory(display_name="Ayşe")
    order = packed_order(ProductFactory(makers=[(maker, 10_000)]))
    request = labels.LabelRequest(order.id, Parcel(1000, 30, 20, 10))
    shipment = labels.buy(request, shipping_web.adapter(), app.config, None)
    db.session.commit()
    return order, shipment, maker


def _maker_dates(order) -> set:
    """The dates her money on the order waits for (net of the moves between them)."""
    return {
        at
        for at, net in db.session.execute(
            select(LedgerEntry.available_at, func.sum(LedgerEntry.amount_kurus))
            .where(LedgerEntry.producer_id.is_not(None))
            .where(LedgerEntry.order_line_id.in_([ln.id for ln in order.lines]))
            .group_by(LedgerEntry.available_at)
        )
        if net
    }


def _record(geliver_app, shipment, code, sub, at, event_id):
    body, headers = geliver_app.signed_event(
        shipment.provider_ref, code, sub, at, event_id=event_id
    )
    adapter = shipping_web.adapter()
    event = adapter.parse_webhook(body, headers, is_known=lambda ref: True)
    outcome = tracking.record(event, adapter.name, "webhook")
    db.session.commit()
    return outcome


def test_a_returned_webhook_moves_the_order_and_holds_the_makers_money(geliver_app, shipped):
    order, shipment, maker = shipped
    earned = (
        balances.balance(maker.id, as_of=FAR).pending + balances.balance(maker.id, FAR).available
    )
    assert earned > 0

    outcome = _record(geliver_app, shipment, "RETURNED", "returned", "2026-05-07T10:00:00Z", "r1")

    assert outcome.action == "changed" and outcome.status == "returned"
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.fulfilment_status == "returned" and order.delivered_at is None
    # Never delivered: none of her money on it becomes available, even years later.
    far = balances.balance(maker.id, as_of=FAR)
    assert far.available == 0 and far.pending == earned
    assert order.status == "paid"
    assert audit_actions("fulfilment.returned") == ["fulfilment.returned"]
    assert_ledger_holds()

    # The same event again, a late "delivered" scan and an older in-transit scan change nothing.
    again = _record(geliver_app, shipment, "RETURNED", "returned", "2026-05-07T10:00:00Z", "r1")
    late = _record(geliver_app, shipment, "DELIVERED", "delivered", "2026-05-08T10:00:00Z", "d1")
    old = _record(geliver_app, shipment, "TRANSIT", "in_transit", "2026-05-05T10:00:00Z", "t1")
    assert [again.action, late.action, old.action] == ["duplicate", "unchanged", "unchanged"]
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "returned"
    assert audit_actions("fulfilment.returned") == ["fulfilment.returned"]
    assert audit_actions("fulfilment.delivered") == []
    assert balances.balance(maker.id, as_of=FAR).available == 0


def test_the_poll_catches_a_missed_return(app, geliver_app, shipped):
    order, shipment, maker = shipped
    geliver_app.set_tracking(
        shipment.provider_ref, "RETURNED", "returned", "2026-05-07T10:00:00Z", event_id="r9"
    )
    first = tracking.poll(shipping_web.adapter())
    db.session.commit()
    assert (first.checked, first.changed, first.failed) == (1, 1, 0)
    db.session.expire_all()
    assert db.session.get(Order, order.id).fulfilment_status == "returned"
    assert _maker_dates(order) == {availability.ON_HOLD}
    again = tracking.poll(shipping_web.adapter())
    assert again.checked == 0  # returned is final: nothing left to ask
    assert audit_actions("fulfilment.returned") == ["fulfilment.returned"]
    assert balances.balance(maker.id, as_of=FAR).available == 0


def test_ship_again_then_delivered_makes_the_money_payable_after_the_window(
    app, geliver_app, shipped
):
    order, shipment, maker = shipped
    _record(geliver_app, shipment, "RETURNED", "returned", "2026-05-07T10:00:00Z", "r1")
    clerk = staff_user()
    [row] = returned_parcels.returned()
    assert row.number == order.number and not row.refunded_in_full

    returned_parcels.ship_again(order.id, clerk.id)
    db.session.commit()
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.fulfilment_status == "received" and order.tracking_number is None
    assert availability.ON_HOLD not in _maker_dates(order)
    assert returned_parcels.returned() == []

    # A new label, then the carrier delivers it: payable the withdrawal window after delivery.
    request = labels.LabelRequest(order.id, Parcel(1000, 30, 20, 10))
    new = labels.buy(request, shipping_web.adapter(), app.config, clerk.id)
    db.session.commit()
    assert new.provider_ref != "" and new.cancelled_at is None
    _record(geliver_app, new, "DELIVERED", "delivered", "2026-05-12T10:00:00Z", "d2")
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.fulfilment_status == "delivered"
    delivered = order.delivered_at
    assert _maker_dates(order) == {delivered + timedelta(days=14)}
    assert_ledger_holds()


def test_only_a_returned_order_is_sent_again(app, geliver_app, shipped):
    order, _shipment, _maker = shipped
    with pytest.raises(InvalidTransition):
        fulfilment.ship_again(order.id, None)
