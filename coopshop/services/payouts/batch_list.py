"""The payout batches page's list: the newest batches with their line counts and totals."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from coopshop.db import db
from coopshop.models import PayoutBatch, PayoutLine


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
