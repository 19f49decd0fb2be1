"""The buyer's withdrawals (cayma hakkı, 6502 s. Kanun m.48, Mesafeli Sözleşmeler Yönetmeliği):
which lines and how many she sends back, and where her request stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow
from coopshop.models.orders import Order, OrderLine, Refund

WITHDRAWAL_STATUSES = ("requested", "received", "refunding", "refunded", "rejected")
# The one place a withdrawal's steps are written down: the goods come back (received), the
# refund goes out (refunding while a card provider has not answered yet), or staff close it
# without a refund (rejected: the goods never came back, or she took the request back).
WITHDRAWAL_TRANSITIONS = {
    "requested": {"received", "refunding", "rejected"},
    "received": {"refunding", "refunded", "rejected"},
    "refunding": {"refunded", "received", "requested"},
    "refunded": set(),
    "rejected": set(),
}
OPEN_WITHDRAWAL_STATUSES = ("requested", "received", "refunding")


class WithdrawalRequest(Base):
    __tablename__ = "withdrawal_requests"
    __table_args__ = (CheckConstraint(f"status IN {WITHDRAWAL_STATUSES!r}", name="status_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # hers, optional (none is needed)
    note: Mapped[str] = mapped_column(Text, default="")  # staff's, shown to her when rejected
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The refund is due within 14 days of her notice (Yönetmelik m.13).
    refund_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_id: Mapped[int | None] = mapped_column(
        ForeignKey("refunds.id", ondelete="RESTRICT"), unique=True
    )

    order: Mapped[Order] = relationship()
    refund: Mapped[Refund | None] = relationship()
    lines: Mapped[list[WithdrawalLine]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="WithdrawalLine.id"
    )


class WithdrawalLine(Base):
    __tablename__ = "withdrawal_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("request_id", "line_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("withdrawal_requests.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)

    request: Mapped[WithdrawalRequest] = relationship(back_populates="lines")
    line: Mapped[OrderLine] = relationship()
