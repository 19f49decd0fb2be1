"""Return labels for withdrawals and cancelling a label, through the real Geliver SDK against
the local stand-in (and the manual path): the return made once and the buyer told; its
"delivered" marks the goods received once, whatever order events arrive in; a label cancelled
before pickup puts the order back to packed; the provider's refusals in Turkish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import OutboxMessage, WithdrawalRequest
from coopshop.models.shipping import ReturnShipment, Shipment
from coopshop.services.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from coopshop.services.sales import withdrawal_steps, withdrawals
from coopshop.services.shipping import labels, returns, tracking
from coopshop.services.shipping.base import Parcel, ShippingError
from coopshop.services.shipping.carriers import ManualAdapter
from coopshop.services.shipping.messages import shipping_error
from coopshop.web import shipping as shipping_web
from tests.support.geliver_support import LABEL_PDF, packed_order
from tests.support.staff_support import audit_actions

PARCEL = Parcel(weight_g=1250, length_cm=30, width_cm=20, height_cm=10)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _labelled(adapter=None):
    order = packed_order()
    request = labels.LabelRequest(order.id, PARCEL)
    if adapter is not None:
        request = labels.LabelRequest(order.id, PARCEL, carrier="aras", tracking_number="A-1")
    labels.buy(request, adapter or shipping_web.adapter(), current_app.config, None)
    db.session.commit()
    return order


def _withdraw(order) -> WithdrawalRequest:
    line = order.lines[0]
    request = withdrawals.request_withdrawal(order, {line.id: 1}, requested_by_id=None)
    db.session.commit()
    return request


def _return(request, adapter=None, **manual) -> ReturnShipment:
    row = returns.create_return(
        returns.ReturnRequest(request.id, **manual), adapter or shipping_web.adapter(), None
    )
    db.session.commit()
    return row


def _track_return(standin, row, code, sub, when, event_id):
    standin.set_tracking(row.provider_ref, code, sub, when, event_id=event_id)
    event = shipping_web.adapter().track(returns.label_of(row))
    outcome = tracking.record(event, "geliver", "poll")
    db.session.commit()
    return outcome.action


def _mails(subject_part: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject.contains(subject_part))
        )
    )


def test_a_return_label_is_made_once_and_the_buyer_told(geliver_app):
    order = _labelled()
    request = _withdraw(order)
    row = _return(request)
    assert (row.provider, row.carrier, row.status) == ("geliver", "aras", "created")
    assert row.return_code and row.tracking_url and row.label_pdf == LABEL_PDF
    assert row.price_kurus == 8450
    assert _return(request).id == row.id  # a second click: the same return, nothing bought
    posted = geliver_app.requests_to("POST", f"/shipments/{order.shipment.provider_ref}")
    assert len(posted) == 1
    (mail,) = _mails(f"İade kargo kodunuz hazır: {order.number}")
    assert row.return_code in mail.body and "Aras Kargo" in mail.body
    assert audit_actions("shipping.return") == ["shipping.return_label"]


def test_the_returns_delivery_marks_the_goods_received_once(geliver_app):
    order = _labelled()
    request = _withdraw(order)
    row = _return(request)
    now = datetime.now(UTC)
    steps = [
        ("TRANSIT", "package_accepted", _iso(now - timedelta(hours=5)), "r1", "changed"),
        ("DELIVERED", "delivered", _iso(now - timedelta(hours=1)), "r3", "changed"),
        ("TRANSIT", "out_for_delivery", _iso(now - timedelta(hours=2)), "r2", "unchanged"),
        ("DELIVERED", "delivered", _iso(now - timedelta(minutes=30)), "r4", "unchanged"),
    ]
    for code, sub, when, event_id, action in steps:
        assert _track_return(geliver_app, row, code, sub, when, event_id) == action
    db.session.refresh(request)
    assert request.status == "received"
    assert request.received_at == row.status_at  # when the carrier delivered it to us
    assert audit_actions("withdrawal.received") == ["withdrawal.received"]
    assert len(_mails(f"İade ettiğiniz ürünler bize ulaştı: {order.number}")) == 1
    # The order's own shipment is untouched by the return's events.
    assert order.shipment.status == "created"


def test_the_desk_first_then_the_carrier_changes_nothing_more(geliver_app):
    order = _labelled()
    request = _withdraw(order)
    row = _return(request)
    withdrawal_steps.mark_received(request.id, None)
    db.session.commit()
    when = _iso(datetime.now(UTC) - timedelta(minutes=5))
    assert _track_return(geliver_app, row, "DELIVERED", "delivered", when, "d1") == "changed"
    assert audit_actions("withdrawal.received") == ["withdrawal.received"]


def test_poll_catches_a_missed_return_delivery(geliver_app):
    order = _labelled()
    row = _return(_withdraw(order))
    geliver_app.set_tracking(
        row.provider_ref, "DELIVERED", "delivered", _iso(datetime.now(UTC)), event_id="p1"
    )
    result = tracking.poll(shipping_web.adapter())
    db.session.commit()
    # The order's label (its first "created" status) and the return were both asked about.
    assert (result.checked, result.failed) == (2, 0)
    assert db.session.get(WithdrawalRequest, row.withdrawal_id).status == "received"


def test_a_manual_return_code_is_stored_and_checked(app):
    order = _labelled(ManualAdapter())
    request = _withdraw(order)
    manual = ManualAdapter()
    with pytest.raises(ValidationFailed) as caught:
        _return(request, manual)
    assert caught.value.details["field"] == "return_code"
    db.session.rollback()
    with pytest.raises(ValidationFailed) as caught:
        _return(request, manual, carrier="nowhere", return_code="X")
    assert caught.value.details["field"] == "carrier"
    db.session.rollback()
    row = _return(request, manual, carrier="yurtici", return_code=" IADE 123 ")
    assert (row.provider, row.return_code, row.label_pdf) == ("manual", "IADE 123", None)
    assert row.tracking_url.endswith("?code=IADE%20123")
    assert len(_mails(f"İade kargo kodunuz hazır: {order.number}")) == 1
    with pytest.raises(ValidationFailed):
        returns.return_pdf(request.id, manual)


def test_an_order_sent_by_hand_needs_a_typed_return_code(geliver_app):
    order = _labelled(ManualAdapter())
    request = _withdraw(order)
    with pytest.raises(ValidationFailed, match="el ile"):
        _return(request)


def test_a_closed_request_gets_no_return(geliver_app):
    order = _labelled()
    request = _withdraw(order)
    withdrawal_steps.reject(request.id, "Vazgeçti", None)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        _return(request)


def test_by_setting_the_return_is_made_when_she_asks(geliver_app, monkeypatch):
    monkeypatch.setitem(current_app.config, "SHIPPING_RETURN_LABEL_AUTO", True)
    order = _labelled()
    request = _withdraw(order)
    row = returns.return_for(request.id)
    assert row is not None and row.provider == "geliver"
    # A refusal by the aggregator leaves her request standing, without a return.
    second = _labelled()
    geliver_app.fail_next("POST", f"/shipments/{second.shipment.provider_ref}", 503)
    other = _withdraw(second)
    assert other.status == "requested" and returns.return_for(other.id) is None


# ---- cancelling a label ------------------------------------------------------------------------


def test_a_label_cancelled_before_pickup_puts_the_order_back_and_a_new_one_can_be_bought(
    geliver_app,
):
    order = _labelled()
    shipment = order.shipment
    old_ref = shipment.provider_ref
    assert order.fulfilment_status == "shipped" and labels.cancellable(shipment)
    labels.cancel(order.id, shipping_web.adapter(), None)
    db.session.commit()
    assert len(geliver_app.requests_to("DELETE", f"/shipments/{old_ref}")) == 1
    assert shipment.cancelled_at is not None
    assert (order.fulfilment_status, order.tracking_number) == ("received", None)
    assert order.id in labels.packed_by(labels.today())
    with pytest.raises(NotFound):
        labels.label_pdf(order.id, shipping_web.adapter())
    # A late scan of the cancelled label changes nothing.
    when = _iso(datetime.now(UTC))
    geliver_app.set_tracking(old_ref, "TRANSIT", "package_accepted", when, event_id="late")
    event = shipping_web.adapter().track(labels.as_label(shipment))
    assert tracking.record(event, "geliver", "webhook").action == "unchanged"
    db.session.commit()
    again = labels.buy(labels.LabelRequest(order.id, PARCEL), shipping_web.adapter(),
                       current_app.config, None)  # fmt: skip
    db.session.commit()
    assert again.id == shipment.id and again.provider_ref != old_ref
    assert again.cancelled_at is None and order.fulfilment_status == "shipped"
    assert db.session.scalar(select(func.count()).select_from(Shipment)) == 1
    assert audit_actions("shipping.label") == [
        "shipping.label",
        "shipping.label_cancelled",
        "shipping.label",
    ]


def test_a_label_the_carrier_has_scanned_cannot_be_cancelled(geliver_app):
    order = _labelled()
    shipment = order.shipment
    when = _iso(datetime.now(UTC))
    geliver_app.set_tracking(shipment.provider_ref, "TRANSIT", "package_accepted", when)
    tracking.record(shipping_web.adapter().track(labels.as_label(shipment)), "geliver", "poll")
    db.session.commit()
    assert not labels.cancellable(shipment)
    with pytest.raises(Conflict, match="iptal edilemez"):
        labels.cancel(order.id, shipping_web.adapter(), None)
    assert not geliver_app.requests_to("DELETE", "/shipments/")


def test_a_manual_label_is_cancelled_to_correct_the_number(app):
    order = _labelled(ManualAdapter())
    labels.cancel(order.id, ManualAdapter(), None)
    db.session.commit()
    assert order.fulfilment_status == "received"
    request = labels.LabelRequest(order.id, PARCEL, carrier="ptt", tracking_number="P-2")
    again = labels.buy(request, ManualAdapter(), current_app.config, None)
    db.session.commit()
    assert (again.carrier, again.tracking_number, order.tracking_number) == ("ptt", "P-2", "P-2")


# ---- the provider's refusals in staff's words --------------------------------------------------


def test_known_refusals_are_told_in_turkish_with_the_raw_text_as_detail(app):
    exc = ShippingError("ADDRESS_NOT_FOUND", "sender address not found")
    with force_locale("tr"):
        text = str(shipping_error(exc).message)
    assert text.startswith("Gönderici adresi kargo aracısında yok")
    assert text.endswith("(Kargo aracısının yanıtı: ADDRESS_NOT_FOUND: sender address not found)")
    with force_locale("en"):
        english = str(shipping_error(exc).message)
    assert english.startswith("The sender address is not registered")
    phone = ShippingError("RECIPIENT_PHONE_INVALID", "phone is invalid")
    with force_locale("tr"):
        assert str(shipping_error(phone).message).startswith("Alıcının telefon numarası")
        unknown = str(shipping_error(ShippingError("SOMETHING_ELSE", "No.")).message)
        retry = str(shipping_error(ShippingError("timeout", "slow", True)).message)
    assert unknown.startswith("Kargo aracısı isteği kabul etmedi.")
    assert retry == "Kargo firması şu an yanıt vermiyor; biraz sonra yeniden deneyin."
