"""A card refund sent to its provider by a job (``refund.send``), never inside a page request.

The page, the API or a withdrawal's refund writes the RefundRequest (step 1 of
services.sales.refund_flow, with its idempotency key) and, in the same transaction, this job;
the answer goes back at once with the request pending. After the commit the outbox runs the
job (an RQ worker, or in-process after the response without Redis), which asks the order's
provider through ``refund_flow.send`` (steps 2 and 3, its lookup-before-refund protocol
unchanged). A provider's refusal leaves the request failed with its message; an unreachable
provider leaves it pending with the error, and the job is retried with the outbox's backoff.
The admin's retry button puts the request's waiting job forward, or queues a new one.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import OutboxJob, RefundRequest, utcnow
from coopshop.services.core import outbox, uow
from coopshop.services.sales import payments, refund_flow

log = logging.getLogger(__name__)

JOB = "refund.send"


class ProviderUnanswered(Exception):  # noqa: N818 (a state of the partner, not of the code)
    """The provider could not be reached or answered nothing usable: the request stays pending
    (what ``send`` wrote is committed) and the outbox tries again after its backoff."""


def enqueue(request_id: int, actor_id: int | None) -> OutboxJob:
    """Send ``request_id`` to its provider after the commit: a job written with the request."""
    return outbox.enqueue(JOB, {"request_id": request_id, "actor_id": actor_id})


def open_job(request_id: int) -> OutboxJob | None:
    """The request's job still waiting or retrying (not done, not given up), if any."""
    rows = db.session.scalars(
        select(OutboxJob).where(
            OutboxJob.kind == JOB, OutboxJob.done_at.is_(None), OutboxJob.failed_at.is_(None)
        )
    )
    return next((j for j in rows if (j.payload or {}).get("request_id") == request_id), None)


def retry(request_id: int, actor_id: int | None) -> bool:
    """The admin's retry of a pending request: its waiting job now, else a new job. False when
    the request was settled already (nothing queued); the provider answers the job."""
    request = refund_flow._get_request(request_id)
    if request.status != "pending":
        return False
    job = open_job(request.id)
    if job is None:
        enqueue(request.id, actor_id)
    else:
        job.available_at = utcnow()
        db.session.flush()
        uow.after_commit(outbox.Nudge()).job_ids.append(job.id)
    return True


def run_job(payload: dict) -> None:
    """The outbox handler: one attempt at the provider. Done when the request is booked or
    refused (or was finished already, by the webhook or an earlier run); raises to be retried
    when the provider did not answer."""
    request_id = int(payload["request_id"])
    request = db.session.get(RefundRequest, request_id)
    if request is None or request.status != "pending":
        return None
    provider = payments.refund_provider(current_app.config, request.order)
    if provider is None:
        raise outbox.GiveUp(
            f"{payments.refund_provider_name(request.order)} is not configured; "
            "the request waits for an admin's retry"
        )
    done = refund_flow.send(request.id, provider, payload.get("actor_id"))
    if done.status == "pending":
        error = done.error or "no answer"
        uow.commit()  # keep what this attempt learnt (iyzico's parts made, the error)
        log.warning("refund request %s still pending: %s", request_id, error)
        raise ProviderUnanswered(error)
    return None


def install() -> None:
    outbox.register(JOB, run_job)
