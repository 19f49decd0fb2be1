"""One line of an approved payout batch at the bank: paid (with the bank's reference) or failed
(the money is hers again through postings.post_payout_failed); the batch is settled when none
is left open.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from coopshop.models import PayoutBatch, PayoutLine, utcnow
from coopshop.services.books import postings
from coopshop.services.core import audit, locks
from coopshop.services.core.errors import (
    Conflict,
    ValidationFailed,
)
from coopshop.services.members import notifications
from coopshop.services.payouts import member_invoices
from coopshop.services.payouts.batches import _lock_batch, _transition, period_label


def _lock_line(line_id: int) -> PayoutLine:
    return locks.lock_or_404(PayoutLine, line_id, _l("Ödeme satırı bulunamadı."))


def _settle_if_done(batch: PayoutBatch) -> None:
    if batch.status == "approved" and all(line.status != "pending" for line in batch.lines):
        _transition(batch, "paid")


def mark_line_paid(
    line_id: int, bank_reference: str, actor_id: int, now: datetime | None = None
) -> PayoutLine:
    """Record the bank's reference for a line of an approved batch. Once: Conflict after."""
    reference = (bank_reference or "").strip()
    if not reference:
        raise ValidationFailed(_l("Banka referansını yazın."), field="bank_reference")
    if len(reference) > 80:
        raise ValidationFailed(_l("Banka referansı en fazla 80 karakter olabilir."))
    line = _lock_line(line_id)
    batch = _lock_batch(line.batch_id)
    if batch.status == "draft" or batch.status == "cancelled":
        raise Conflict(_l("Önce ödeme listesi onaylanmalı."), batch_id=batch.id)
    if line.status == "paid":
        raise Conflict(_l("Bu satır zaten ödendi olarak işaretlenmiş."), line_id=line.id)
    if line.status == "failed":
        raise Conflict(
            _l("Başarısız bir satır ödendi olarak işaretlenemez; tutar bakiyeye döndü."),
            line_id=line.id,
        )
    member_invoices.require_invoice(line)  # a sole trader's line waits for her invoice
    line.status = "paid"
    line.bank_reference = reference
    line.settled_at = now or utcnow()
    _settle_if_done(batch)
    notifications.payout_paid(line)
    audit.record(
        actor_id,
        "payout.line_paid",
        line,
        batch_id=batch.id,
        producer_id=line.producer_id,
        amount_kurus=line.amount_kurus,
        bank_reference=reference,
    )
    return line


def mark_line_failed(
    line_id: int, reason: str, actor_id: int, now: datetime | None = None
) -> PayoutLine:
    """The bank did not pay a line (wrong IBAN, closed account), before or after it was marked
    paid: post 'payout_failed' so the money is hers again. Once: Conflict after."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Bir açıklama yazın."), field="reason")
    now = now or utcnow()
    line = _lock_line(line_id)
    batch = _lock_batch(line.batch_id)
    locks.lock_members([line.producer_id])  # her money comes back: serialized with her debits
    if batch.status not in ("approved", "paid"):
        raise Conflict(_l("Önce ödeme listesi onaylanmalı."), batch_id=batch.id)
    if line.status == "failed":
        raise Conflict(_l("Bu satır zaten başarısız olarak işaretlenmiş."), line_id=line.id)
    postings.post_payout_failed(
        line,
        batch.cutoff,
        f"Ödeme geri döndü {period_label(batch)} #{line.id}: {reason}",
        actor_id=actor_id,
        now=now,
    )
    was = line.status
    line.status = "failed"
    line.failure_reason = reason
    line.settled_at = now
    _settle_if_done(batch)
    audit.record(
        actor_id,
        "payout.line_failed",
        line,
        batch_id=batch.id,
        producer_id=line.producer_id,
        amount_kurus=line.amount_kurus,
        was=was,
        reason=reason,
    )
    return line
