"""The dated commission policy: the cooperative's default rate, and the overrides of a
collection, a member (producer) and a product — one table, one rule for every level.

A rate applies to sales from its ``effective_from`` on; the rate in force at a moment is the row
of that scope with the latest ``effective_from`` at or before it. Past sales keep the rate they
snapshotted on their order lines, so a new row never changes what was already sold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from coopshop.models.catalog import Collection, Product
    from coopshop.models.user import ProducerProfile

RATE_SCOPES = ("default", "collection", "producer", "product")
# "From the start": the date of the own rates migrated from the undated columns (0330).
SINCE_ALWAYS = datetime(2000, 1, 1, tzinfo=UTC)


class CommissionRate(Base):
    """One dated rate. The default's ``rate_bp`` is never NULL; for a collection, a member or a
    product, NULL means "no rate of its own from this date on": the next level applies
    (product, then member, then collection, then default)."""

    __tablename__ = "commission_rates"
    __table_args__ = (
        CheckConstraint(f"scope IN {RATE_SCOPES!r}", name="scope_valid"),
        CheckConstraint(
            "rate_bp IS NULL OR (rate_bp >= 0 AND rate_bp <= 10000)", name="rate_range"
        ),
        CheckConstraint(
            "(scope = 'default' AND collection_id IS NULL AND producer_id IS NULL"
            " AND product_id IS NULL AND rate_bp IS NOT NULL)"
            " OR (scope = 'collection' AND collection_id IS NOT NULL AND producer_id IS NULL"
            " AND product_id IS NULL)"
            " OR (scope = 'producer' AND producer_id IS NOT NULL AND collection_id IS NULL"
            " AND product_id IS NULL)"
            " OR (scope = 'product' AND product_id IS NOT NULL AND collection_id IS NULL"
            " AND producer_id IS NULL)",
            name="scope_matches",
        ),
        Index("ix_commission_rates_lookup", "scope", "collection_id", "effective_from"),
        Index("ix_commission_rates_producer", "producer_id", "effective_from"),
        Index("ix_commission_rates_product", "product_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    collection_id: Mapped[int | None] = mapped_column(
        ForeignKey("collections.id", ondelete="RESTRICT")
    )
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("producer_profiles.id", ondelete="CASCADE")
    )
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    rate_bp: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    collection: Mapped[Collection | None] = relationship()
    producer: Mapped[ProducerProfile | None] = relationship()
    product: Mapped[Product | None] = relationship()

    @property
    def target_id(self) -> int | None:
        """The collection's, member's or product's id (None for the default)."""
        return {"collection": self.collection_id, "producer": self.producer_id}.get(
            self.scope, self.product_id if self.scope == "product" else None
        )

    def __repr__(self) -> str:
        where = f"{self.scope}:{self.target_id}"
        return f"<CommissionRate {where} {self.rate_bp} from {self.effective_from}>"


class WithholdingRate(Base):
    """One dated withholding (stopaj) rate for payouts to members with an exemption certificate:
    a payout uses the row with the latest ``effective_from`` at or before its period's cutoff.
    Zero is a rate ("nothing kept from this date on")."""

    __tablename__ = "withholding_rates"
    __table_args__ = (
        CheckConstraint("rate_bp >= 0 AND rate_bp < 10000", name="rate_range"),
        Index("ix_withholding_rates_effective_from", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rate_bp: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<WithholdingRate {self.rate_bp} from {self.effective_from}>"
