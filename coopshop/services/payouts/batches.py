"""Payouts: close a period into a batch, approve it, export it for the bank, settle its lines.

What a producer can be paid as of a cutoff is her *payable* amount: every credit that had become
available by the cutoff, less every debit booked so far that took effect when it was booked (a
refund of money already payable, a deduction or an earlier payout counts at once, whenever it
was booked) and every other debit that had become available by the cutoff (a refund of a sale
still pending reduces that pending credit, not today's payout). One grouped query gives it for
all producers.

The ledger moves when a batch is **approved**, the moment the cooperative commits to sending the
money (the bank file is exported from an approved batch): one 'payout' transaction per line
debits producer:<id> and credits bank:payouts. So:

- money in an approved batch has already left her balance and cannot be put in a second batch;
  at most one draft exists at a time (a unique index), and closing the same period again finds
  nothing left to pay;
- a refund booked after approval (even before the bank confirms) leaves a negative balance that
  the next batch nets, and the payout never exceeded what was available when it was posted,
  which is what ledger_check_makers.payouts_within_available verifies;
- marking a line paid only records the bank's reference (once: a second time is a Conflict);
- a line that fails, before or after it was marked paid, posts 'payout_failed', which gives the
  money back to her balance (dated at the batch's cutoff, so the next batch includes it).

Approval re-checks every line against her payable amount, so a refund booked between closing and
approving cannot be paid out: the admin cancels the draft and closes the period again. Closing,
approval and failure take each member's lock (services.core.locks) before they read her
balance, the lock every refund and deduction takes too, so none of them reads a balance another
is about to change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from coopshop import turkey
from coopshop.db import db
from coopshop.models import PayoutBatch, PayoutLine, ProducerProfile, utcnow
from coopshop.models.payouts import BATCH_TRANSITIONS
from coopshop.services.books import postings
from coopshop.services.core import audit, locks
from coopshop.services.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from coopshop.services.core.settings import CoopSettings
from coopshop.services.members import iban_changes, notifications, producer_profile
from coopshop.services.payouts import next_payout, withholding
from coopshop.services.payouts.next_payout import LEFT_OUT_REASONS, payable  # noqa: F401
from coopshop.services.payouts.totals import totals
from coopshop.turkey import ISTANBUL


@dataclass(frozen=True)
class LeftOut:
    """A producer with money who was not put in the batch, and why (a LEFT_OUT_REASONS code)."""

    producer_id: int
    name: str
    reason: str
    amount_kurus: int

    def as_dict(self) -> dict:
        return asdict(self)


def normalize_iban(value: str | None) -> str:
    """A Turkish IBAN in compact form (TR + 24 digits, checksum verified), or ValidationFailed.
    The rule is the profile's (services.producer_profile); a payout also needs one at all."""
    iban = producer_profile.normalize_iban(value)
    if iban is None:
        raise ValidationFailed(_l("IBAN girilmemiş."), field="iban")
    return iban


def period_label(batch: PayoutBatch) -> str:
    """The month the batch pays for, as the bank description shows it (2026-11)."""
    return batch.cutoff.astimezone(ISTANBUL).strftime("%Y-%m")


def open_draft() -> PayoutBatch | None:
    return db.session.scalar(select(PayoutBatch).where(PayoutBatch.status == "draft"))


def _refuse_if_draft_open() -> None:
    draft = open_draft()
    if draft is not None:
        raise Conflict(
            _l(
                "Onay bekleyen bir ödeme listesi var (#%(id)d); önce onu onaylayın ya da "
                "iptal edin.",
                id=draft.id,
            ),
            batch_id=draft.id,
        )


def _lines(plan, producers) -> tuple[list[PayoutLine], list[LeftOut]]:
    """The batch's lines and its left-out members, from the plan every "available" shares."""
    lines: list[PayoutLine] = []
    left_out: list[LeftOut] = []
    for producer_id, would in plan.items():
        producer = producers[producer_id]
        if not would.in_batch:
            left_out.append(
                LeftOut(producer_id, producer.display_name, would.reason, would.payable_kurus)
            )
            continue
        lines.append(
            PayoutLine(
                producer_id=producer_id,
                amount_kurus=would.payable_kurus,
                iban=would.iban,
                account_name=(producer.user.name or producer.display_name)[:120],
                status="pending",
                # stopaj by her tax status, at the cutoff
                tax_status=producer.tax_status,
                withholding_bp=would.withholding_bp,
                withholding_kurus=would.withholding_kurus,
            )
        )
    return lines, left_out


def _producers(ids) -> dict[int, ProducerProfile]:
    return {
        p.id: p
        for p in db.session.scalars(
            select(ProducerProfile)
            .where(ProducerProfile.id.in_(list(ids)))
            .options(selectinload(ProducerProfile.user))
        )
    }


def period_cutoff(last_day: date, now: datetime | None = None) -> datetime:
    """The month close's one cutoff: the end of ``last_day`` in Istanbul (its last microsecond),
    or now while that day is still running. A ``last_day`` after today is refused."""
    now = now or utcnow()
    if last_day > turkey.istanbul_date(now):
        raise ValidationFailed(_l("Dönemin son günü bugünden sonra olamaz."), field="cutoff")
    return min(turkey.last_moment(last_day), now)


def close_month(
    last_day: date,
    actor_id: int | None,
    settings: CoopSettings,
    now: datetime | None = None,
) -> tuple[PayoutBatch | None, list[LeftOut]]:
    """Close the period ending on ``last_day`` (an Istanbul date) at its ``period_cutoff``: the
    admin's close page and the API's POST /payouts."""
    now = now or utcnow()
    return close_period(period_cutoff(last_day, now), actor_id, settings, now=now)


def close_period(
    cutoff: datetime,
    actor_id: int | None,
    settings: CoopSettings,
    now: datetime | None = None,
) -> tuple[PayoutBatch | None, list[LeftOut]]:
    """Put every producer whose payable amount as of ``cutoff`` reaches the minimum, who is an
    active member and has a valid Turkish IBAN, in a new draft batch (one line each). The others
    with money come back in ``left_out`` with the reason. Nothing to pay: (None, left_out), and
    nothing is written. A draft already open raises Conflict.

    Each line is paid to the IBAN in force now: a change whose hold is over is applied first; one
    still on hold is not used (she is paid to her old IBAN, or held back if she had none)."""
    now = now or utcnow()
    if cutoff > now:
        raise ValidationFailed(_l("Dönem sonu gelecekte olamaz."), field="cutoff")
    _refuse_if_draft_open()
    amounts = payable(cutoff)
    # IBAN changes first (they lock the change, then her profile, as a confirmation does), then
    # lock everyone with money and read again: a refund that committed meanwhile is counted.
    iban_changes.settle_due(now, list(amounts))
    amounts = payable(cutoff, locks.lock_members(amounts))
    held = iban_changes.on_hold(list(amounts), now)
    producers = _producers(amounts)
    ibans = {p.id: p.iban for p in producers.values()}  # due IBAN changes applied just above
    # The one rule every "available" shows (services.payouts.next_payout).
    plan = next_payout.plan(amounts, producers, ibans, held, settings, cutoff)
    lines, left_out = _lines(plan, producers)
    if not lines:
        return None, left_out

    batch = PayoutBatch(
        cutoff=cutoff,
        status="draft",
        created_by_id=actor_id,
        created_at=now,
        left_out=[item.as_dict() for item in left_out],
        lines=lines,
    )
    db.session.add(batch)
    try:
        db.session.flush()
    except IntegrityError:
        # Another admin's draft was committed while this one was being built.
        raise Conflict(
            _l("Aynı anda başka bir ödeme listesi hazırlandı; sayfayı yenileyin.")
        ) from None
    audit.record(
        actor_id,
        "payout.batch_closed",
        batch,
        cutoff=cutoff.isoformat(),
        lines=len(lines),
        total_kurus=totals(batch).all.gross_kurus,
        left_out=len(left_out),
    )
    return batch, left_out


def _lock_batch(batch_id: int) -> PayoutBatch:
    batch = locks.lock_or_404(PayoutBatch, batch_id, _l("Ödeme listesi bulunamadı."))
    return batch


def _transition(batch: PayoutBatch, to: str) -> None:
    if to not in BATCH_TRANSITIONS[batch.status]:
        raise InvalidTransition(
            _l("Ödeme listesi #%(id)d bu duruma geçemez.", id=batch.id),
            from_status=batch.status,
            to_status=to,
        )
    batch.status = to


def approve(
    batch_id: int, actor_id: int, settings: CoopSettings, now: datetime | None = None
) -> PayoutBatch:
    """Approve a draft and post its payouts. With ``payout_two_admins`` the approver must not be
    the admin who closed the period (Forbidden). A line larger than what she may be paid now
    (a refund since closing) raises Conflict and nothing is posted."""
    batch = _lock_batch(batch_id)
    if batch.status != "draft":
        raise InvalidTransition(
            _l("Yalnız taslak bir ödeme listesi onaylanabilir."), from_status=batch.status
        )
    if settings.payout_two_admins and batch.created_by_id == actor_id:
        raise Forbidden(_l("Bu listeyi siz hazırladınız; ikinci bir yönetici onaylamalı."))
    # Her lock first, then her balance: a refund that committed before is read here, and one
    # that comes after waits for this approval and sees the payout.
    current = payable(batch.cutoff, locks.lock_members(line.producer_id for line in batch.lines))
    now = now or utcnow()  # after the wait, so the books' order is the commit order
    changed = [line for line in batch.lines if line.amount_kurus > current.get(line.producer_id, 0)]
    if changed:
        raise Conflict(
            _l(
                "Liste hazırlandıktan sonra şu üreticilerin bakiyesi azaldı: %(names)s. Listeyi "
                "iptal edip dönemi yeniden kapatın.",
                names=", ".join(line.account_name for line in changed),
            ),
            producer_ids=[line.producer_id for line in changed],
        )
    label = period_label(batch)
    for line in batch.lines:
        postings.post_payout(
            line,
            batch.cutoff,
            f"Ödeme {label} #{line.id}" + withholding.memo_suffix(line),
            actor_id=actor_id,
            now=now,
        )
    _transition(batch, "approved")
    batch.approved_by_id = actor_id
    batch.approved_at = now
    notifications.payout_approved(batch.lines)
    audit.record(
        actor_id,
        "payout.batch_approved",
        batch,
        lines=len(batch.lines),
        total_kurus=totals(batch).all.gross_kurus,
    )
    return batch


def cancel(batch_id: int, actor_id: int) -> PayoutBatch:
    """Drop a draft (nothing was posted); its producers' money stays in their balances."""
    batch = _lock_batch(batch_id)
    _transition(batch, "cancelled")
    audit.record(actor_id, "payout.batch_cancelled", batch)
    return batch


def get_batch(batch_id: int) -> PayoutBatch:
    batch = db.session.scalar(
        select(PayoutBatch)
        .where(PayoutBatch.id == batch_id)
        .options(selectinload(PayoutBatch.lines))
    )
    if batch is None:
        raise NotFound(_l("Ödeme listesi bulunamadı."))
    return batch


@dataclass(frozen=True)
class BatchSummary:
    batch: PayoutBatch
    lines: int
    total_kurus: int
    paid_kurus: int
    failed_kurus: int


def recent_batches(limit: int = 50) -> list[BatchSummary]:
    """The newest batches with their line counts and totals, in one grouped query."""

    def total_if(*conditions):
        return func.coalesce(
            func.sum(case((and_(*conditions), PayoutLine.amount_kurus), else_=0)), 0
        )

    rows = db.session.execute(
        select(
            PayoutBatch,
            func.count(PayoutLine.id),
            func.coalesce(func.sum(PayoutLine.amount_kurus), 0),
            total_if(PayoutLine.status == "paid"),
            total_if(PayoutLine.status == "failed"),
        )
        .outerjoin(PayoutLine, PayoutLine.batch_id == PayoutBatch.id)
        .group_by(PayoutBatch.id)
        .order_by(PayoutBatch.id.desc())
        .limit(limit)
    )
    return [
        BatchSummary(batch, int(n), int(total), int(paid), int(failed))
        for batch, n, total, paid, failed in rows
    ]
