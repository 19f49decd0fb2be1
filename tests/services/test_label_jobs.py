"""The label job (``label.buy``): the wish is written in the page's transaction and the label is
bought by the outbox after the commit, once however often the job runs; the batch writes one job
per packed order."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Order, OutboxJob
from coopshop.models.shipping import Shipment
from coopshop.services.core import uow
from coopshop.services.shipping import label_jobs, labels
from coopshop.services.shipping.base import Parcel
from coopshop.services.shipping.carriers import adapter_from_settings
from tests.support.geliver_support import LABEL_PDF, packed_order
from tests.support.staff_support import staff_user

BOX = Parcel(1250, 30, 20, 10)


def _shipments() -> int:
    return db.session.scalar(select(func.count()).select_from(Shipment))


def test_the_wish_is_written_and_the_label_bought_after_the_commit(geliver_app):
    order = packed_order()
    clerk = staff_user()
    job = label_jobs.enqueue(labels.LabelRequest(order.id, BOX), clerk.id)
    assert job.payload["order_id"] == order.id and job.payload["parcel"]["weight_g"] == 1250
    assert geliver_app.requests_to("POST", "/transactions") == []  # nothing before the commit
    uow.rollback()  # a rollback takes the wish away: nothing is bought
    assert db.session.scalars(select(OutboxJob).where(OutboxJob.kind == label_jobs.JOB)).all() == []
    assert geliver_app.requests_to("POST", "/transactions") == []

    job = label_jobs.enqueue(labels.LabelRequest(order.id, BOX), clerk.id)
    payload = dict(job.payload)
    uow.commit()  # testing: the job runs right after the commit
    (shipment,) = db.session.scalars(select(Shipment))
    assert (shipment.weight_g, shipment.label_pdf, shipment.created_by_id) == (
        1250,
        LABEL_PDF,
        clerk.id,
    )
    assert db.session.get(Order, order.id).fulfilment_status == "shipped"
    # The job again (a duplicate nudge, a lease taken over): it finds the label, buys nothing.
    assert label_jobs.run_job(payload) is None
    uow.commit()
    assert _shipments() == 1
    assert len(geliver_app.requests_to("POST", "/transactions")) == 1


def test_the_batch_writes_one_job_per_packed_order(geliver_app):
    first, second = packed_order(), packed_order()
    adapter = adapter_from_settings(current_app.config)
    result = label_jobs.enqueue_batch(labels.today(), BOX, adapter, current_app.config, None)
    assert sorted(result.labelled) == sorted([first.number, second.number])
    jobs = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == label_jobs.JOB)).all()
    assert sorted(j.payload["order_id"] for j in jobs) == sorted([first.id, second.id])
    assert geliver_app.requests_to("POST", "/transactions") == []
    # Asked again before the jobs ran: the orders' labels are on their way, nothing more.
    again = label_jobs.enqueue_batch(labels.today(), BOX, adapter, current_app.config, None)
    assert again.labelled == [] and len(again.failed) == 2
    uow.commit()
    assert _shipments() == 2
    assert len(geliver_app.requests_to("POST", "/transactions")) == 2
