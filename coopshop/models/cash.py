"""Bazaar cash sessions: a desk opened with a float and closed with a count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from coopshop.models.base import Base, UTCDateTime, utcnow

CASH_SESSION_STATUSES = ("open", "closed")
# The one place cash session transitions are written down: a closed session stays closed.
CASH_SESSION_TRANSITIONS = {"open": {"closed"}, "closed": set()}


class CashSession(Base):
    __tablename__ = "cash_sessions"
    __table_args__ = (
        CheckConstraint("opening_float_kurus >= 0", name="float_non_negative"),
        CheckConstraint("counted_kurus IS NULL OR counted_kurus >= 0", name="counted_non_negative"),
        CheckConstraint(f"status IN {CASH_SESSION_STATUSES!r}", name="status_valid"),
        # One open session per desk of an event: two tablets cannot run the same drawer.
        Index(
            "uq_cash_sessions_one_open_per_desk",
            "event_name",
            "desk",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_name: Mapped[str] = mapped_column(String(120))
    desk: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    opening_float_kurus: Mapped[int] = mapped_column(BigInteger, default=0)
    counted_kurus: Mapped[int | None] = mapped_column(BigInteger)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
