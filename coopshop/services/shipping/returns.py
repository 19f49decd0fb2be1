"""Return codes and labels for withdrawals: the buyer sends the goods back with them.

Staff create one for an open withdrawal request (or, with SHIPPING_RETURN_LABEL_AUTO, it is
made when she asks): through the aggregator, as the return of the order's own shipment, or by
hand (the carrier and the return code of the cooperative's agreement with it). She sees the
carrier, the code and the tracking link on her order page and in an e-mail. The carrier's
"delivered" event for the return marks the request's goods received through
services.sales.withdrawal_steps.mark_received, the step the desk takes by hand, once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import WithdrawalRequest, utcnow
from coopshop.models.shipping import ReturnShipment
from coopshop.services.core import audit, hooks, mail
from coopshop.services.core.errors import DomainError, InvalidTransition, ValidationFailed
from coopshop.services.sales import withdrawal_steps
from coopshop.services.sales.order_states import lock_order
from coopshop.services.shipping.base import (
    TERMINAL_STATUSES,
    Label,
    ShippingAdapter,
    ShippingError,
    TrackingEvent,
    apply_event,
    clean_tracking_number,
)
from coopshop.services.shipping.carriers import CARRIERS, adapter_from_settings, tracking_url
from coopshop.services.shipping.labels import _pdf_or_none, as_label
from coopshop.services.shipping.messages import shipping_error

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReturnRequest:
    """Staff's choice for one withdrawal: by hand (carrier + return code) or, with neither,
    through the configured aggregator."""

    withdrawal_id: int
    carrier: str | None = None
    return_code: str | None = None

    @property
    def manual(self) -> bool:
        return bool(self.carrier or self.return_code)


def return_for(withdrawal_id: int) -> ReturnShipment | None:
    return db.session.scalar(
        select(ReturnShipment).where(ReturnShipment.withdrawal_id == withdrawal_id)
    )


def returns_for(withdrawal_ids: list[int]) -> dict[int, ReturnShipment]:
    """The return shipments of these requests, by request id, in one query."""
    if not withdrawal_ids:
        return {}
    rows = db.session.scalars(
        select(ReturnShipment).where(ReturnShipment.withdrawal_id.in_(withdrawal_ids))
    )
    return {r.withdrawal_id: r for r in rows}


def _open_request(withdrawal_id: int) -> WithdrawalRequest:
    request = withdrawal_steps.get_request(withdrawal_id)
    lock_order(request.order_id)  # one return per request, even for two clicks at once
    db.session.refresh(request)
    if request.status != "requested":
        raise InvalidTransition(
            _l("Bu cayma talebi için iade kodu oluşturulamaz."), from_status=request.status
        )
    return request


def _manual(request: WithdrawalRequest, req: ReturnRequest) -> ReturnShipment:
    if req.carrier not in CARRIERS:
        raise ValidationFailed(_l("Kargo firmasını seçin."), field="carrier")
    try:
        code = clean_tracking_number(req.return_code)
    except ShippingError as exc:
        message = (
            _l("İade kodunu yazın.")
            if exc.code == "tracking_number_required"
            else _l("İade kodu en fazla %(n)d karakter olabilir.", n=80)
        )
        raise ValidationFailed(message, field="return_code") from exc
    templates = current_app.config.get("SHIPPING_TRACKING_URL_TEMPLATES") or None
    return ReturnShipment(
        withdrawal_id=request.id,
        order_id=request.order_id,
        provider="manual",
        provider_ref=f"manual-return:{request.id}",
        carrier=req.carrier,
        return_code=code,
        tracking_number=None,
        tracking_url=tracking_url(req.carrier, code, templates),
        status="created",
    )


def _through_adapter(request: WithdrawalRequest, adapter: ShippingAdapter) -> ReturnShipment:
    if adapter.name == "manual":
        raise ValidationFailed(_l("Kargo firmasını ve iade kodunu yazın."), field="return_code")
    shipment = request.order.shipment
    if shipment is None or shipment.provider != adapter.name or shipment.cancelled_at:
        raise ValidationFailed(
            _l("Bu sipariş kargo aracısıyla gönderilmedi: iade kodunu el ile yazın."),
            field="return_code",
        )
    known = frozenset(
        db.session.scalars(
            select(ReturnShipment.provider_ref).where(
                ReturnShipment.order_id == request.order_id,
                ReturnShipment.provider == adapter.name,
            )
        )
    )
    try:
        label = adapter.return_label(as_label(shipment), known_refs=known)
    except ShippingError as exc:
        raise shipping_error(exc) from exc
    return ReturnShipment(
        withdrawal_id=request.id,
        order_id=request.order_id,
        provider=adapter.name,
        provider_ref=label.provider_ref,
        carrier=label.carrier,
        return_code=label.barcode or label.tracking_number,
        tracking_number=label.tracking_number,
        tracking_url=label.tracking_url,
        label_url=label.label_url,
        label_pdf=_pdf_or_none(adapter, label),
        price_kurus=label.price_kurus,
        status="created",
    )


def create_return(
    req: ReturnRequest, adapter: ShippingAdapter, actor_id: int | None
) -> ReturnShipment:
    """The request's return code or label: the stored one if it has one, else made now and
    the buyer is e-mailed. Refused for a request no longer open."""
    request = _open_request(req.withdrawal_id)
    existing = return_for(request.id)
    if existing is not None:
        return existing
    row = _manual(request, req) if req.manual else _through_adapter(request, adapter)
    row.created_by_id = actor_id
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor_id,
        "shipping.return_label",
        request,
        order=request.order.number,
        provider=row.provider,
        carrier=row.carrier,
        return_code=row.return_code,
        price_kurus=row.price_kurus,
    )
    _mail(request, row)
    return row


def on_withdrawal_requested(request: WithdrawalRequest) -> None:
    """Subscribed to "withdrawal.requested": with SHIPPING_RETURN_LABEL_AUTO and an aggregator,
    the return label is made at once. A refusal leaves the request as it is (staff make the
    code by hand); it never undoes her request."""
    config = current_app.config
    if not config.get("SHIPPING_RETURN_LABEL_AUTO"):
        return
    try:
        adapter = adapter_from_settings(config)
    except ShippingError as exc:
        log.warning("return label for withdrawal %s: %s", request.id, exc)
        return
    if adapter.name == "manual":
        return
    try:
        with db.session.begin_nested():
            create_return(ReturnRequest(request.id), adapter, None)
    except DomainError as exc:
        log.warning("return label for withdrawal %s not made: %s", request.id, exc.message)


def install() -> None:
    hooks.subscribe("withdrawal.requested", on_withdrawal_requested)


def return_pdf(withdrawal_id: int, adapter: ShippingAdapter) -> bytes:
    row = return_for(withdrawal_id)
    if row is None or row.provider == "manual":
        raise ValidationFailed(_l("Bu iadenin yazdırılacak etiketi yok."))
    if row.label_pdf:
        return row.label_pdf
    try:
        return adapter.label_pdf(label_of(row))
    except ShippingError as exc:
        raise shipping_error(exc) from exc


def label_of(row: ReturnShipment):
    return Label(
        order_ref=row.order.number,
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        tracking_url=row.tracking_url,
        label_url=row.label_url,
        provider_ref=row.provider_ref,
        barcode=row.return_code,
        price_kurus=row.price_kurus,
    )


# ---- tracking ----------------------------------------------------------------------------------


def locked_return(provider: str, provider_ref: str) -> ReturnShipment | None:
    row = db.session.scalar(
        select(ReturnShipment).where(
            ReturnShipment.provider == provider, ReturnShipment.provider_ref == provider_ref
        )
    )
    if row is None:
        return None
    lock_order(row.order_id)
    db.session.refresh(row)
    return row


def record_return_event(row: ReturnShipment, event: TrackingEvent, now: datetime | None = None):
    """Apply one tracking event to a return (repeated and older events change nothing). The
    first "delivered" marks the request's goods received, if the desk has not already."""
    applied = apply_event(row.status, row.status_at, event)
    if row.tracking_number is None and event.tracking_number:
        row.tracking_number = event.tracking_number[:80]
    if event.tracking_url and (row.tracking_url is None or event.tracking_number):
        row.tracking_url = event.tracking_url[:500]
    if not applied.changed:
        db.session.flush()
        return row.status, False
    row.status, row.status_at = applied.status, applied.occurred_at
    db.session.flush()
    request = row.withdrawal
    audit.record(None, f"shipping.return_{row.status}", request, order=row.order.number)
    if row.status == "delivered" and request.status == "requested":
        now = now or utcnow()
        withdrawal_steps.mark_received(request.id, None, now=min(event.occurred_at, now))
    return row.status, True


def pollable(provider: str) -> list[int]:
    return list(
        db.session.scalars(
            select(ReturnShipment.id)
            .where(
                ReturnShipment.provider == provider,
                ReturnShipment.status.not_in(TERMINAL_STATUSES),
            )
            .order_by(ReturnShipment.id)
        )
    )


# ---- telling her -------------------------------------------------------------------------------


def _mail(request: WithdrawalRequest, row: ReturnShipment) -> None:
    order = request.order
    if not order.buyer_email:
        return
    locale = order.customer.locale if order.customer is not None else "tr"
    with force_locale(locale):
        mail.queue(
            order.buyer_email,
            _("İade kargo kodunuz hazır: %(number)s", number=order.number),
            render_template("email/return_label.txt", order=order, request=request, ret=row),
        )
