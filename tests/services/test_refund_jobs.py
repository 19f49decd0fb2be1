"""The card refund job (``refund.send``): the refund is written down in the caller's
transaction and sent to the provider by the outbox after the commit; the job books it once
however often it runs, and an unreachable provider is retried with the outbox's backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
import stripe
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import OutboxJob, Refund, RefundRequest, utcnow
from coopshop.services.books.ledger_check import check
from coopshop.services.core import outbox, uow
from coopshop.services.sales import payments, refund_jobs, refund_start
from coopshop.services.sales.payments import StripeProvider
from tests.support.factories import ProductFactory, UserFactory
from tests.support.reconcile_support import stripe_paid_order
from tests.support.stripe_support import WEBHOOK_SECRET


@pytest.fixture
def stripe_app(app, localstripe, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_local")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", localstripe)
    return StripeProvider("sk_test_local", WEBHOOK_SECRET, api_base=localstripe)


def _start(app, order, amount: int) -> RefundRequest:
    admin = UserFactory(role="admin")
    return refund_start.start(
        order,
        [(order.lines[0].id, amount)],
        0,
        "Renk",
        admin.id,
        provider=payments.refund_provider(app.config, order),
    )


def _refund_jobs() -> list[OutboxJob]:
    return list(db.session.scalars(select(OutboxJob).where(OutboxJob.kind == refund_jobs.JOB)))


def test_the_request_and_its_job_are_written_together_and_stripe_is_asked_after(app, stripe_app):
    order, charge = stripe_paid_order(stripe_app, [(ProductFactory(price_kurus=50000), 1)])
    request = _start(app, order, 20000)
    assert request.status == "pending"
    [job] = _refund_jobs()
    assert job.payload["request_id"] == request.id
    assert stripe_app.refunds_for_charge(charge) == []  # nothing sent before the commit
    uow.rollback()  # a rollback takes both away: no request, no job, nothing at Stripe
    assert _refund_jobs() == [] and db.session.scalars(select(RefundRequest)).all() == []
    assert stripe_app.refunds_for_charge(charge) == []


def test_a_job_run_twice_books_the_refund_once(app, stripe_app):
    order, charge = stripe_paid_order(stripe_app, [(ProductFactory(price_kurus=50000), 1)])
    request = _start(app, order, 20000)
    request_id = request.id
    uow.commit()  # testing: the job runs right after the commit
    [job] = _refund_jobs()
    assert job.done_at is not None
    # The same job again (a duplicate nudge), and a second job for the same request.
    assert refund_jobs.run_job({"request_id": request_id, "actor_id": None}) is None
    refund_jobs.enqueue(request_id, None)
    uow.commit()
    assert outbox.drain(now=utcnow() + timedelta(minutes=5)) == {}
    (at_stripe,) = stripe_app.refunds_for_charge(charge)
    (refund,) = db.session.scalars(select(Refund))
    assert (refund.amount_kurus, refund.provider_ref, at_stripe["amount"]) == (
        20000,
        at_stripe["id"],
        20000,
    )
    assert db.session.get(RefundRequest, request_id).status == "succeeded"
    assert check() == []


def test_stripe_down_leaves_the_request_pending_and_the_job_is_retried(
    app, stripe_app, monkeypatch
):
    order, charge = stripe_paid_order(stripe_app, [(ProductFactory(price_kurus=50000), 1)])

    def unreachable(*args, **kwargs):
        raise stripe.APIConnectionError("bağlantı yok")

    with monkeypatch.context() as offline:
        offline.setattr(StripeProvider, "refund", unreachable)
        request_id = _start(app, order, 50000).id
        uow.commit()
        [job] = _refund_jobs()
        assert (job.attempts, job.done_at, job.failed_at) == (1, None, None)
        assert job.available_at > utcnow()  # the backoff
        request = db.session.get(RefundRequest, request_id)
        assert (request.status, request.error) == ("pending", "bağlantı yok")
        assert outbox.drain(kinds=(refund_jobs.JOB,)) == {}  # not due yet
        assert outbox.drain(now=utcnow() + timedelta(minutes=5), kinds=(refund_jobs.JOB,)) == {
            "retry": 1
        }
    assert db.session.scalar(select(func.count(Refund.id))) == 0
    assert outbox.drain(now=utcnow() + timedelta(minutes=10), kinds=(refund_jobs.JOB,)) == {
        "done": 1
    }
    db.session.expire_all()
    assert db.session.get(RefundRequest, request_id).status == "succeeded"
    assert [r["amount"] for r in stripe_app.refunds_for_charge(charge)] == [50000]
    assert [r.amount_kurus for r in db.session.scalars(select(Refund))] == [50000]
    assert check() == []


def test_a_refusal_fails_the_request_with_stripes_message_and_ends_the_job(
    app, stripe_app, monkeypatch
):
    order, charge = stripe_paid_order(stripe_app, [(ProductFactory(price_kurus=50000), 1)])

    def refused(*args, **kwargs):
        raise stripe.InvalidRequestError("Charge has been disputed", param=None)

    monkeypatch.setattr(StripeProvider, "refund", refused)
    request_id = _start(app, order, 50000).id
    uow.commit()
    [job] = _refund_jobs()
    assert job.done_at is not None and job.attempts == 0
    request = db.session.get(RefundRequest, request_id)
    assert (request.status, request.error) == ("failed", "Charge has been disputed")
    assert db.session.scalar(select(func.count(Refund.id))) == 0
    assert stripe_app.refunds_for_charge(charge) == []
