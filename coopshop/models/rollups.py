"""Rollups of the sales reports (issue 22): sales and refunds summed per Istanbul day, channel
and producer, so the year report reads a few thousand rows instead of millions of entries.

Never the truth: a cache of the ledger, written only by books.report_rollups (called from
ledger.post in the posting's own transaction), rebuildable from the entries
(`flask ledger rebuild-rollups`) and compared with a recompute by `flask ledger check`.
``producer_id`` 0 holds the orders' whole figures (shipping included); a producer's row holds
her entries and her part of each line's VAT and commission, as the report by member splits them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coopshop.models.base import Base

WHOLE = 0  # producer_id of the rows holding every line and the shipping
MEASURES = tuple(
    f"{kind}_{part}"
    for part in ("vat", "commission", "makers", "shipping")
    for kind in ("sale", "refund")
)


class ReportRollup(Base):
    __tablename__ = "report_rollups"
    __table_args__ = (UniqueConstraint("day", "channel", "producer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(String(10))  # Istanbul day "YYYY-MM-DD" of the booking
    channel: Mapped[str] = mapped_column(String(16))
    producer_id: Mapped[int] = mapped_column(Integer)  # WHOLE, or the producer's id
    sale_vat: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_vat: Mapped[int] = mapped_column(BigInteger, default=0)
    sale_commission: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_commission: Mapped[int] = mapped_column(BigInteger, default=0)
    sale_makers: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_makers: Mapped[int] = mapped_column(BigInteger, default=0)
    sale_shipping: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_shipping: Mapped[int] = mapped_column(BigInteger, default=0)
