"""API: payout batches for the accountant, through services.payouts (close a period, approve,
settle lines). Money in a draft or approved batch is never put in a second one: the service
allows one draft at a time and approval moves the money out of the balance."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from coopshop import turkey
from coopshop.api.auth import api_user
from coopshop.api.errors import ApiError
from coopshop.api.routes import operation
from coopshop.api.schemas import (
    FailedIn,
    LeftOutOut,
    NothingToPayOut,
    PaidIn,
    PayoutBatchOut,
    PayoutIn,
    PayoutLineOut,
)
from coopshop.db import db
from coopshop.models import PayoutBatch, PayoutLine
from coopshop.services.core import settings as settings_service
from coopshop.services.core import uow
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_lines
from coopshop.services.payouts.totals import totals


def _left_out(items) -> list[LeftOutOut]:
    return [
        LeftOutOut(
            producer_id=item["producer_id"],
            name=item.get("name", ""),
            reason=item["reason"],
            amount_kurus=item.get("amount_kurus", 0),
        )
        for item in items or []
    ]


def line_out(line: PayoutLine) -> PayoutLineOut:
    return PayoutLineOut(
        id=line.id,
        producer_id=line.producer_id,
        account_name=line.account_name,
        amount_kurus=line.amount_kurus,
        iban=line.iban,
        status=line.status,
        bank_reference=line.bank_reference,
        failure_reason=line.failure_reason,
        settled_at=line.settled_at,
    )


def batch_out(batch: PayoutBatch) -> PayoutBatchOut:
    return PayoutBatchOut(
        id=batch.id,
        status=batch.status,
        cutoff=batch.cutoff,
        created_at=batch.created_at,
        created_by_id=batch.created_by_id,
        approved_at=batch.approved_at,
        approved_by_id=batch.approved_by_id,
        total_kurus=totals(batch).all.gross_kurus,
        lines=[line_out(line) for line in batch.lines],
        left_out=_left_out(batch.left_out),
    )


@operation(
    "POST",
    "/payouts",
    summary="Close a period into a payout batch (admin)",
    tag="payouts",
    roles=("admin",),
    body=PayoutIn,
    response=PayoutBatchOut,
    status=201,
    also={200: NothingToPayOut},
    errors=(409, 422),
)
def close_period(body: PayoutIn):
    """A draft batch paying every active member whose payable amount as of the end of
    ``cutoff``'s day in Istanbul (the month close's one cutoff, or now if that day is still
    running) reaches the minimum, to her IBAN; the others with money are listed in ``left_out``
    with the reason. 409 while another draft is open. Nobody to pay: 200 with ``batch`` null."""
    last_day = turkey.istanbul_date(body.cutoff)
    batch, left_out = payouts.close_month(last_day, api_user().id, settings_service.current())
    uow.commit()
    if batch is None:
        return NothingToPayOut(left_out=_left_out(item.as_dict() for item in left_out)), 200
    return batch_out(payouts.get_batch(batch.id))


@operation(
    "GET",
    "/payouts/{batch_id}",
    summary="One payout batch (admin)",
    tag="payouts",
    roles=("admin",),
    response=PayoutBatchOut,
)
def get_payout(batch_id: int):
    """A batch with its lines and who was left out."""
    return batch_out(payouts.get_batch(batch_id))


@operation(
    "POST",
    "/payouts/{batch_id}/approve",
    summary="Approve a draft batch (admin; a second admin where two are required)",
    tag="payouts",
    roles=("admin",),
    response=PayoutBatchOut,
    errors=(409,),
)
def approve_payout(batch_id: int):
    """Approve a draft and post its payouts to the ledger. Where the setting asks for two
    admins, the admin who closed the period gets 403. A balance that shrank since closing
    answers 409 and nothing is posted."""
    payouts.approve(batch_id, api_user().id, settings_service.current())
    uow.commit()
    return batch_out(payouts.get_batch(batch_id))


def _line_of(batch_id: int, line_id: int) -> PayoutLine:
    line = db.session.get(PayoutLine, line_id)
    if line is None or line.batch_id != batch_id:
        raise ApiError(404, "not_found", _l("Ödeme satırı bulunamadı."))
    return line


@operation(
    "POST",
    "/payouts/{batch_id}/lines/{line_id}/paid",
    summary="Record the bank's reference for a paid line (admin)",
    tag="payouts",
    roles=("admin",),
    body=PaidIn,
    response=PayoutLineOut,
    errors=(409, 422),
)
def mark_paid(batch_id: int, line_id: int, body: PaidIn):
    """A line of an approved batch was paid by the bank. Once: a line already paid (or failed)
    answers 409."""
    _line_of(batch_id, line_id)
    line = payout_lines.mark_line_paid(line_id, body.reference, api_user().id)
    uow.commit()
    return line_out(line)


@operation(
    "POST",
    "/payouts/{batch_id}/lines/{line_id}/failed",
    summary="A line the bank did not pay (admin)",
    tag="payouts",
    roles=("admin",),
    body=FailedIn,
    response=PayoutLineOut,
    errors=(409, 422),
)
def mark_failed(batch_id: int, line_id: int, body: FailedIn):
    """The transfer failed (wrong IBAN, closed account): the money goes back to her balance.
    Once: a line already failed answers 409."""
    _line_of(batch_id, line_id)
    line = payout_lines.mark_line_failed(line_id, body.reason, api_user().id)
    uow.commit()
    return line_out(line)
