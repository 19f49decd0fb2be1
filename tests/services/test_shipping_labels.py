"""Labels and tracking for orders, through the real Geliver SDK against the local stand-in:
the label bought once per order and stored with its PDF, the order shipped and the shopper told
the carrier and link; tracking events applied once, in any order; "delivered" from the carrier
marks the order delivered through fulfilment, exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import LedgerTransaction, OutboxMessage
from coopshop.models.shipping import Shipment, ShipmentEvent
from coopshop.services.core.errors import Conflict, InvalidTransition, ValidationFailed
from coopshop.services.shipping import labels, tracking
from coopshop.services.shipping.base import Parcel
from coopshop.services.shipping.carriers import ManualAdapter
from coopshop.web import shipping as shipping_web
from tests.support.factories import ProductFactory
from tests.support.geliver_support import LABEL_PDF, packed_order
from tests.support.staff_support import BUYER, audit_actions

PARCEL = Parcel(weight_g=1250, length_cm=30, width_cm=20, height_cm=10)


def _buy(order, **kwargs):
    request = labels.LabelRequest(order.id, PARCEL, **kwargs)
    shipment = labels.buy(request, shipping_web.adapter(), current_app.config, None)
    db.session.commit()
    return shipment


def _shipped_mail(order) -> OutboxMessage:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.like(f"%kargoya verildi: {order.number}"))
    ).one()


def test_a_label_is_bought_stored_and_the_shopper_told(geliver_app):
    order = packed_order(ProductFactory(title_tr="Çini Kase"))
    shipment = _buy(order)

    assert (shipment.provider, shipment.carrier) == ("geliver", "aras")  # the default carrier
    assert shipment.price_kurus == 8450  # Aras's "84.5" at the stand-in
    assert shipment.label_pdf == LABEL_PDF
    assert shipment.tracking_number and shipment.tracking_url
    assert (shipment.weight_g, shipment.length_cm) == (1250, 30)
    assert order.fulfilment_status == "shipped"
    assert order.tracking_number == shipment.tracking_number
    created = geliver_app.requests_to("POST", "/shipments")[0].body
    assert created["order"]["orderNumber"] == order.number
    assert created["recipientAddress"]["cityCode"] == "06"  # Ankara's plate
    mail = _shipped_mail(order)
    assert mail.to == BUYER.email
    assert "Kargo firması: Aras Kargo" in mail.body
    assert shipment.tracking_url in mail.body
    assert audit_actions("shipping.") == ["shipping.label"]


def test_buying_twice_returns_the_same_label_and_buys_once(geliver_app):
    order = packed_order()
    first = _buy(order)
    again = _buy(order, carrier="ptt")
    assert again.id == first.id and again.carrier == "aras"
    assert len(geliver_app.requests_to("POST", "/transactions")) == 1
    assert db.session.scalar(select(func.count()).select_from(Shipment)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_chosen_offer_is_bought(geliver_app):
    order = packed_order()
    offers = labels.quote(order.id, PARCEL, shipping_web.adapter(), current_app.config)
    assert [o.carrier for o in offers][:2] == ["ptt", "mng"]  # cheapest first
    ptt = offers[0]
    shipment = _buy(order, offer=ptt)
    assert (shipment.carrier, shipment.price_kurus) == ("ptt", 7500)


def test_a_carrier_refusal_is_told_and_nothing_is_stored(geliver_app):
    order = packed_order()
    geliver_app.fail_next(
        "POST",
        "/transactions",
        status=400,
        body={"result": False, "code": "ADDRESS_INVALID", "message": "Alıcı adresi eksik"},
    )
    with pytest.raises(Conflict) as refused:
        _buy(order)
    db.session.rollback()
    assert "Alıcı adresi eksik" in str(refused.value.message)
    assert db.session.scalar(select(func.count()).select_from(Shipment)) == 0
    assert order.fulfilment_status == "received"


def test_a_label_only_for_a_packed_order(geliver_app):
    order = packed_order()
    db.session.execute(db.update(type(order)).values(fulfilment_status="unfulfilled"))
    db.session.commit()
    with pytest.raises(InvalidTransition):
        _buy(order)
    assert geliver_app.requests_to("POST", "/transactions") == []


def test_the_batch_labels_every_packed_order_once(geliver_app):
    first, second = packed_order(), packed_order()
    result = labels.buy_batch(
        labels.today(), PARCEL, shipping_web.adapter(), current_app.config, None
    )
    db.session.commit()
    assert sorted(result.labelled) == sorted([first.number, second.number])
    again = labels.buy_batch(
        labels.today(), PARCEL, shipping_web.adapter(), current_app.config, None
    )
    assert (again.labelled, again.failed) == ([], [])
    assert len(geliver_app.requests_to("POST", "/transactions")) == 2


def test_the_manual_adapter_records_the_typed_carrier_and_number(app):
    order = packed_order()
    request = labels.LabelRequest(order.id, PARCEL, carrier="yurtici", tracking_number=" 12 34 ")
    shipment = labels.buy(request, ManualAdapter(), app.config, None)
    db.session.commit()
    assert (shipment.provider, shipment.carrier, shipment.tracking_number) == (
        "manual",
        "yurtici",
        "12 34",
    )
    assert shipment.tracking_url.endswith("?code=12%2034")
    assert order.fulfilment_status == "shipped"
    blank = labels.LabelRequest(packed_order().id, PARCEL, carrier="aras", tracking_number=" ")
    with pytest.raises(ValidationFailed) as caught:
        labels.buy(blank, ManualAdapter(), app.config, None)
    assert caught.value.details["field"] == "tracking_number"


def _track(standin, shipment, code, sub, when, event_id):
    standin.set_tracking(shipment.provider_ref, code, sub, when, event_id=event_id)
    event = shipping_web.adapter().track(labels.as_label(shipment))
    outcome = tracking.record(event, "geliver", "poll")
    db.session.commit()
    return outcome


def test_events_apply_once_and_delivered_marks_the_order_delivered_once(geliver_app):
    order = packed_order()
    shipment = _buy(order)
    steps = [
        ("TRANSIT", "package_accepted", "2026-05-05T09:00:00Z", "e1", "changed"),
        ("TRANSIT", "package_accepted", "2026-05-05T09:00:00Z", "e1", "duplicate"),
        ("DELIVERED", "delivered", "2026-05-06T14:00:00Z", "e3", "changed"),
        ("TRANSIT", "out_for_delivery", "2026-05-06T08:00:00Z", "e2", "unchanged"),  # late scan
        ("DELIVERED", "delivered", "2026-05-06T15:00:00Z", "e4", "unchanged"),
    ]
    for code, sub, when, event_id, action in steps:
        assert _track(geliver_app, shipment, code, sub, when, event_id).action == action
    assert (shipment.status, shipment.status_at.hour) == ("delivered", 14)
    assert order.fulfilment_status == "delivered"
    # Delivered when the carrier says it was, not when we heard: the withdrawal window and the
    # makers' availability count from there (one availability move, once).
    assert order.delivered_at == shipment.status_at
    moves = db.session.scalars(
        select(LedgerTransaction).where(
            LedgerTransaction.order_id == order.id, LedgerTransaction.kind == "availability"
        )
    ).all()
    assert len(moves) == 1
    assert {e.available_at for e in moves[0].entries if e.amount_kurus < 0} == {
        shipment.status_at + timedelta(days=14)
    }
    assert audit_actions("fulfilment.delivered") == ["fulfilment.delivered"]
    stored = db.session.scalars(select(ShipmentEvent.provider_event_id).order_by("id")).all()
    assert stored == ["e1", "e3", "e2", "e4"]


def test_a_tracking_number_given_at_handover_ships_the_order_then(geliver_app):
    geliver_app.tracking_number_on_accept = False
    order = packed_order()
    shipment = _buy(order)
    assert shipment.tracking_number is None
    assert shipment.tracking_url.startswith("https://app.geliver.io/tracking/")
    assert order.fulfilment_status == "received"  # the carrier has not got it yet
    geliver_app.set_tracking(
        shipment.provider_ref, "TRANSIT", "package_accepted", "2026-05-05T09:00:00Z",
        tracking_number="ARAS-778899",
    )  # fmt: skip
    event = shipping_web.adapter().track(labels.as_label(shipment))
    tracking.record(event, "geliver", "poll")
    db.session.commit()
    assert (order.fulfilment_status, order.tracking_number) == ("shipped", "ARAS-778899")
    assert "ARAS-778899" in _shipped_mail(order).body
