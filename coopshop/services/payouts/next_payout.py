"""What the next payout batch would pay each member: the one "available" number.

Her dashboard, her home page, the admin's member page and ``/api/v1/me/balance`` all show
``NextPayout.available_kurus``, and ``batches.close_period`` builds its lines from the very same
``plan`` — so the number she reads as available is, to the kuruş, what the bank file would send
her if the period were closed now: her payable amount (services.payouts.batches.payable: every
credit that has become available, less refunds, deductions, spread fees and earlier payouts),
less the withholding her tax status calls for at the cutoff, and nothing at all when the batch
would leave her out (below the minimum, a negative balance, an inactive membership, no valid
IBAN in force, her first IBAN still on hold). ``payable_kurus`` and ``reason`` say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import IbanChange, LedgerEntry, ProducerProfile, utcnow
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.members import iban_changes, producer_profile
from coopshop.services.payouts import withholding

LEFT_OUT_REASONS = (
    "below_minimum",
    "negative_balance",
    "not_active",
    "no_iban",
    "invalid_iban",
    "iban_on_hold",  # her first IBAN is still within its hold (services.members.iban_changes)
)


def payable(cutoff: datetime, producer_ids: list[int] | None = None) -> dict[int, int]:
    """What each producer may be paid as of ``cutoff`` (see the module docstring), in kuruş, in
    one grouped query. Producers whose amount is zero are left out."""
    counts = or_(
        LedgerEntry.available_at.is_(None),
        LedgerEntry.available_at <= cutoff,
        # A debit that took effect when it was booked (a refund of money already payable, a
        # deduction, a payout) counts whenever it was booked; one that waits with the credit it
        # reverses (a refund of a sale still pending, an availability move) counts with it.
        and_(LedgerEntry.amount_kurus > 0, LedgerEntry.available_at <= LedgerEntry.created_at),
    )
    amount = -func.coalesce(func.sum(case((counts, LedgerEntry.amount_kurus), else_=0)), 0)
    query = (
        select(LedgerEntry.producer_id, amount.label("payable"))
        .where(LedgerEntry.producer_id.is_not(None))
        .group_by(LedgerEntry.producer_id)
    )
    if producer_ids is not None:
        query = query.where(LedgerEntry.producer_id.in_(producer_ids))
    return {pid: int(total) for pid, total in db.session.execute(query) if int(total) != 0}


@dataclass(frozen=True)
class NextPayout:
    """A member's line in a batch closed at ``cutoff`` (or why there would be none)."""

    producer_id: int
    payable_kurus: int  # what the line would take from her balance
    withholding_bp: int
    withholding_kurus: int
    reason: str | None  # a LEFT_OUT_REASONS code, or None: she is in the batch
    iban: str | None  # the IBAN the line would pay (compact), when she is in the batch

    @property
    def in_batch(self) -> bool:
        return self.reason is None

    @property
    def available_kurus(self) -> int:
        """What the bank would send her: the line's amount less the withholding, or 0."""
        return self.payable_kurus - self.withholding_kurus if self.in_batch else 0


def iban_problem(value: str | None) -> str | None:
    if not value or not value.strip():
        return "no_iban"
    try:
        if producer_profile.normalize_iban(value) is None:
            return "no_iban"
    except ValidationFailed:
        return "invalid_iban"
    return None


def _reason(amount: int, producer: ProducerProfile, iban: str | None, held: bool, minimum: int):
    if amount < 0:
        return "negative_balance"
    if amount < minimum or amount == 0:
        return "below_minimum"
    if producer.membership_status != "active":
        return "not_active"
    problem = iban_problem(iban)
    if problem == "no_iban" and held:
        return "iban_on_hold"
    return problem


def plan(
    amounts: Mapping[int, int],
    producers: Mapping[int, ProducerProfile],
    ibans: Mapping[int, str | None],
    held: Iterable[int],
    settings: CoopSettings,
    cutoff: datetime,
) -> dict[int, NextPayout]:
    """Each member's would-be line from her payable amount, her profile, the IBAN in force and
    whether a first IBAN is on hold. The rule close_period and every "available" share."""
    held = set(held)
    found: dict[int, NextPayout] = {}
    for producer_id in sorted(producers):
        producer, amount = producers[producer_id], amounts.get(producer_id, 0)
        iban = ibans.get(producer_id)
        reason = _reason(amount, producer, iban, producer_id in held, settings.payout_minimum_kurus)
        bp = withholding.rate_bp(producer.tax_status, at=cutoff) if reason is None else 0
        found[producer_id] = NextPayout(
            producer_id=producer_id,
            payable_kurus=amount,
            withholding_bp=bp,
            withholding_kurus=withholding.withholding(amount, bp) if reason is None else 0,
            reason=reason,
            iban=producer_profile.normalize_iban(iban) if reason is None else None,
        )
    return found


def _ibans_in_force(producers: Iterable[ProducerProfile], now: datetime) -> dict[int, str | None]:
    """Her IBAN as a batch closed now would use it: a change whose hold is over counts as
    applied (close_period applies it first), one still on hold does not. Read only."""
    ibans = {p.id: p.iban for p in producers}
    due = db.session.scalars(
        select(IbanChange)
        .where(
            IbanChange.producer_id.in_(list(ibans)),
            IbanChange.status == "pending",
            IbanChange.hold_until <= now,
        )
        .order_by(IbanChange.id)
    )
    for change in due:
        ibans[change.producer_id] = change.new_iban
    return ibans


def next_payouts(
    producer_ids: list[int], settings: CoopSettings, now: datetime | None = None
) -> dict[int, NextPayout]:
    """What a batch closed now would pay each of ``producer_ids``, in four queries, writing
    nothing."""
    now = now or utcnow()
    producers = {
        p.id: p
        for p in db.session.scalars(
            select(ProducerProfile)
            .where(ProducerProfile.id.in_(producer_ids))
            .options(selectinload(ProducerProfile.user))
        )
    }
    held = iban_changes.on_hold(list(producers), now)
    ibans = _ibans_in_force(producers.values(), now)
    return plan(payable(now, list(producers)), producers, ibans, held, settings, now)


def next_payout(producer_id: int, settings: CoopSettings, now: datetime | None = None):
    """Her NextPayout now (a zero one if she has no profile)."""
    found = next_payouts([producer_id], settings, now).get(producer_id)
    return found or NextPayout(producer_id, 0, 0, 0, "below_minimum", None)
