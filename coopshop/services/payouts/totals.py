"""A payout batch's totals, added up in one place: every line as the period closed it, what the
batch pays (every line but the failed ones) and what still waits for the bank (the pending lines,
the bank file's rows). Each is gross, the withholding kept for the tax office, and net (to the
bank)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coopshop.models import PayoutBatch, PayoutLine


@dataclass(frozen=True)
class LinesTotal:
    lines: int
    gross_kurus: int
    withholding_kurus: int

    @property
    def net_kurus(self) -> int:
        """What the bank transfers: the gross less the withholding."""
        return self.gross_kurus - self.withholding_kurus


@dataclass(frozen=True)
class BatchTotals:
    all: LinesTotal  # every line
    to_pay: LinesTotal  # every line not failed: what the batch pays
    pending: LinesTotal  # lines still waiting for the bank: the bank file's rows


def add_up(lines: Iterable[PayoutLine]) -> LinesTotal:
    lines = list(lines)
    return LinesTotal(
        lines=len(lines),
        gross_kurus=sum(line.amount_kurus for line in lines),
        withholding_kurus=sum(line.withholding_kurus for line in lines),
    )


def totals(batch: PayoutBatch) -> BatchTotals:
    return BatchTotals(
        all=add_up(batch.lines),
        to_pay=add_up(line for line in batch.lines if line.status != "failed"),
        pending=add_up(line for line in batch.lines if line.status == "pending"),
    )
