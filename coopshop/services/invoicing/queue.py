"""The invoice queue: issue each pending document once, after the sale has committed.

A worker (an outbox job written with the sale and run after its commit, or ``flask invoices
issue-pending``) claims a row with one conditional UPDATE (pending, or an expired lease) and
commits the claim before calling the integrator, so two workers never send the same row at once;
the UUID is fixed in the row, so even a lost answer is found again on the next try (the
integrator answers 409 and the adapter looks the invoice up). A retryable failure goes back to
``pending`` with a backoff; one that needs a person (refused, not an e-Fatura user, attempts
used up) becomes ``failed``, listed for an admin who can retry it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from coopshop.db import db
from coopshop.models import Invoice, utcnow
from coopshop.services.core import mail, outbox, uow
from coopshop.services.core.errors import InvalidTransition, NotFound
from coopshop.services.invoicing import settings as invoicing_settings
from coopshop.services.invoicing.interface import (
    Buyer,
    InternetSale,
    InvoiceAdapter,
    InvoicingError,
    IssuedInvoice,
    LineInput,
    ReturnOf,
    make_draft,
)
from coopshop.services.invoicing.settings import InvoicingSettings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a claim not finished by then (a crashed worker) is taken over


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failed attempt, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def claim(invoice_id: int, now: datetime) -> bool:
    """Take ``invoice_id`` for this worker: True only for the one worker whose UPDATE matched."""
    result = db.session.execute(
        update(Invoice)
        .where(
            Invoice.id == invoice_id,
            Invoice.status.in_(("pending", "issuing")),
            or_(Invoice.next_attempt_at.is_(None), Invoice.next_attempt_at <= now),
        )
        .values(status="issuing", attempts=Invoice.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def due(now: datetime, limit: int = 100) -> list[int]:
    return list(
        db.session.scalars(
            select(Invoice.id)
            .where(
                Invoice.status.in_(("pending", "issuing")),
                or_(Invoice.next_attempt_at.is_(None), Invoice.next_attempt_at <= now),
            )
            .order_by(Invoice.id)
            .limit(limit)
        )
    )


def _draft(
    invoice: Invoice,
    kind: str,
    now: datetime,
    settings: InvoicingSettings,
    returns: ReturnOf | None = None,
):
    order = invoice.order
    buyer = Buyer(
        name=invoice.buyer_name,
        tax_id=invoice.buyer_tax_id,
        tax_office=invoice.buyer_tax_office,
        address=invoice.buyer_address,
        district=order.ilce,
        city=order.il,
        postal_code=order.postal_code,
        email=invoice.buyer_email,
    )
    internet = None
    if returns is None and order.channel in ("online", "bank_transfer") and order.paid_at:
        method = "KREDIKARTI/BANKAKARTI" if order.channel == "online" else "EFT/HAVALE"
        internet = InternetSale(settings.website or "-", method, order.paid_at)
    lines = [LineInput(name, qty, unit, bp) for name, qty, unit, bp, *_ in invoice.lines]
    return make_draft(
        invoice.uuid,
        kind,
        now,
        buyer,
        lines,
        order_number=order.number,
        internet_sale=internet,
        returns=returns,
    )


def _call(invoice: Invoice, adapter: InvoiceAdapter, now: datetime, settings) -> IssuedInvoice:
    """The one integrator call for the claimed row (the kind is decided once, here)."""
    if invoice.purpose == "cancellation":
        original = invoice.original
        if original.status != "issued":
            raise InvoicingError("waiting", "the invoice is not issued yet", retryable=True)
        return adapter.cancel(original.uuid, invoice.reason, kind=original.kind)
    if invoice.purpose == "return":  # an IADE of the same kind, naming the original
        original = invoice.original
        if original.status != "issued":
            raise InvoicingError("waiting", "the invoice is not issued yet", retryable=True)
        if invoice.kind is None:
            invoice.kind = original.kind
        returns = ReturnOf(original.number, original.issued_at)
        return adapter.issue(_draft(invoice, invoice.kind, now, settings, returns))
    if invoice.kind is None:
        company = len(invoice.buyer_tax_id) == 10
        registered = company and adapter.is_efatura_user(invoice.buyer_tax_id)
        invoice.kind = "efatura" if registered else "earsiv"
    return adapter.issue(_draft(invoice, invoice.kind, now, settings))


def _record(invoice: Invoice, issued: IssuedInvoice, now: datetime) -> None:
    invoice.status = "issued"
    if invoice.purpose in ("sale", "return"):  # a cancellation has no number of its own
        invoice.number = issued.number
    invoice.issued_at = now
    invoice.next_attempt_at = None
    invoice.error_code = invoice.error = None
    invoice.response = {
        "uuid": issued.uuid,
        "number": issued.number,
        "status": issued.status,
        "kind": issued.kind,
    }


def _queue_issued_mail(invoice: Invoice) -> None:
    """Tell the buyer her invoice's number (and its link, where a link can be built: a worker
    without SERVER_NAME cannot, so the mail then points to her order page)."""
    order = invoice.order
    if not order.buyer_email:
        return
    with force_locale(order.customer.locale if order.customer is not None else "tr"):
        try:
            body = render_template(
                "email/invoice_issued.txt", order=order, invoice=invoice, with_link=True
            )
        except RuntimeError:  # url_for outside a request, no SERVER_NAME
            body = render_template(
                "email/invoice_issued.txt", order=order, invoice=invoice, with_link=False
            )
        mail.queue(order.buyer_email, _("Faturanız kesildi: %(number)s", number=invoice.number),
                   body)  # fmt: skip


def _record_failure(invoice: Invoice, exc: InvoicingError, now, settings) -> None:
    invoice.error_code = exc.code[:40]
    invoice.error = exc.message
    if exc.retryable and invoice.attempts < settings.max_attempts:
        invoice.status = "pending"
        invoice.next_attempt_at = now + backoff(invoice.attempts)
    else:
        invoice.status = "failed"
        invoice.next_attempt_at = None


def issue(invoice_id: int, adapter: InvoiceAdapter | None = None, now=None, settings=None) -> str:
    """Claim, call, record: one worker's turn at one row. Returns what became of it
    ("issued", "pending", "failed") or "skipped" when another worker holds it or it is done."""
    now = now or utcnow()
    settings = settings or invoicing_settings.current()
    with uow.unit_of_work():
        claimed = claim(invoice_id, now)
    if not claimed:
        return "skipped"
    adapter = adapter or invoicing_settings.adapter()
    with uow.unit_of_work():
        invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
        try:
            issued = _call(invoice, adapter, now, settings)
        except ValueError as exc:  # a row no invoice can carry (a bad tax id): needs a person
            _record_failure(invoice, InvoicingError("invalid", str(exc), retryable=False), now,
                            settings)  # fmt: skip
        except InvoicingError as exc:
            _record_failure(invoice, exc, now, settings)
            log.warning("invoice %s: %s", invoice.uuid, exc)
        else:
            _record(invoice, issued, now)
            if invoice.purpose == "sale":
                _queue_issued_mail(invoice)
        return invoice.status


def issue_pending(adapter: InvoiceAdapter | None = None, now=None, limit: int = 100) -> dict:
    """Every due row, oldest first (the CLI and cron). Returns a count per outcome."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    for invoice_id in due(now, limit):
        outcome = issue(invoice_id, adapter=adapter, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def retry(invoice_id: int) -> Invoice:
    """An admin's retry of a failed row: back to pending, due now (the queue sends it)."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(_l("Fatura bulunamadı."))
    if invoice.status not in ("failed", "pending"):
        raise InvalidTransition(
            _l("Yalnız gönderilemeyen faturalar yeniden denenir."),
            from_status=invoice.status,
            to_status="pending",
        )
    if invoice.error_code == "totals_mismatch":
        # Its lines are fixed and are not what was paid: sending it again would issue a wrong
        # invoice. The accountant settles it (a correcting document), not a retry.
        raise InvalidTransition(
            _l("Bu faturanın satırları ödenen tutarla uyuşmuyor; yeniden denenemez."),
            from_status=invoice.status,
            to_status="pending",
        )
    invoice.status = "pending"
    invoice.next_attempt_at = None
    db.session.flush()
    enqueue(invoice.id)
    return invoice


JOB = "invoice.issue"


def enqueue(invoice_id: int) -> None:
    """Issue ``invoice_id`` after the commit: a job in the outbox, written with the row."""
    outbox.enqueue(JOB, {"invoice_id": invoice_id})


def run_job(payload: dict) -> datetime | None:
    """The outbox handler: one turn at the row (``issue`` commits its own claim first, the
    outbox's lease keeps other workers off meanwhile). A row that must wait (a retry's backoff,
    another worker's claim) asks the outbox to come back then; issued or failed ends the job
    (a failed row waits for an admin's retry, which queues a new job)."""
    invoice_id = payload["invoice_id"]
    issue(invoice_id)
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    if invoice is not None and invoice.status in ("pending", "issuing"):
        return invoice.next_attempt_at or utcnow()
    return None


def install() -> None:
    outbox.register(JOB, run_job)
