"""Tracking events, from the provider's webhook or the poll, applied to an order's shipment.

Every event is stored once (its provider event id is unique); apply_event decides whether it
moves the shipment's status, whatever order events arrive in. What the order then does goes
through services.sales.fulfilment, the same steps staff take by hand: a tracking number that
arrives later marks a packed order shipped (the shopper is e-mailed), "delivered" from the
carrier marks it delivered, once, and "returned" (to sender) marks it returned, once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from coopshop.db import db
from coopshop.models.shipping import Shipment, ShipmentEvent
from coopshop.services.core import audit
from coopshop.services.core.errors import DomainError
from coopshop.services.sales import fulfilment
from coopshop.services.sales.order_states import lock_order
from coopshop.services.shipping import returns
from coopshop.services.shipping.base import (
    TERMINAL_STATUSES,
    ShippingAdapter,
    ShippingError,
    TrackingEvent,
    apply_event,
)
from coopshop.services.shipping.labels import as_label

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    """What one event did: "duplicate", "unknown_shipment", "unchanged" or "changed"."""

    action: str
    status: str | None = None


@dataclass(frozen=True)
class PollResult:
    checked: int
    changed: int
    failed: int


def _locked_shipment(provider: str, provider_ref: str) -> Shipment | None:
    shipment = db.session.scalar(
        select(Shipment).where(Shipment.provider == provider, Shipment.provider_ref == provider_ref)
    )
    if shipment is None:
        return None
    # The order's row lock serialises this with staff's clicks and with a concurrent delivery
    # of the same event; then read the shipment again as it is now.
    lock_order(shipment.order_id)
    db.session.refresh(shipment)
    return shipment


def _seen(provider: str, event_id: str) -> bool:
    return (
        db.session.scalar(
            select(ShipmentEvent.id).where(
                ShipmentEvent.provider == provider, ShipmentEvent.provider_event_id == event_id
            )
        )
        is not None
    )


def record(event: TrackingEvent, provider: str, source: str) -> Recorded:
    """Store one tracking event and apply it: a repeated event changes nothing, an older one
    is kept for the record only, a newer or final one moves the shipment and maybe the order."""
    shipment = _locked_shipment(provider, event.provider_ref)
    if shipment is None:
        row = returns.locked_return(provider, event.provider_ref)
        if row is None:
            return Recorded("unknown_shipment")
        status, changed = returns.record_return_event(row, event)
        return Recorded("changed" if changed else "unchanged", status)
    if _seen(provider, event.provider_event_id):
        return Recorded("duplicate", shipment.status)
    if shipment.cancelled_at is not None:
        return Recorded("unchanged", shipment.status)  # a cancelled label's late scan
    applied = apply_event(shipment.status, shipment.status_at, event)
    db.session.add(
        ShipmentEvent(
            shipment=shipment,
            provider=provider,
            provider_event_id=event.provider_event_id,
            status=event.status,
            occurred_at=event.occurred_at,
            changed=applied.changed,
            source=source,
            detail=event.detail[:2000],
        )
    )
    if shipment.tracking_number is None and event.tracking_number:
        shipment.tracking_number = event.tracking_number[:80]
    if event.tracking_url and (shipment.tracking_url is None or event.tracking_number):
        shipment.tracking_url = event.tracking_url[:500]
    before = shipment.status
    if applied.changed:
        shipment.status, shipment.status_at = applied.status, applied.occurred_at
    db.session.flush()
    _move_order(shipment, before)
    return Recorded("changed" if applied.changed else "unchanged", shipment.status)


def _move_order(shipment: Shipment, before: str) -> None:
    """The order's steps that follow from the shipment, each taken once."""
    order = shipment.order
    number = shipment.tracking_number or shipment.barcode
    if order.fulfilment_status == "received" and number:
        fulfilment.mark_shipped(order.id, number, None)
    if shipment.status == before:
        return
    if shipment.status == "delivered" and order.fulfilment_status == "shipped":
        fulfilment.mark_delivered(order.id, None, delivered_at=shipment.status_at)
    if shipment.status == "returned" and order.fulfilment_status == "shipped":
        # Returned to sender: never delivered, so the makers' money is held (staff follow up:
        # ship again or an admin refunds; services.shipping.returned_parcels).
        fulfilment.mark_returned(order.id, None, returned_at=shipment.status_at)
    audit.record(None, f"shipping.{shipment.status}", order, provider=shipment.provider)


def is_known(provider: str, provider_ref: str) -> bool:
    """Whether a provider's shipment id is one of ours (a label or a return)."""
    for model in (Shipment, returns.ReturnShipment):
        found = db.session.scalar(
            select(model.id).where(model.provider == provider, model.provider_ref == provider_ref)
        )
        if found is not None:
            return True
    return False


def poll(adapter: ShippingAdapter) -> PollResult:
    """Ask the provider about every parcel (labels, then returns) not yet delivered or returned
    and not cancelled, and apply what it says (the catch-up for missed webhooks). One parcel's
    failure is logged and the rest go on."""
    ids = list(
        db.session.scalars(
            select(Shipment.id)
            .where(
                Shipment.provider == adapter.name,
                Shipment.status.not_in(TERMINAL_STATUSES),
                Shipment.cancelled_at.is_(None),
            )
            .order_by(Shipment.id)
        )
    )
    labels = [(db.session.get(Shipment, i), as_label) for i in ids]
    labels += [
        (db.session.get(returns.ReturnShipment, i), returns.label_of)
        for i in returns.pollable(adapter.name)
    ]
    checked = changed = failed = 0
    for shipment, to_label in labels:
        checked += 1
        try:
            event = adapter.track(to_label(shipment))
            if event is None:
                continue
            with db.session.begin_nested():
                outcome = record(event, adapter.name, "poll")
        except (ShippingError, DomainError) as exc:
            log.warning("shipping poll: shipment %s: %s", shipment.provider_ref, exc)
            failed += 1
            continue
        changed += outcome.action == "changed"
    return PollResult(checked=checked, changed=changed, failed=failed)
