"""A label bought from the shipping aggregator (Geliver) by a job (``label.buy``), never inside
the staff page's request.

The fulfilment page (one order) or its batch (every packed order of the day) writes the wish —
the order, its box and the chosen offer, if any — as an outbox job and answers at once. The job
runs ``labels.buy`` (under the order's row lock, once per order: a second run finds the stored
label and buys nothing), which stores the label, its PDF and the tracking number and marks the
order shipped. A refusal (a bad address, no offer) ends the job as failed with the carrier's
message, shown on the order's fulfilment card with its label form to try again (which gives
that job a fresh set of attempts rather than writing another); a timeout or a 5xx is retried
with the outbox's backoff. The manual adapter (a typed tracking number) calls nobody and stays
in the page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, OutboxJob
from coopshop.services.core import outbox
from coopshop.services.core.errors import Conflict, DomainError, ValidationFailed
from coopshop.services.shipping import labels, parcels
from coopshop.services.shipping.base import Offer, Parcel, ShippingAdapter, ShippingError
from coopshop.services.shipping.carriers import adapter_from_settings

JOB = "label.buy"
_ADAPTER = "coopshop.shipping.jobs"  # app.extensions: the jobs' adapter, per settings


class CarrierUnanswered(Exception):  # noqa: N818 (a state of the partner, not of the code)
    """The aggregator timed out or failed on its side: the outbox tries again later."""


def _payload(request: labels.LabelRequest, actor_id: int | None) -> dict:
    return {
        "order_id": request.order_id,
        "parcel": dataclasses.asdict(request.parcel),
        "offer": dataclasses.asdict(request.offer) if request.offer is not None else None,
        "carrier": request.carrier,
        "actor_id": actor_id,
    }


def _request(payload: dict) -> labels.LabelRequest:
    offer = payload.get("offer")
    return labels.LabelRequest(
        int(payload["order_id"]),
        Parcel(**payload["parcel"]),
        offer=Offer(**offer) if offer else None,
        carrier=payload.get("carrier"),
    )


def jobs_for(order_ids: list[int]) -> dict[int, OutboxJob]:
    """Each order's latest label job not done (waiting, retrying or given up), by order id."""
    if not order_ids:
        return {}
    wanted = set(order_ids)
    rows = db.session.scalars(
        select(OutboxJob)
        .where(OutboxJob.kind == JOB, OutboxJob.done_at.is_(None))
        .order_by(OutboxJob.id)
    )
    found: dict[int, OutboxJob] = {}
    for job in rows:
        order_id = (job.payload or {}).get("order_id")
        if order_id in wanted:
            found[order_id] = job
    return found


def failure(job: OutboxJob | None) -> str | None:
    """The carrier's message of a job that gave up or waits for a retry, as staff read it."""
    if job is None or not job.last_error:
        return None
    _, _, message = job.last_error.partition(": ")  # "<exception name>: <message>"
    return message or job.last_error


def enqueue(request: labels.LabelRequest, actor_id: int | None) -> OutboxJob:
    """Write the wish for ``request``'s label; the job buys it after the commit. An order whose
    label is being bought already is refused; one whose last try failed gets that job again."""
    order = labels._packed(request.order_id)
    existing = labels.shipment_for(order.id)
    if existing is not None and existing.cancelled_at is None:
        raise Conflict(_l("Bu siparişin etiketi zaten alınmış."))
    job = jobs_for([order.id]).get(order.id)
    if job is not None and job.failed_at is None:
        raise Conflict(
            _l(
                "Sipariş %(number)s için etiket zaten isteniyor; biraz bekleyin.",
                number=order.number,
            )
        )
    if job is None:
        return outbox.enqueue(JOB, _payload(request, actor_id))
    job.payload = _payload(request, actor_id)  # the box or offer chosen this time
    outbox.retry([job.id])
    return job


def enqueue_batch(
    day: date, parcel: Parcel, adapter: ShippingAdapter, settings: Mapping, actor_id: int | None
) -> labels.BatchResult:
    """A label job (default carrier) for every order ``labels.packed_by(day)`` whose label is
    not asked for already, each in its box from its products. ``labelled`` lists the orders
    queued; ``failed`` those whose label is on its way already."""
    if adapter.name == "manual":
        raise ValidationFailed(_l("El ile kargoda toplu etiket yok: takip numaralarını yazın."))
    result = labels.BatchResult()
    order_ids = labels.packed_by(day)
    boxes = parcels.for_orders(order_ids, settings, fallback=parcel)
    for order_id in order_ids:
        number = db.session.get(Order, order_id).number
        try:
            enqueue(labels.LabelRequest(order_id, boxes[order_id]), actor_id)
        except DomainError as exc:
            result.failed.append((number, str(exc.message)))
        else:
            result.labelled.append(number)
    return result


def _adapter() -> ShippingAdapter:
    """The configured adapter, made once per settings (Geliver's keeps its sender address)."""
    config = current_app.config
    key = tuple(
        (n, repr(config[n])) for n in sorted(config) if n.startswith(("SHIPPING_", "GELIVER_"))
    )
    cached = current_app.extensions.get(_ADAPTER)
    if cached is None or cached[0] != key:
        cached = (key, adapter_from_settings(config))
        current_app.extensions[_ADAPTER] = cached
    return cached[1]


def run_job(payload: dict) -> None:
    """The outbox handler: buy (or find) the order's label. A refusal gives up with the
    carrier's message; a timeout or a failure on its side is retried."""
    request = _request(payload)
    existing = labels.shipment_for(request.order_id)
    if existing is not None and existing.cancelled_at is None:
        return None  # bought already (an earlier run, the batch, a double click)
    try:
        adapter = _adapter()
        labels.buy(request, adapter, current_app.config, payload.get("actor_id"))
    except ShippingError as exc:  # the settings name a provider without its key
        raise outbox.GiveUp(str(exc.message)) from exc
    except DomainError as exc:
        cause = exc.__cause__
        if isinstance(cause, ShippingError) and cause.retryable:
            raise CarrierUnanswered(str(exc.message)) from exc
        raise outbox.GiveUp(str(exc.message)) from exc
    return None


def install() -> None:
    outbox.register(JOB, run_job)
