"""Card providers' settlement records, for three-way reconciliation: each payout a provider made
(or is making) to the cooperative's bank account, kept so a bank statement's money-in from
STRIPE or İYZİCO is matched to the settlement it is, by amount and date, not only against the
provider's clearing balance.

- Stripe: each payout created in the period (the SDK's Payout list: id, amount, currency,
  status, arrival_date) with what its balance transactions carried (BalanceTransaction list
  ?payout=…: the net and the fees of those that are not the payout itself);
- iyzico: each day's payouts completed to the merchant (settlement reporting,
  services.sales.iyzico_reporting.payouts_completed), one record per day with money.

Recorded when that provider's period is reconciled (the admin's reconciliation page and
`flask reconcile stripe|iyzico`) or by `flask reconcile settlements`; recording again brings a
record up to date (a Stripe payout in transit that has since been paid). Only adds and flushes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from coopshop import turkey
from coopshop.db import db
from coopshop.models import BankStatementLine, ProviderSettlement, utcnow
from coopshop.models.bank import SETTLEMENT_STATUSES
from coopshop.services.payouts import reconcile, reconcile_iyzico
from coopshop.services.payouts.reconcile_reads import _Stripe
from coopshop.services.sales import iyzico_reporting

# A provider's payout reaches the bank on its arrival date; the bank may book it a few days on
# (weekends, holidays). A line further than this from every settlement is not matched to one.
SETTLEMENT_DAYS = 5
_MOVED = ("pending", "in_transit", "paid")  # failed and canceled payouts bring nothing


@dataclass(frozen=True)
class _Read:
    provider: str
    external_id: str
    amount_kurus: int
    carried_kurus: int | None
    fee_kurus: int | None
    transactions: int
    currency: str
    status: str
    arrival_on: date


def _day(timestamp) -> date:
    moment = datetime.fromtimestamp(int(timestamp or 0), UTC)
    return turkey.istanbul_date(moment)


def read_stripe(provider, start: datetime, end: datetime) -> list[_Read]:
    """Stripe's payouts created in [start, end), each with what its transactions carried."""
    api = _Stripe(provider, start, end)
    found = []
    for payout in api.list(api.v1.payouts):
        carried = [
            t
            for t in api.payout_transactions(payout["id"])
            if t.get("type") not in reconcile._PAYOUT_OWN_TYPES
        ]
        status = payout.get("status")
        found.append(
            _Read(
                provider="stripe",
                external_id=str(payout["id"]),
                amount_kurus=int(payout["amount"]),
                carried_kurus=sum(int(t.get("net") or 0) for t in carried),
                fee_kurus=sum(int(t.get("fee") or 0) for t in carried),
                transactions=len(carried),
                currency=str(payout.get("currency") or "try")[:3],
                status=status if status in SETTLEMENT_STATUSES else "pending",
                arrival_on=_day(payout.get("arrival_date") or payout.get("created")),
            )
        )
    return found


def read_iyzico(client, start: datetime, end: datetime) -> list[_Read]:
    """iyzico's payouts completed to the merchant on each day of [start, end)."""
    found = []
    for day in reconcile_iyzico._days(start, end):
        paid = iyzico_reporting.payouts_completed(client, day)
        if not paid.transactions:
            continue
        found.append(
            _Read(
                provider="iyzico",
                external_id=f"iyzico:{day.isoformat()}",
                amount_kurus=paid.amount_kurus,
                carried_kurus=None,
                fee_kurus=None,
                transactions=paid.transactions,
                currency=paid.currency.lower()[:3],
                status="paid",
                arrival_on=day,
            )
        )
    return found


def _store(reads: list[_Read]) -> list[ProviderSettlement]:
    """Insert each settlement read, or bring the stored one up to date (one query to find
    them)."""
    if not reads:
        return []
    stored = {
        (s.provider, s.external_id): s
        for s in db.session.scalars(
            select(ProviderSettlement).where(
                ProviderSettlement.provider == reads[0].provider,
                ProviderSettlement.external_id.in_([r.external_id for r in reads]),
            )
        )
    }
    kept = []
    for read in reads:
        row = stored.get((read.provider, read.external_id))
        if row is None:
            row = ProviderSettlement(provider=read.provider, external_id=read.external_id)
            db.session.add(row)
        for name in (
            "amount_kurus",
            "carried_kurus",
            "fee_kurus",
            "transactions",
            "currency",
            "status",
            "arrival_on",
        ):
            setattr(row, name, getattr(read, name))
        row.recorded_at = utcnow()
        kept.append(row)
    db.session.flush()
    return kept


def record(name: str, provider, start: datetime, end: datetime) -> list[ProviderSettlement]:
    """Read and keep the provider's settlements of [start, end) (``name`` "stripe" or
    "iyzico"; ``provider`` as services.payouts.reconcile_providers.configured gives it)."""
    if name == "stripe":
        return _store(read_stripe(provider, start, end))
    if name == "iyzico":
        return _store(read_iyzico(provider.client, start, end))
    return []


def of_period(first: date, last: date) -> list[ProviderSettlement]:
    return list(
        db.session.scalars(
            select(ProviderSettlement)
            .where(ProviderSettlement.arrival_on >= first, ProviderSettlement.arrival_on <= last)
            .order_by(ProviderSettlement.arrival_on, ProviderSettlement.id)
        )
    )


# --- matching a bank line ------------------------------------------------------------------


def candidates(lines: list[BankStatementLine]) -> list[ProviderSettlement]:
    """The settlements any of ``lines`` could be (arrival within SETTLEMENT_DAYS of a line's
    day), that money moved for and that no other line has matched yet: one query."""
    if not lines:
        return []
    window = timedelta(days=SETTLEMENT_DAYS)
    taken = select(BankStatementLine.settlement_id).where(
        BankStatementLine.status.in_(("matched", "manual")),
        BankStatementLine.settlement_id.is_not(None),
    )
    return list(
        db.session.scalars(
            select(ProviderSettlement)
            .where(
                ProviderSettlement.status.in_(_MOVED),
                ProviderSettlement.arrival_on >= min(ln.booked_on for ln in lines) - window,
                ProviderSettlement.arrival_on <= max(ln.booked_on for ln in lines) + window,
                ~ProviderSettlement.id.in_(taken),
            )
            .order_by(ProviderSettlement.arrival_on, ProviderSettlement.id)
        )
    )


def find(line: BankStatementLine, provider: str, pool: list[ProviderSettlement]):
    """(settlement, agrees) for a money-in line from ``provider``: the same amount nearest in
    date, else the nearest in date (a difference to show), else (None, False). A settlement
    found agreeing is taken out of ``pool``."""
    near = sorted(
        (
            s
            for s in pool
            if s.provider == provider
            and abs((s.arrival_on - line.booked_on).days) <= SETTLEMENT_DAYS
        ),
        key=lambda s: (abs((s.arrival_on - line.booked_on).days), s.id),
    )
    same = next((s for s in near if s.amount_kurus == line.amount_kurus), None)
    if same is not None:
        pool.remove(same)
        return same, True
    return (near[0], False) if near else (None, False)
