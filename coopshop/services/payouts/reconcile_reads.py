"""The reads Stripe reconciliation compares: Stripe's objects through the SDK (listed with
created[gte]/[lt], paged, and kept to the period here too; fetched by id across the edge), and
our side's batched queries (payments by Stripe id, fees booked per payment), never one per object.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import stripe
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from coopshop.db import db
from coopshop.models import Account, LedgerEntry, LedgerTransaction, Payment

_CHUNK = 500


class _Stripe:
    """The few reads reconciliation needs, as plain dicts kept to [start, end)."""

    def __init__(self, provider, start: datetime, end: datetime):
        self.v1 = provider.client.v1
        self.start, self.end = int(start.timestamp()), int(end.timestamp())

    def _in_period(self, obj: dict) -> bool:
        return self.start <= int(obj.get("created") or 0) < self.end

    def list(self, service, **params) -> list[dict]:
        params = {"created": {"gte": self.start, "lt": self.end}, "limit": 100, **params}
        listing = service.list(params=params)
        objects = (o.to_dict() for o in listing.auto_paging_iter())
        return [o for o in objects if self._in_period(o)]

    def retrieve(self, service, object_id: str) -> dict | None:
        try:
            return service.retrieve(object_id).to_dict()
        except stripe.InvalidRequestError as exc:
            if getattr(exc, "http_status", None) == 404:
                return None
            raise

    def payout_transactions(self, payout_id: str) -> list[dict]:
        listing = self.v1.balance_transactions.list(params={"payout": payout_id, "limit": 100})
        return [o.to_dict() for o in listing.auto_paging_iter()]


def _chunks(values: Iterable, size: int = _CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _payments_where(column, values) -> dict[str, Payment]:
    found: dict[str, Payment] = {}
    for chunk in _chunks({v for v in values if v}):
        for payment in db.session.scalars(
            select(Payment)
            .where(column.in_(chunk), Payment.provider == "stripe")
            .options(joinedload(Payment.order))
        ):
            found[getattr(payment, column.key)] = payment
    return found


def _booked_fees(payment_ids: Iterable[int]) -> dict[int, int]:
    """The fee booked in the ledger per payment: what its fee transactions (and their
    reversals) took from the clearing account."""
    booked: dict[int, int] = {}
    for chunk in _chunks(set(payment_ids)):
        rows = db.session.execute(
            select(LedgerTransaction.payment_id, func.sum(LedgerEntry.amount_kurus))
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .join(Account, Account.id == LedgerEntry.account_id)
            .where(
                LedgerTransaction.payment_id.in_(chunk),
                LedgerTransaction.kind.in_(("fee", "reversal")),
                Account.code.like("clearing:%"),
            )
            .group_by(LedgerTransaction.payment_id)
        )
        booked.update((pid, -int(total)) for pid, total in rows)
    return booked
