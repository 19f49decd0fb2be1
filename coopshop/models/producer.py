"""The producer's workspace: stock movements she makes by hand, and questions about her statement.

Sales take stock through services.orders (a conditional UPDATE); a StockMovement records every
other change, with its reason and the stock it left. A StatementQuestion is her question about one
line of her statement (a ledger entry or an order line) and stays attached to it with its answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from coopshop.models.catalog import Product
    from coopshop.models.ledger import LedgerEntry, LedgerTransaction
    from coopshop.models.orders import OrderLine
    from coopshop.models.user import ProducerProfile, User

# Why stock changed outside a sale. Codes are stored; the labels live in services.stock.
# "initial" is the stock a product was created with; "made_to_order" writes off what was
# counted when a product becomes made to order. The others are hers to choose.
STOCK_REASONS = (
    "initial",
    "produced",
    "count",
    "damaged",
    "personal",
    "returned",
    "made_to_order",
    "other",
)
QUESTION_STATUSES = ("open", "answered")


class StockMovement(Base):
    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_non_zero"),
        CheckConstraint("resulting_stock >= 0", name="resulting_stock_non_negative"),
        CheckConstraint(f"reason IN {STOCK_REASONS!r}", name="reason_valid"),
        Index("ix_stock_movements_product_created", "product_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    resulting_stock: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    actor: Mapped[User | None] = relationship()


class StatementQuestion(Base):
    """A producer's question about a line of her statement, and the cooperative's answer."""

    __tablename__ = "statement_questions"
    __table_args__ = (
        CheckConstraint(f"status IN {QUESTION_STATUSES!r}", name="status_valid"),
        CheckConstraint(
            "ledger_entry_id IS NOT NULL OR order_line_id IS NOT NULL", name="about_a_line"
        ),
        CheckConstraint(
            "status = 'open' OR (answered_at IS NOT NULL AND answer <> '')",
            name="answered_has_answer",
        ),
        Index("ix_statement_questions_producer_created", "producer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producer_profiles.id", ondelete="RESTRICT")
    )
    ledger_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id", ondelete="RESTRICT"), index=True
    )
    order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_lines.id", ondelete="RESTRICT"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The adjustment an admin booked with her answer, when the answer was "we corrected it".
    correction_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    producer: Mapped[ProducerProfile] = relationship()
    ledger_entry: Mapped[LedgerEntry | None] = relationship()
    order_line: Mapped[OrderLine | None] = relationship()
    answered_by: Mapped[User | None] = relationship()
    correction: Mapped[LedgerTransaction | None] = relationship()
